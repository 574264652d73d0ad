//! Which success and cancel URLs an app may ask Stripe to redirect to.
//!
//! A string prefix is not a policy: `https://shop.example` prefixes
//! `https://shop.example.evil.com/` and `https://shop.example@evil.com/`, and
//! `myapp://checkout/` prefixes `myapp://checkout/../other`. Here each allowed base is parsed
//! once, and a candidate URL is allowed only when
//! - its text is plain: printable ASCII only (no spaces, controls, or non-ASCII that parsers
//!   strip or fold differently), no backslash, no fragment, at most
//!   [`checkout_bridge::MAX_RETURN_URL_LEN`] bytes (longer links are refused by the app's
//!   return-link parser anyway);
//! - it has an authority (`scheme://host…`) without userinfo (`@`) or percent-escapes;
//! - its path has no dot segments (`.`, `..`) and no percent-encoded dot, slash or backslash
//!   (`%2e`, `%2f`, `%5c`, any case), which some layer might decode into one; no `;` (path
//!   parameters to Tomcat and Jetty: `/..;/admin`), no empty segment (`//`, except one trailing
//!   slash), and nowhere a `%25` (an encoded `%`, the first half of a double encoding);
//! - scheme, host and port equal the base's exactly after parsing (the default port counts as
//!   given; hosts of custom schemes compare case-sensitively, as Android's intent filters do);
//! - the base's path segments are a prefix of its path segments (so `/checkout` allows
//!   `/checkout/success` but not `/checkoutx`).
//!
//! The query is free, so the success URL's `{CHECKOUT_SESSION_ID}` placeholder and the state
//! work; the URL is forwarded exactly as the app sent it, never re-serialized.

use checkout_bridge::CreateSessionParams;
use serde::Deserialize;
use url::Url;

use crate::base::config_error::ConfigError;
use crate::base::refusal::Refusal;
use crate::policy::group::{refuse, PolicyGroup};

/// One allowed base, such as `myapp://checkout` or `https://shop.example/checkout`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedReturnUrl {
    text: String,
    scheme: String,
    host: String,
    port: Option<u16>,
    segments: Vec<String>,
}

/// Why a URL was refused (no echo of the URL: it is app input and may be long).
pub type UrlRefusal = &'static str;

/// The checks on the raw text, before any parser can normalise something away.
fn plain_text(s: &str) -> Result<(), UrlRefusal> {
    if s.len() > checkout_bridge::MAX_RETURN_URL_LEN {
        return Err("is too long");
    }
    if !s.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err("contains spaces, control characters or non-ASCII characters");
    }
    if s.contains('\\') {
        return Err("contains a backslash");
    }
    if s.contains('#') {
        return Err("has a fragment");
    }
    let (_, rest) = s.split_once("://").ok_or("is not an absolute scheme://host URL")?;
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if authority.is_empty() {
        return Err("has no host");
    }
    if authority.contains('@') {
        return Err("has credentials (userinfo)");
    }
    if authority.contains('%') {
        return Err("has a percent-encoded host");
    }
    // `%25` is an encoded `%`: a second decoding layer turns `%252e` into `.` (double-encoded
    // dot segments), so it is refused anywhere in the URL.
    if s.contains("%25") {
        return Err("has a percent-encoded percent sign (%25)");
    }
    let path = tail.split('?').next().unwrap_or("");
    // Tomcat and Jetty read `;` as the start of path parameters (`/..;/admin` is `/../admin`
    // to them); nothing the library builds has one.
    if path.contains(';') {
        return Err("has a semicolon in its path");
    }
    // `//` in the path: an empty segment that some routers collapse and some redirects read as
    // a new authority (`/checkout//evil.example`). One trailing slash is fine.
    if path.contains("//") {
        return Err("has an empty segment in its path");
    }
    let lower = path.to_ascii_lowercase();
    if ["%2e", "%2f", "%5c"].iter().any(|e| lower.contains(e)) {
        return Err("has a percent-encoded dot, slash or backslash in its path");
    }
    if path.split('/').any(|seg| seg == "." || seg == "..") {
        return Err("has a dot segment in its path");
    }
    Ok(())
}

