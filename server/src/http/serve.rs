//! The accept loop: HTTP/1.1 through hyper with the edges `axum::serve` leaves open.
//!
//! - **Connection cap.** A semaphore permit is taken before each `accept`; at the cap, new
//!   connections wait in the kernel's listen queue until one closes.
//! - **Header read timeout.** A connection must deliver a complete request head within
//!   `header_read_timeout_ms` of being accepted, and again of each previous response (hyper
//!   restarts the timer whenever it waits for a head), so a slowloris client sending a byte at a
//!   time, a client that never speaks, and an idle keep-alive connection are all closed then.
//! - **Header size.** Request heads larger than `max_header_bytes` get `431` and a close.
//! - **Keep-alive** can be turned off; when on, idleness is bounded by the header timeout.
//!
//! Bodies are bounded by `max_body_bytes` and their reading by `request_timeout_ms` (the
//! handler reads them inside the per-request timeout).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_service::Service;

/// The connection-level limits, from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Connections served at once.
    pub max_connections: usize,
    /// Time allowed for each request head, counted from accept or from the previous response.
    pub header_read_timeout: Duration,
    /// Largest request head (request line and headers).
    pub max_header_bytes: usize,
    /// Whether a connection may carry several requests.
    pub keep_alive: bool,
}

/// How long in-flight requests get to finish after shutdown is asked for.
const DRAIN: Duration = Duration::from_secs(30);

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections finish
/// their current request (for at most 30 s).
pub async fn serve(listener: TcpListener, app: Router, limits: ConnectionLimits, shutdown: impl Future<Output = ()>) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_header_bytes)
        .keep_alive(limits.keep_alive);
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
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the drain period; closing");
    }
}
