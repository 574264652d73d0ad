//! What went wrong, as the demos print it: a sentence saying what failed, where, and what to do
//! next, instead of Rust's debug form of the error.

use std::fmt;
use std::process::ExitCode;

use checkout_bridge::{CheckoutError, STRIPE_API_BASE};

/// Whom the app client talks to; decides what a failure means and what to do about it.
#[derive(Clone, Debug)]
pub enum Peer {
    /// The emulator started inside the demo (direct mode, a test key).
    Emulator,
    /// Stripe's test mode, with the key from `STRIPE_SECRET_KEY`.
    Stripe,
    /// A reference server at this URL (backend mode, the demo's app token).
    Server(String),
}

/// A failure of the demo: `what` happened, `next` is what the user can do about it.
#[derive(Debug)]
pub struct Problem {
    pub what: String,
    pub next: String,
}

impl Problem {
    pub fn new(what: impl Into<String>, next: impl Into<String>) -> Self {
        Problem {
            what: what.into(),
            next: next.into(),
        }
    }

    /// A failure inside the demo itself (the emulator's page, a local socket), which the user
    /// cannot fix by configuration.
    pub fn internal(what: impl Into<String>) -> Self {
        Problem::new(
            what,
            "This is a bug in the demo or the emulator, not in your set-up; please report it with this output.",
        )
    }

    /// Explains a library error in terms of the peer it came from.
    pub fn from_checkout(err: &CheckoutError, peer: &Peer) -> Self {
        let host = match peer {
            Peer::Emulator => "the built-in Stripe emulator".to_owned(),
            Peer::Stripe => format!("Stripe ({})", STRIPE_API_BASE.trim_start_matches("https://")),
            Peer::Server(url) => format!("the reference server at {url}"),
        };
        match (err, peer) {
            (CheckoutError::Network { reason }, Peer::Stripe) => Problem::new(
                format!("Could not reach {host}: {reason}."),
                "Check this machine's network connection and proxy settings, or unset STRIPE_SECRET_KEY \
                 to run against the built-in emulator, which needs no network.",
            ),
            (CheckoutError::Network { reason }, Peer::Server(url)) => Problem::new(
                format!("Could not reach {host}: {reason}."),
                format!(
                    "Start the server first (cargo run -p checkout-bridge-server -- --config FILE) and check that it \
                     listens on {url}, or drop --server to use the built-in emulator."
                ),
            ),
            (CheckoutError::Timeout { timeout_ms }, _) => Problem::new(
                format!("{host} did not answer within {timeout_ms} ms."),
                "Try again; if it keeps happening, check the network (the built-in emulator needs none).",
            ),
            (CheckoutError::Authentication { details }, Peer::Stripe) => Problem::new(
                format!("Stripe refused the key in STRIPE_SECRET_KEY ({details})."),
                "Use a test-mode secret key (sk_test_…) from the Stripe Dashboard, Developers › API keys.",
            ),
            (CheckoutError::Authentication { .. }, Peer::Server(_)) => Problem::new(
                format!("{host} refused the demo's app token."),
                "List the token in the server's configuration: an [[app_tokens]] entry whose sha256 is that of \
                 demo-app-user-token (printf %s demo-app-user-token | sha256sum).",
            ),
            (CheckoutError::Permission { details }, Peer::Server(_)) => Problem::new(
                format!("{host} refused the demo's checkout: {details}."),
                "Allow it in the server's policy: [policy.prices] allow_inline = true, allow_product_data = true and max_amount = { usd = 100000 }, \
                 and [policy.return_urls] allowed = [\"myapp://checkout\"] (server/README.md).",
            ),
            (CheckoutError::InvalidInput { field, reason }, Peer::Stripe) if field.contains("credential") => Problem::new(
                format!("STRIPE_SECRET_KEY is not usable: {reason}."),
                "Use a test-mode secret key (sk_test_…) from the Stripe Dashboard.",
            ),
            (CheckoutError::Storage { reason }, _) => Problem::new(
                format!("Could not record the pending checkout on disk: {reason}."),
                "Check that the temporary directory (TMPDIR, else /tmp) exists and is writable.",
            ),
            (other, Peer::Emulator) => Problem::internal(format!("The round trip on the built-in emulator failed: {other}.")),
            (other, _) => Problem::new(
                format!("The checkout through {host} failed: {other}."),
                "The message above is the library's; docs/kotlin.md lists what each kind of error means.",
            ),
        }
    }

    /// Prints the problem to stderr; exit code 1.
    pub fn report(&self) -> ExitCode {
        eprintln!("{self}");
        ExitCode::FAILURE
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}\n{}", self.what, self.next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_network_to_stripe_names_the_host_and_the_emulator() {
        let err = CheckoutError::Network {
            reason: "could not connect: dns error".into(),
        };
        let text = Problem::from_checkout(&err, &Peer::Stripe).to_string();
        assert!(
            text.starts_with("error: Could not reach Stripe (api.stripe.com): could not connect"),
            "{text}"
        );
        assert!(text.contains("emulator, which needs no network"), "{text}");
        assert!(!text.contains("Network {"), "not the debug form: {text}");
    }

    #[test]
    fn a_server_that_is_down_is_named_with_its_url() {
        let err = CheckoutError::Network {
            reason: "connection refused".into(),
        };
        let text = Problem::from_checkout(&err, &Peer::Server("http://127.0.0.1:9".into())).to_string();
        assert!(text.contains("the reference server at http://127.0.0.1:9"), "{text}");
        assert!(text.contains("cargo run -p checkout-bridge-server"), "{text}");
    }
}
