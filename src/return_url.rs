//! Return links: building the success and cancel URLs Stripe redirects to, and parsing the
//! link that comes back into the app.
//!
//! The incoming link is untrusted input (any app or web page can open `myapp://…`), so parsing
//! is strict: it must match the base exactly (scheme, host, port, path), carry exactly one
//! well-formed `state`, and on success exactly one substituted `session_id`. It only tells the
//! flow *which* pending checkout to look at; the outcome itself always comes from Stripe.
//!
//! This is the only return-link grammar: Kotlin and Swift ask [`ReturnBase::matches`] (or
//! `CheckoutFlow::is_return_link`) whether an incoming link is theirs, and read the base's
//! scheme, host and path from it, instead of parsing links themselves.

use std::sync::Arc;

use url::Url;

use crate::config::{plain_http_allowed, plain_http_refusal, Build};
use crate::error::CheckoutError;
use crate::os::new_state;

/// The literal Stripe replaces with the session ID when it redirects to the success URL.
pub const SESSION_ID_PLACEHOLDER: &str = "{CHECKOUT_SESSION_ID}";
/// Longest link accepted.
pub const MAX_RETURN_URL_LEN: usize = 2048;
/// Hex characters in a state nonce (128 bits).
pub const STATE_LEN: usize = 32;

/// The two URLs to give Stripe, and the nonce tying them to one checkout.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ReturnUrls {
    /// `…/success?session_id={CHECKOUT_SESSION_ID}&state=NONCE`
    pub success_url: String,
    /// `…/cancel?state=NONCE`
    pub cancel_url: String,
    /// The nonce: 128 random bits from the OS, as 32 lowercase hex characters.
    pub state: String,
}

/// Which of the two links came back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum ReturnKind {
    /// Stripe's redirect after the customer completed the page.
    Success,
    /// The customer backed out.
    Cancel,
}

/// What a valid return link says (not yet verified with Stripe).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ReturnEvent {
    /// Success or cancel.
    pub kind: ReturnKind,
    /// The session ID Stripe substituted; `None` on cancel links.
    pub session_id: Option<String>,
    /// The nonce, which identifies the pending checkout.
    pub state: String,
}

/// A validated return base such as `myapp://checkout` or `https://shop.example/checkout`,
/// prepared once: matching or parsing a link never re-reads the base.
///
/// Its two return links are `BASE/success?…` and `BASE/cancel?…`. Scheme and host compare
/// case-insensitively, a default port (`:443` for https) is the same as none, and the path
/// compares after percent-decoding, as a browser resolves it.
///
/// ```
/// use checkout_bridge::ReturnBase;
/// let base = ReturnBase::parse("https://Shop.example:443/checkout")?;
/// assert_eq!(base.to_string(), "https://shop.example/checkout");
/// assert!(base.matches("https://shop.example/checkout/%73uccess?session_id=cs_1&state=x"));
/// assert!(!base.matches("https://shop.example/checkout-other/success"));
/// # Ok::<(), checkout_bridge::CheckoutError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Object))]
#[cfg_attr(feature = "ffi", uniffi::export(Display))]
pub struct ReturnBase {
    scheme: String,
    host: String,
    port: Option<u16>,
    /// Path without a trailing slash (`""` or `/checkout`).
    path: String,
    /// The base as written back: scheme://host[:port]path
    prefix: String,
}

/// The normalised base, `scheme://host[:port]/path` (Kotlin `toString()`, Swift `description`).
impl std::fmt::Display for ReturnBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.prefix)
    }
}

#[cfg_attr(feature = "ffi", uniffi::export)]
impl ReturnBase {
    /// Validates and prepares `base` (Kotlin `ReturnBase(base)`, Swift `ReturnBase(base:)`);
    /// see [`ReturnBase::parse`].
    ///
    /// # Errors
    ///
    /// [`CheckoutError::InvalidInput`] on `return_base` when `base` is not a usable return base.
    #[cfg_attr(feature = "ffi", uniffi::constructor)]
    pub fn new(base: &str) -> Result<Arc<Self>, CheckoutError> {
        Ok(Arc::new(Self::parse(base)?))
    }

