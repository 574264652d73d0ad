//! Prometheus metrics, served on their own listener (`metrics_listen`), in the text exposition
//! format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/): a handful of
//! counters and histograms, written out by hand rather than through a metrics crate.
//! `prometheus-client` (the maintained one) encodes OpenMetrics 1.0 only (its own content type,
//! a `# EOF` line, its suffix rules for counters), so the documented series, the README's table
//! and `scripts/ops-check.sh` would all change shape for no gain; the text format here is a
//! hundred lines with a test. The `metrics` ecosystem's exporter brings its own HTTP listener.
//!
//! Every label value comes from a small closed set (route templates, not paths; status codes;
//! fixed operation and result names), so an attacker cannot grow the series without bound.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the latency buckets: 5 ms to 10 s, as Stripe calls take tens to
/// hundreds of milliseconds and the client gives up after `request_timeout_ms`.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Clone, Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += secs;
    }
}

type Labels = Vec<(&'static str, String)>;

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, u16), u64>,
    request_seconds: BTreeMap<String, Histogram>,
    upstream: BTreeMap<(&'static str, &'static str), Histogram>,
    webhooks: BTreeMap<&'static str, u64>,
    return_pages: BTreeMap<&'static str, u64>,
    rate_limited: BTreeMap<&'static str, u64>,
    connections_refused: BTreeMap<&'static str, u64>,
}

/// The server's counters and histograms.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

/// How a call to Stripe ended, for the upstream histogram's `outcome` label: `ok`,
/// `unreachable` (network, timeout), `rate_limited`, `server_error` (5xx, unreadable body) or
/// `refused` (any other 4xx: not found, invalid, authentication).
pub fn upstream_outcome<T>(r: &Result<T, checkout_bridge::CheckoutError>) -> &'static str {
    use checkout_bridge::CheckoutError as E;
    match r {
        Ok(_) => "ok",
        Err(E::Network { .. } | E::Timeout { .. }) => "unreachable",
        Err(E::RateLimited { .. }) => "rate_limited",
        Err(E::Api { details }) if details.status >= 500 => "server_error",
        Err(E::InvalidResponse { .. }) => "server_error",
        Err(_) => "refused",
    }
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One HTTP request answered: `route` is the matched route template (or `unmatched`).
    pub fn request(&self, route: &str, status: u16, took: Duration) {
        let mut m = self.lock();
        *m.requests.entry((route.to_owned(), status)).or_default() += 1;
        m.request_seconds
            .entry(route.to_owned())
            .or_default()
            .observe(took.as_secs_f64());
    }

    /// One call to Stripe: `operation` (create, retrieve, expire, line_items, readiness) and how
    /// it ended ([`upstream_outcome`]).
    pub fn upstream(&self, operation: &'static str, outcome: &'static str, took: Duration) {
        self.lock()
            .upstream
            .entry((operation, outcome))
            .or_default()
            .observe(took.as_secs_f64());
    }

    /// One webhook delivery checked: `verified`, `refused` or `unavailable`.
    pub fn webhook(&self, result: &'static str) {
        *self.lock().webhooks.entry(result).or_default() += 1;
    }

    /// One return page rendered: `paid`, `processing`, `not_completed`, `refused`,
    /// `unavailable` or `rate_limited`.
    pub fn return_page(&self, result: &'static str) {
        *self.lock().return_pages.entry(result).or_default() += 1;
    }

    /// One request refused by a rate limit (`address`, `webhook_address`, `user`, `return_page`).
    pub fn rate_limited(&self, bucket: &'static str) {
        *self.lock().rate_limited.entry(bucket).or_default() += 1;
    }

    /// One connection closed at accept (`per_address`).
    pub fn connection_refused(&self, reason: &'static str) {
        *self.lock().connections_refused.entry(reason).or_default() += 1;
    }

    /// The text exposition of everything, plus `extra` gauges computed by the caller.
    pub fn render(&self, extra: &[Gauge]) -> String {
        let m = self.lock();
        let mut out = String::with_capacity(4096);
        family(
            &mut out,
            "checkout_bridge_http_requests_total",
            "counter",
            "HTTP requests answered, by route template and status.",
        );
        for ((route, status), n) in &m.requests {
            sample(
                &mut out,
                "checkout_bridge_http_requests_total",
                &[("route", route.clone()), ("status", status.to_string())],
                *n as f64,
            );
        }
        family(
            &mut out,
            "checkout_bridge_http_request_duration_seconds",
            "histogram",
            "Time to answer an HTTP request, by route template.",
        );
        for (route, h) in &m.request_seconds {
            histogram(
                &mut out,
                "checkout_bridge_http_request_duration_seconds",
                vec![("route", route.clone())],
                h,
            );
        }
        family(
            &mut out,
            "checkout_bridge_upstream_request_duration_seconds",
            "histogram",
            "Calls to Stripe (including the client's retries), by operation and outcome.",
        );
        for ((op, outcome), h) in &m.upstream {
            histogram(
                &mut out,
                "checkout_bridge_upstream_request_duration_seconds",
                vec![("operation", (*op).to_owned()), ("outcome", (*outcome).to_owned())],
                h,
            );
        }
        family(
            &mut out,
            "checkout_bridge_webhook_verifications_total",
            "counter",
            "Webhook deliveries checked, by result.",
        );
        for (result, n) in &m.webhooks {
            sample(
                &mut out,
                "checkout_bridge_webhook_verifications_total",
                &[("result", (*result).to_owned())],
                *n as f64,
            );
        }
        family(
            &mut out,
            "checkout_bridge_return_pages_total",
            "counter",
            "Return pages rendered, by what they said.",
        );
        for (result, n) in &m.return_pages {
            sample(
                &mut out,
                "checkout_bridge_return_pages_total",
                &[("result", (*result).to_owned())],
                *n as f64,
            );
        }
        family(
            &mut out,
            "checkout_bridge_rate_limited_total",
            "counter",
            "Requests refused by a rate limit, by bucket.",
        );
        for (bucket, n) in &m.rate_limited {
            sample(
                &mut out,
                "checkout_bridge_rate_limited_total",
                &[("bucket", (*bucket).to_owned())],
                *n as f64,
            );
        }
        family(
            &mut out,
            "checkout_bridge_connections_refused_total",
            "counter",
            "Connections closed at accept, before any byte was read, by reason.",
        );
        for (reason, n) in &m.connections_refused {
            sample(
                &mut out,
                "checkout_bridge_connections_refused_total",
                &[("reason", (*reason).to_owned())],
                *n as f64,
            );
        }
        drop(m);
        let mut last = "";
        for g in extra {
            if g.name != last {
                // Counters kept elsewhere (atomics) follow the `_total` naming convention.
                let kind = if g.name.ends_with("_total") { "counter" } else { "gauge" };
                family(&mut out, g.name, kind, g.help);
                last = g.name;
            }
            sample(&mut out, g.name, &g.labels, g.value);
        }
        out
    }
}

