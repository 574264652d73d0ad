//! The accept loop: HTTP/1.1 through hyper with the edges `axum::serve` leaves open, so that one
//! address cannot hold the slots every other client needs.
//!
//! - **Connection cap.** A semaphore permit is taken before each `accept`; at the cap, new
//!   connections wait in the kernel's listen queue until one closes.
//! - **Per-address cap.** At accept, before a byte is read, a connection from an address (IPv6
//!   by /64) that already holds `max_connections_per_address` open connections is closed. The
//!   address is the TCP peer: `X-Forwarded-For` is not read yet, so connections from
//!   `trusted_proxies` (which carry many clients) are not counted, the same rule as the rate
//!   limiter's.
//! - **Header read timeout.** A connection must deliver a complete request head within
//!   `header_read_timeout_ms` of being accepted, and again of each previous response (hyper
//!   restarts the timer whenever it waits for a head), so a slowloris client sending a byte at a
//!   time, a client that never speaks, and an idle keep-alive connection are all closed then.
//!   **Under pressure** (three quarters of `max_connections` in use when a connection is
//!   accepted) the connection gets `pressure_header_timeout_ms` instead: idle and slow clients
//!   give their slots back sooner exactly when slots are scarce.
//! - **Header size.** Request heads larger than `max_header_bytes` get `431` and a close.
//! - **Keep-alive** can be turned off; when on, idleness is bounded by the header timeout.
//!
//! Bodies are bounded by `max_body_bytes` and their arrival by `body_read_timeout_ms`
//! ([`crate::http::body`]); the handler as a whole by `request_timeout_ms`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_service::Service;

use crate::http::client_addr::{rate_key, TrustedProxies};
use crate::telemetry::metrics::Metrics;

/// The connection-level limits, from the configuration.
#[derive(Clone, Debug)]
pub struct ConnectionLimits {
    /// Connections served at once.
    pub max_connections: usize,
    /// Connections one address may hold open (trusted proxies excepted).
    pub per_address: usize,
    /// Time allowed for each request head, counted from accept or from the previous response.
    pub header_read_timeout: Duration,
    /// The same, for connections accepted while three quarters of the slots are in use.
    pub pressure_header_timeout: Duration,
    /// Largest request head (request line and headers).
    pub max_header_bytes: usize,
    /// Whether a connection may carry several requests.
    pub keep_alive: bool,
    /// Peers whose connections are not counted per address.
    pub proxies: TrustedProxies,
}

/// How long in-flight requests get to finish after shutdown is asked for.
const DRAIN: Duration = Duration::from_secs(30);

/// Open connections per address; an entry leaves the map with its last connection.
#[derive(Clone, Default)]
struct PerAddress(Arc<Mutex<HashMap<IpAddr, usize>>>);

/// One counted connection; uncounted when dropped (the connection ended).
struct Counted {
    map: PerAddress,
    key: IpAddr,
}

impl PerAddress {
    /// Counts one more connection for `key`, or `None` when it already has `cap`.
    fn take(&self, key: IpAddr, cap: usize) -> Option<Counted> {
        let mut m = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = m.entry(key).or_insert(0);
        if *n >= cap {
            return None;
        }
        *n += 1;
        Some(Counted { map: self.clone(), key })
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut m = self.map.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = m.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.key);
            }
        }
    }
}

fn builder(limits: &ConnectionLimits, header_timeout: Duration) -> hyper::server::conn::http1::Builder {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_header_size(limits.max_header_bytes)
        .keep_alive(limits.keep_alive);
    http
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections finish
/// their current request (for at most 30 s). Refused connections are counted in `metrics`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) {
    let max = limits.max_connections.max(1);
    let slots = Arc::new(Semaphore::new(max));
    let normal = builder(&limits, limits.header_read_timeout);
    let pressed = builder(&limits, limits.pressure_header_timeout);
    let per_address = PerAddress::default();
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let counted = if limits.proxies.trusts(peer.ip()) {
            None
        } else {
            match per_address.take(rate_key(peer.ip()), limits.per_address) {
                Some(c) => Some(c),
                None => {
                    // Closed before reading anything: costs this address its own slot only.
                    metrics.connection_refused("per_address");
                    tracing::debug!(peer = %peer, "connection refused: per-address cap");
                    drop(stream);
                    continue;
                }
            }
        };
        // The permit for this connection is held, so `available` counts the others' slots.
        let http = if slots.available_permits() < max / 4 {
            &pressed
        } else {
            &normal
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            let mut app = app.clone();
            async move { Ok::<_, Infallible>(app.call(req.map(Body::new)).await.unwrap_or_else(|e| match e {})) }
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, peer = %peer, "connection closed with an error");
            }
            drop(counted);
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the drain period; closing");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_address_counts_come_and_go() {
        let m = PerAddress::default();
        let a: IpAddr = [192, 0, 2, 1].into();
        let b: IpAddr = [192, 0, 2, 2].into();
        let first = m.take(a, 2);
        let second = m.take(a, 2);
        assert!(first.is_some() && second.is_some());
        assert!(m.take(a, 2).is_none(), "a third from the same address");
        assert!(m.take(b, 2).is_some(), "another address is not affected");
        drop(first);
        assert!(m.take(a, 2).is_some(), "a slot freed by a closed connection");
        drop(second);
    }
}