    /// Whether `link` is addressed to this base: same scheme, host and port, and a path that is
    /// this base's `…/success` or `…/cancel`. Its parameters are not looked at, so a link that
    /// matches may still be rejected by [`ReturnBase::parse_return`] (and should be handed to
    /// `CheckoutFlow::handle_return_url`, which reports why); a link that does not match is
    /// certainly not one of ours (leave it to the app's other deep links).
    ///
    /// This is the app's routing pre-filter, not a security check: the outcome of a checkout
    /// always comes from Stripe.
    pub fn matches(&self, link: &str) -> bool {
        Url::parse(link.trim_end_matches('#'))
            .is_ok_and(|url| url.scheme() == self.scheme && self.same_host(&url) && self.kind_of(&url).is_ok())
    }

    /// Parses an incoming link against this base.
    ///
    /// # Errors
    ///
    /// [`CheckoutError::InvalidReturnUrl`], with the reason, when `link` is not one of this
    /// base's return links or is malformed: too long, control characters, another scheme, host,
    /// port or path, credentials, a fragment, a missing, duplicated or malformed `state` or
    /// `session_id`, or an unsubstituted placeholder.
    pub fn parse_return(&self, link: &str) -> Result<ReturnEvent, CheckoutError> {
        self.parse_link(link)
    }

    /// The scheme, lowercase: `myapp`, `https`. On iOS, `ASWebAuthenticationSession`'s callback
    /// is `.customScheme(scheme)` for an app scheme.
    pub fn scheme(&self) -> String {
        self.scheme.clone()
    }

    /// The host, lowercase: `checkout` in `myapp://checkout`, `shop.example` in
    /// `https://shop.example/checkout`.
    pub fn host(&self) -> String {
        self.host.clone()
    }

    /// The path without a trailing slash: `""` for `myapp://checkout`, `/checkout` for
    /// `https://shop.example/checkout`. With the host, iOS's `.https(host:path:)` callback.
    pub fn path(&self) -> String {
        self.path.clone()
    }
}