/// A value read when scraped (for example, rows in a table): a gauge, or a counter kept
/// elsewhere when its name ends in `_total`.
#[derive(Clone, Debug)]
pub struct Gauge {
    /// Metric name; gauges of one name must be adjacent.
    pub name: &'static str,
    /// `# HELP` text.
    pub help: &'static str,
    /// Label pairs.
    pub labels: Labels,
    /// The value.
    pub value: f64,
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Label values escape `\`, `"` and newlines, as the format requires.
fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn sample(out: &mut String, name: &str, labels: &[(&'static str, String)], value: f64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{k}=\"{}\"", escape_label(v));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

fn histogram(out: &mut String, name: &str, labels: Labels, h: &Histogram) {
    let bucket = format!("{name}_bucket");
    for (i, le) in BUCKETS.iter().enumerate() {
        let mut l = labels.clone();
        l.push(("le", le.to_string()));
        sample(out, &bucket, &l, h.counts[i] as f64);
    }
    let mut l = labels.clone();
    l.push(("le", "+Inf".into()));
    sample(out, &bucket, &l, h.count as f64);
    sample(out, &format!("{name}_sum"), &labels, h.sum);
    sample(out, &format!("{name}_count"), &labels, h.count as f64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_has_types_counts_and_cumulative_buckets() {
        let m = Metrics::default();
        m.request("/v1/checkout/sessions", 200, Duration::from_millis(30));
        m.request("/v1/checkout/sessions", 200, Duration::from_millis(3));
        m.request("unmatched", 404, Duration::from_millis(1));
        m.upstream("create", "ok", Duration::from_millis(70));
        m.webhook("verified");
        m.webhook("refused");
        m.webhook("refused");
        let text = m.render(&[Gauge {
            name: "checkout_bridge_x",
            help: "x",
            labels: vec![("state", "a\"b\\c\nd".into())],
            value: 2.0,
        }]);
        for line in [
            "# TYPE checkout_bridge_http_requests_total counter",
            "checkout_bridge_http_requests_total{route=\"/v1/checkout/sessions\",status=\"200\"} 2",
            "checkout_bridge_http_requests_total{route=\"unmatched\",status=\"404\"} 1",
            "checkout_bridge_http_request_duration_seconds_bucket{route=\"/v1/checkout/sessions\",le=\"0.005\"} 1",
            "checkout_bridge_http_request_duration_seconds_bucket{route=\"/v1/checkout/sessions\",le=\"0.05\"} 2",
            "checkout_bridge_http_request_duration_seconds_bucket{route=\"/v1/checkout/sessions\",le=\"+Inf\"} 2",
            "checkout_bridge_http_request_duration_seconds_count{route=\"/v1/checkout/sessions\"} 2",
            "checkout_bridge_upstream_request_duration_seconds_bucket{operation=\"create\",outcome=\"ok\",le=\"0.05\"} 0",
            "checkout_bridge_upstream_request_duration_seconds_bucket{operation=\"create\",outcome=\"ok\",le=\"0.1\"} 1",
            "checkout_bridge_webhook_verifications_total{result=\"refused\"} 2",
            "# TYPE checkout_bridge_x gauge",
            "checkout_bridge_x{state=\"a\\\"b\\\\c\\nd\"} 2",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
        // Every sample line is `name{labels} value` with a number that parses.
        for l in text.lines().filter(|l| !l.starts_with('#')) {
            let v = l.rsplit(' ').next().unwrap_or("");
            assert!(v.parse::<f64>().is_ok(), "{l}");
        }
    }
}