/// Path segments without a trailing empty one (`/checkout/` is `/checkout`).
fn segments(url: &Url) -> Vec<String> {
    let mut segs: Vec<String> = url
        .path_segments()
        .map(|s| s.map(str::to_owned).collect())
        .unwrap_or_default();
    if segs.last().is_some_and(String::is_empty) {
        segs.pop();
    }
    segs
}

fn parse_plain(s: &str) -> Result<Url, UrlRefusal> {
    plain_text(s)?;
    let url = Url::parse(s).map_err(|_| "is not a valid URL")?;
    if url.cannot_be_a_base() || url.host_str().is_none_or(str::is_empty) {
        return Err("has no host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("has credentials (userinfo)");
    }
    Ok(url)
}

impl AllowedReturnUrl {
    /// Parses a configured base: the same rules as for candidates, and no query.
    ///
    /// # Errors
    ///
    /// A message naming the base and what is wrong with it.
    pub fn parse(base: &str) -> Result<Self, ConfigError> {
        let url = parse_plain(base)
            .map_err(|why| ConfigError::setting("policy.return_urls.allowed", format!("`{base}` {why}")))?;
        if url.query().is_some() {
            return Err(ConfigError::setting(
                "policy.return_urls.allowed",
                format!("`{base}` has a query"),
            ));
        }
        Ok(AllowedReturnUrl {
            text: base.to_owned(),
            scheme: url.scheme().to_owned(),
            host: url.host_str().unwrap_or_default().to_owned(),
            port: url.port_or_known_default(),
            segments: segments(&url),
        })
    }

    /// The base as configured.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn matches(&self, url: &Url) -> bool {
        url.scheme() == self.scheme
            && url.host_str() == Some(self.host.as_str())
            && url.port_or_known_default() == self.port
            && segments(url).starts_with(&self.segments)
    }
}

/// Whether `candidate` is under one of `allowed`.
///
/// # Errors
///
/// Why it is refused, as a phrase that follows the field name ("success_url is too long").
pub fn check(allowed: &[AllowedReturnUrl], candidate: &str) -> Result<(), UrlRefusal> {
    let url = parse_plain(candidate)?;
    if allowed.iter().any(|a| a.matches(&url)) {
        Ok(())
    } else {
        Err("is not under an allowed return URL")
    }
}

/// `[policy.return_urls]`: where Stripe may send the customer back.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(try_from = "RawReturnUrls")]
pub struct ReturnUrlPolicy {
    /// Parsed bases (see [`crate::policy::return_urls`] for how they match).
    pub allowed: Vec<AllowedReturnUrl>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReturnUrls {
    #[serde(default)]
    allowed: Vec<String>,
}

impl TryFrom<RawReturnUrls> for ReturnUrlPolicy {
    type Error = ConfigError;

    fn try_from(raw: RawReturnUrls) -> Result<Self, ConfigError> {
        Ok(ReturnUrlPolicy {
            allowed: raw
                .allowed
                .iter()
                .map(|b| AllowedReturnUrl::parse(b))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl PolicyGroup for ReturnUrlPolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal> {
        let Some(success) = &p.success_url else {
            return Err(Refusal::invalid(
                "Missing required param: success_url.",
                Some("success_url"),
                Some("parameter_missing"),
            ));
        };
        for (field, url) in [("success_url", Some(success)), ("cancel_url", p.cancel_url.as_ref())] {
            if let Some(url) = url {
                check(&self.allowed, url)
                    .map_err(|why| refuse(field, "policy.return_urls.allowed", format!("{field} {why}")))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_are_checked_when_the_configuration_loads() {
        for ok in [
            "myapp://checkout",
            "https://shop.example/checkout/",
            "https://shop.example:8443/a/b",
        ] {
            assert!(AllowedReturnUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "https://shop.example/checkout?x=1",
            "https://u@shop.example/checkout",
            "https://shop.example/checkout#x",
            "https://shop.example/a/../checkout",
            "myapp:checkout",
            "shop.example/checkout",
            "https://",
            "",
        ] {
            assert!(AllowedReturnUrl::parse(bad).is_err(), "{bad}");
        }
        let b = AllowedReturnUrl::parse("https://shop.example/checkout/").expect("base");
        assert_eq!(
            (b.segments.as_slice(), b.port),
            (&["checkout".to_owned()][..], Some(443))
        );
    }
}