impl ReturnBase {
    /// Validates `base`: an app scheme or https (plain http only for loopback, and in device
    /// builds only in debug builds), a host, no query, fragment or credentials.
    ///
    /// # Errors
    ///
    /// [`CheckoutError::InvalidInput`] on `return_base` when `base` is longer than 512
    /// characters or has spaces, is not an absolute URL, has a query, fragment or credentials,
    /// uses plain http to a non-loopback host or a scheme such as `javascript`, `data` or
    /// `file`, has no host, or has malformed percent-encoding in its path.
    pub fn parse(base: &str) -> Result<Self, CheckoutError> {
        let bad = |reason: &str| CheckoutError::invalid("return_base", reason);
        if base.len() > 512 || base.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(bad("must be at most 512 characters without spaces"));
        }
        let url = Url::parse(base).map_err(|_| bad("must be an absolute URL such as myapp://checkout"))?;
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not have a query, fragment or credentials"));
        }
        let scheme = url.scheme().to_owned();
        // The same rule as for base URLs: on a device, plain http only in debug builds.
        if scheme == "http" && !plain_http_allowed(&url, Build::CURRENT) {
            return Err(bad(plain_http_refusal(Build::CURRENT)));
        }
        if matches!(
            scheme.as_str(),
            "javascript" | "data" | "file" | "about" | "blob" | "ftp" | "ws" | "wss"
        ) {
            return Err(bad("unsupported scheme"));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("must have a host, e.g. myapp://checkout"))?;
        let host = host.to_ascii_lowercase();
        let path = decode_path(url.path()).ok_or_else(|| bad("path has malformed or forbidden percent-encoding"))?;
        let path = path.trim_end_matches('/').to_owned();
        let port = url.port();
        // The links are built on the path as encoded, not decoded: a decoded `%23`, `%3F` or
        // `%25` would make the built link's `#`, `?` or a bad escape, and the link would not
        // parse back (found by fuzz/ return_url). Links still compare on the decoded path.
        let encoded = url.path().trim_end_matches('/');
        let prefix = match port {
            Some(p) => format!("{scheme}://{host}:{p}{encoded}"),
            None => format!("{scheme}://{host}{encoded}"),
        };
        Ok(ReturnBase {
            scheme,
            host,
            port,
            path,
            prefix,
        })
    }

    /// The URLs for one checkout with the given `state`.
    pub fn urls(&self, state: &str) -> ReturnUrls {
        ReturnUrls {
            success_url: format!(
                "{}/success?session_id={SESSION_ID_PLACEHOLDER}&state={state}",
                self.prefix
            ),
            cancel_url: format!("{}/cancel?state={state}", self.prefix),
            state: state.to_owned(),
        }
    }

    fn same_host(&self, url: &Url) -> bool {
        url.host_str().is_some_and(|h| h.eq_ignore_ascii_case(&self.host)) && url.port() == self.port
    }

    /// Which of this base's two links `url`'s path names.
    fn kind_of(&self, url: &Url) -> Result<ReturnKind, CheckoutError> {
        let path = decode_path(url.path()).ok_or_else(|| reject("path has malformed or forbidden percent-encoding"))?;
        let rest = path
            .strip_prefix(self.path.as_str())
            .ok_or_else(|| reject("path does not match the return base"))?;
        match rest.trim_end_matches('/') {
            "/success" if rest.len() <= "/success/".len() => Ok(ReturnKind::Success),
            "/cancel" if rest.len() <= "/cancel/".len() => Ok(ReturnKind::Cancel),
            _ => Err(reject("path is neither …/success nor …/cancel")),
        }
    }

    fn parse_link(&self, link: &str) -> Result<ReturnEvent, CheckoutError> {
        if link.len() > MAX_RETURN_URL_LEN {
            return Err(reject("link is longer than 2 KiB"));
        }
        if link.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return Err(reject("link contains control characters"));
        }
        let url = Url::parse(link.trim_end_matches('#')).map_err(|_| reject("not an absolute URL"))?;
        if url.scheme() != self.scheme {
            return Err(reject("scheme does not match the return base"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(reject("link carries credentials"));
        }
        if !self.same_host(&url) {
            return Err(reject("host does not match the return base"));
        }
        if url.fragment().is_some_and(|f| !f.is_empty()) {
            return Err(reject("link has a fragment"));
        }
        let kind = self.kind_of(&url)?;
        let (mut state, mut session_id) = (None::<String>, None::<String>);
        for (k, v) in url.query_pairs() {
            let slot = match k.as_ref() {
                "state" => &mut state,
                "session_id" => &mut session_id,
                _ => continue, // tracking tags and the like; never read
            };
            if slot.is_some() {
                return Err(reject(&format!("parameter `{k}` appears more than once")));
            }
            if v.chars().any(char::is_control) {
                return Err(reject("parameter contains control characters"));
            }
            *slot = Some(v.into_owned());
        }
        let state = state.ok_or_else(|| reject("missing state"))?;
        if !is_state(&state) {
            return Err(reject("malformed state"));
        }
        let session_id = match kind {
            ReturnKind::Cancel => None,
            ReturnKind::Success => {
                let id = session_id.ok_or_else(|| reject("success link without session_id"))?;
                if id.contains("CHECKOUT_SESSION_ID") {
                    return Err(reject("session_id placeholder was not substituted"));
                }
                if !crate::validate::is_opaque_id(&id) {
                    return Err(reject("malformed session_id"));
                }
                Some(id)
            }
        };
        Ok(ReturnEvent {
            kind,
            session_id,
            state,
        })
    }
}

