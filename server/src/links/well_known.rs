//! The association files phones fetch from this server's domain, built once from `[links]`:
//!
//! - `/.well-known/apple-app-site-association` (iOS universal links and the
//!   `ASWebAuthenticationSession` https callback). Apple: the file is named without an
//!   extension, served over https as `application/json` without redirects; `applinks.details[]`
//!   holds `appIDs` and `components` (iOS 13+), each component matching the path (`/`) and query
//!   items (`?`, a dictionary of item name → pattern, where `?` matches one character and `*`
//!   any run, so `?*` is "not empty"); `webcredentials.apps` lists the apps whose
//!   `webcredentials:` entitlement the domain confirms.
//!   https://developer.apple.com/documentation/xcode/supporting-associated-domains ,
//!   https://developer.apple.com/documentation/bundleresources/applinks/details-swift.dictionary/components-swift.dictionary
//! - `/.well-known/assetlinks.json` (Android App Links): a list of statements, each with
//!   `relation: ["delegate_permission/common.handle_all_urls"]` and a `target` of
//!   `namespace: "android_app"`, `package_name` and `sha256_cert_fingerprints`, fetched over
//!   https without redirects as `application/json`.
//!   https://developer.android.com/training/app-links/verify-android-applinks
//!
//! The routes answer exactly these paths (no trailing-slash or extension redirects) and 404
//! when nothing is configured for that platform.

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use serde_json::{json, Value};

use crate::links::config::Links;

/// Where iOS looks.
pub const AASA_PATH: &str = "/.well-known/apple-app-site-association";
/// Where Android looks.
pub const ASSETLINKS_PATH: &str = "/.well-known/assetlinks.json";

/// The Apple document, or `None` without `apple_app_ids`.
pub fn apple_app_site_association(links: &Links) -> Option<Value> {
    if links.apple_app_ids.is_empty() {
        return None;
    }
    // The library's success link is …/success?session_id=…&state=… and its cancel link
    // …/cancel?state=…: match those paths exactly and only with their query items present.
    Some(json!({
        "applinks": {
            "details": [{
                "appIDs": links.apple_app_ids,
                "components": [
                    {
                        "/": format!("{}/success", links.path),
                        "?": { "session_id": "?*", "state": "?*" },
                        "comment": "checkout-bridge: Stripe Checkout success return",
                    },
                    {
                        "/": format!("{}/cancel", links.path),
                        "?": { "state": "?*" },
                        "comment": "checkout-bridge: Stripe Checkout cancel return",
                    },
                ],
            }],
        },
        "webcredentials": { "apps": links.apple_app_ids },
    }))
}

/// The Android document, or `None` without `android_apps`.
pub fn assetlinks(links: &Links) -> Option<Value> {
    if links.android_apps.is_empty() {
        return None;
    }
    Some(Value::Array(
        links
            .android_apps
            .iter()
            .map(|a| {
                json!({
                    "relation": ["delegate_permission/common.handle_all_urls"],
                    "target": {
                        "namespace": "android_app",
                        "package_name": a.package_name,
                        "sha256_cert_fingerprints": a.sha256_cert_fingerprints,
                    },
                })
            })
            .collect(),
    ))
}

/// Both documents, rendered once at start-up.
#[derive(Clone, Debug, Default)]
pub struct WellKnown {
    aasa: Option<String>,
    assetlinks: Option<String>,
}

impl WellKnown {
    /// Renders what `links` configures (nothing without `[links]`).
    pub fn new(links: Option<&Links>) -> Self {
        let render = |v: Option<Value>| v.map(|v| v.to_string());
        WellKnown {
            aasa: render(links.and_then(apple_app_site_association)),
            assetlinks: render(links.and_then(assetlinks)),
        }
    }

    /// `GET /.well-known/apple-app-site-association`
    pub fn aasa_response(&self) -> Response<Body> {
        json_file(self.aasa.as_deref())
    }

    /// `GET /.well-known/assetlinks.json`
    pub fn assetlinks_response(&self) -> Response<Body> {
        json_file(self.assetlinks.as_deref())
    }
}

fn json_file(body: Option<&str>) -> Response<Body> {
    let Some(body) = body else {
        let mut r = Response::new(Body::from("Not found\n"));
        *r.status_mut() = StatusCode::NOT_FOUND;
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        return r;
    };
    let mut r = Response::new(Body::from(body.to_owned()));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    // Apple's CDN and Android's verifier cache it themselves; an hour keeps proxies from
    // serving a stale file for long after a fingerprint is rotated.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    r
}