fn reject(reason: &str) -> CheckoutError {
    CheckoutError::InvalidReturnUrl {
        reason: reason.to_owned(),
    }
}

fn is_state(s: &str) -> bool {
    s.len() == STATE_LEN && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Percent-decodes a path so that `/%73uccess` compares like `/success`, as a browser would;
/// `None` if the encoding is malformed, not UTF-8, or hides a `/`, `\\` or control byte.
fn decode_path(path: &str) -> Option<String> {
    if !path.contains('%') {
        return Some(path.to_owned());
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok())?;
            let b = u8::from_str_radix(hex, 16).ok()?;
            if b == b'/' || b == b'\\' || b < 0x20 || b == 0x7f {
                return None;
            }
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Builds the success and cancel URLs for `base` with a fresh state nonce.
///
/// # Errors
///
/// [`CheckoutError::InvalidInput`] when `base` is not a usable return base (see
/// [`ReturnBase::parse`]); [`CheckoutError::RandomnessUnavailable`] if the OS has no randomness.
///
/// ```
/// let urls = checkout_bridge::build_return_urls("myapp://checkout".into()).unwrap();
/// assert!(urls.success_url.starts_with("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}&state="));
/// assert_eq!(urls.cancel_url, format!("myapp://checkout/cancel?state={}", urls.state));
/// ```
#[cfg_attr(feature = "ffi", uniffi::export)]
pub fn build_return_urls(base: String) -> Result<ReturnUrls, CheckoutError> {
    Ok(ReturnBase::parse(&base)?.urls(&new_state()?))
}

/// Parses a link handed to the app against `base`; see [`ReturnBase::parse_return`], which
/// does the same without preparing the base again for every link.
///
/// # Errors
///
/// [`CheckoutError::InvalidInput`] when `base` is not a usable return base;
/// [`CheckoutError::InvalidReturnUrl`] when `url` is not one of its return links or is malformed.
///
/// ```
/// use checkout_bridge::{parse_return_url, ReturnKind};
/// let e = parse_return_url(
///     "myapp://checkout/success?session_id=cs_test_1&state=0123456789abcdef0123456789abcdef".into(),
///     "myapp://checkout".into(),
/// ).unwrap();
/// assert_eq!((e.kind, e.session_id.as_deref()), (ReturnKind::Success, Some("cs_test_1")));
/// ```
#[cfg_attr(feature = "ffi", uniffi::export)]
pub fn parse_return_url(url: String, base: String) -> Result<ReturnEvent, CheckoutError> {
    ReturnBase::parse(&base)?.parse_return(&url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_built_on_a_percent_encoded_base_parse_back() {
        // fuzz/corpus/return_url/encoded-hash-in-base: the base `https://shop.example/a%23b` built
        // `https://shop.example/a#b/success?…`, a link with a fragment that its own parser refused.
        let state = "0123456789abcdef0123456789abcdef";
        for base in [
            "https://shop.example/a%23b",
            "https://shop.example/a%3Fb/",
            "myapp://checkout/a%25b",
            "https://shop.example/%63heckout",
            "myapp://checkout/caf%C3%A9",
        ] {
            let b = ReturnBase::parse(base).unwrap_or_else(|e| panic!("{base}: {e}"));
            let urls = b.urls(state);
            let success = urls.success_url.replace(SESSION_ID_PLACEHOLDER, "cs_test_1");
            let event = b.parse_return(&success).unwrap_or_else(|e| panic!("{success}: {e}"));
            assert_eq!(
                (event.kind, event.session_id.as_deref()),
                (ReturnKind::Success, Some("cs_test_1"))
            );
            let event = b
                .parse_return(&urls.cancel_url)
                .unwrap_or_else(|e| panic!("{}: {e}", urls.cancel_url));
            assert_eq!((event.kind, event.state.as_str()), (ReturnKind::Cancel, state));
        }
    }
}
