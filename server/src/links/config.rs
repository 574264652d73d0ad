//! The `[links]` configuration: the https return base on this server's domain, the app it
//! hands customers back to, and the apps the association files name. Everything is checked
//! when the configuration loads, so a malformed Team ID or fingerprint stops the server at
//! start-up with the field's name instead of silently breaking link verification on phones.

use checkout_bridge::ReturnBase;
use serde::Deserialize;

use crate::base::config_error::ConfigError;
use crate::policy::return_urls::AllowedReturnUrl;

/// `[links]` as written in the TOML file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinksConfig {
    /// The https return base on this server's domain, e.g. `https://shop.example/checkout`
    /// (plain http only on loopback, for tests). Its `…/success` and `…/cancel` links render
    /// the return page here, and the association files route them to the app.
    pub return_base: String,
    /// The app's custom-scheme base, e.g. `myapp://checkout`: where the page's "Open the app"
    /// sends the customer, with the same `session_id` and `state`. Without it the page only
    /// tells the customer to go back to the app.
    #[serde(default)]
    pub app_return_base: Option<String>,
    /// `TEAMID.bundle.identifier` of each iOS app (`applinks` and `webcredentials`).
    #[serde(default)]
    pub apple_app_ids: Vec<String>,
    /// Android apps verified for the return links (`assetlinks.json`); the first one is the
    /// target of the page's Android `intent:` link.
    #[serde(default)]
    pub android_apps: Vec<AndroidApp>,
    /// Where the Android `intent:` link sends a customer without the app; default: the first
    /// Android app's Play Store page.
    #[serde(default)]
    pub android_fallback_url: Option<String>,
    /// Return page views per minute per client address (each may ask Stripe once).
    #[serde(default = "default_page_rate")]
    pub page_rate_limit_per_minute: u32,
}

fn default_page_rate() -> u32 {
    30
}

/// One Android app in `assetlinks.json`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AndroidApp {
    /// The application ID (`applicationId` in Gradle), e.g. `com.example.shop`.
    pub package_name: String,
    /// SHA-256 fingerprints of the signing certificates, as `keytool -list -v` or the Play
    /// Console print them (32 colon-separated hex pairs); upper-cased when served.
    pub sha256_cert_fingerprints: Vec<String>,
}

/// The validated `[links]` section, ready to serve.
#[derive(Clone, Debug)]
pub struct Links {
    /// The https return base, parsed with the library's own return-link grammar.
    pub return_base: ReturnBase,
    /// The base as configured, without a trailing slash.
    pub return_base_text: String,
    /// The path of the return base (`""` or `/checkout`), where the page's routes live.
    pub path: String,
    /// The app's custom-scheme base, without a trailing slash.
    pub app_return_base: Option<AppBase>,
    /// Validated `TEAMID.bundle.id` strings.
    pub apple_app_ids: Vec<String>,
    /// Validated apps with upper-cased fingerprints.
    pub android_apps: Vec<AndroidApp>,
    /// Where the Android `intent:` link falls back to.
    pub android_fallback_url: Option<String>,
    /// Page views per minute per address.
    pub page_rate_limit_per_minute: u32,
}

/// The app's custom-scheme base, split for the Android `intent:` form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppBase {
    /// `myapp://checkout` (no trailing slash)
    pub text: String,
    /// `myapp`
    pub scheme: String,
    /// `checkout/path` (everything after `scheme://`)
    pub rest: String,
}

fn field_err(field: &str, why: impl std::fmt::Display) -> ConfigError {
    ConfigError::setting(format!("links.{field}"), why)
}

/// Apple's Team ID (the application identifier prefix): ten upper-case letters or digits.
///
/// Apple: app IDs in `applinks.details[].appIDs` are "<Application Identifier Prefix>.<Bundle
/// Identifier>" (https://developer.apple.com/documentation/bundleresources/applinks/details-swift.dictionary);
/// the prefix is the ten-character Team ID shown in the developer account, and a bundle ID
/// "can contain only alphanumeric characters (A–Z, a–z, and 0–9), hyphens (-), and periods (.)"
/// (https://developer.apple.com/documentation/bundleresources/information-property-list/cfbundleidentifier).
pub fn check_apple_app_id(key: &str, id: &str) -> Result<(), ConfigError> {
    let (team, bundle) = id.split_once('.').ok_or_else(|| {
        ConfigError::setting(
            key,
            "must be TEAMID.bundle.identifier, e.g. ABCDE12345.com.example.shop",
        )
    })?;
    if team.len() != 10 || !team.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
        return Err(ConfigError::setting(
            key,
            format!(
                "the team ID `{}` must be 10 upper-case letters or digits",
                printable(team)
            ),
        ));
    }
    if bundle.is_empty()
        || bundle.len() > 155
        || bundle.starts_with('.')
        || bundle.ends_with('.')
        || bundle.contains("..")
        || !bundle
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err(ConfigError::setting(
            key,
            format!(
                "the bundle ID `{}` may hold only letters, digits, '-' and '.'",
                printable(bundle)
            ),
        ));
    }
    Ok(())
}

/// An Android application ID: at least two dot-separated segments, each starting with a letter
/// and holding only letters, digits and underscores
/// (https://developer.android.com/build/configure-app-module#set-application-id).
pub fn check_package_name(key: &str, p: &str) -> Result<(), ConfigError> {
    let segs: Vec<&str> = p.split('.').collect();
    let ok = p.len() <= 255
        && segs.len() >= 2
        && segs.iter().all(|s| {
            s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(ConfigError::setting(
            key,
            format!(
                "`{}` is not an Android application ID (e.g. com.example.shop)",
                printable(p)
            ),
        ))
    }
}

/// A signing-certificate SHA-256 as keytool prints it: 32 hex pairs separated by colons.
/// Returned upper-cased: Google's examples and troubleshooting guide write it in upper case
/// (https://developer.android.com/training/app-links/troubleshoot: "must be in uppercase").
pub fn normalise_fingerprint(key: &str, f: &str) -> Result<String, ConfigError> {
    let pairs: Vec<&str> = f.split(':').collect();
    if pairs.len() == 32
        && pairs
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Ok(f.to_ascii_uppercase());
    }
    let hint = if f.len() == 64 && f.bytes().all(|b| b.is_ascii_hexdigit()) {
        " (write it with colons between the pairs, as keytool prints it)"
    } else {
        ""
    };
    Err(ConfigError::setting(
        key,
        format!(
            "`{}` is not a SHA-256 fingerprint: 32 hex pairs separated by colons{hint}",
            printable(f)
        ),
    ))
}

/// At most 80 printable characters of configured text, for error messages.
fn printable(s: &str) -> String {
    s.chars()
        .take(80)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// True for `http://127.0.0.1…`, `http://[::1]…` and `http://localhost…`.
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

impl LinksConfig {
    /// Validates every field; `allowed` is `policy.return_urls.allowed`, which
    /// must include the return base (or apps could not create sessions that come back here).
    ///
    /// # Errors
    ///
    /// A message naming the field (`links.apple_app_ids[0]: the team ID …`).
    pub fn validate(&self, allowed: &[AllowedReturnUrl]) -> Result<Links, ConfigError> {
        let base_text = self.return_base.trim_end_matches('/').to_owned();
        let url = url::Url::parse(&self.return_base).map_err(|e| field_err("return_base", e))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            _ => {
                return Err(field_err(
                    "return_base",
                    "must be an https URL (plain http only on loopback)",
                ))
            }
        }
        let path = url.path().trim_end_matches('/').to_owned();
        if !path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~'))
            || path.split('/').any(|s| s == "." || s == "..")
        {
            return Err(field_err(
                "return_base",
                "its path may hold only letters, digits and / - _ . ~ (it becomes a route and an applinks pattern)",
            ));
        }
        let return_base = ReturnBase::parse(&self.return_base).map_err(|e| field_err("return_base", e))?;
        if crate::policy::return_urls::check(allowed, &format!("{base_text}/success")).is_err() {
            return Err(field_err(
                "return_base",
                "is not under any of policy.return_urls.allowed, so no app could create a session returning to it",
            ));
        }
        let app_return_base = match &self.app_return_base {
            None => None,
            Some(b) => {
                ReturnBase::parse(b).map_err(|e| field_err("app_return_base", e))?;
                let text = b.trim_end_matches('/').to_owned();
                let (scheme, rest) = text
                    .split_once("://")
                    .ok_or_else(|| field_err("app_return_base", "must be scheme://host…, e.g. myapp://checkout"))?;
                if matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https" | "intent") {
                    return Err(field_err(
                        "app_return_base",
                        "must be the app's own custom scheme (an https link on this page would not open the app)",
                    ));
                }
                if !rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~'))
                {
                    return Err(field_err(
                        "app_return_base",
                        "may hold only letters, digits and / - _ . ~ after scheme://",
                    ));
                }
                Some(AppBase {
                    scheme: scheme.to_owned(),
                    rest: rest.to_owned(),
                    text,
                })
            }
        };
        for (i, id) in self.apple_app_ids.iter().enumerate() {
            check_apple_app_id(&format!("links.apple_app_ids[{i}]"), id)?;
        }
        let mut android_apps = Vec::with_capacity(self.android_apps.len());
        for (i, app) in self.android_apps.iter().enumerate() {
            check_package_name(&format!("links.android_apps[{i}].package_name"), &app.package_name)?;
            if app.sha256_cert_fingerprints.is_empty() {
                return Err(field_err(
                    &format!("android_apps[{i}].sha256_cert_fingerprints"),
                    "needs at least one fingerprint",
                ));
            }
            let mut fps = Vec::with_capacity(app.sha256_cert_fingerprints.len());
            for (j, f) in app.sha256_cert_fingerprints.iter().enumerate() {
                fps.push(normalise_fingerprint(
                    &format!("links.android_apps[{i}].sha256_cert_fingerprints[{j}]"),
                    f,
                )?);
            }
            android_apps.push(AndroidApp {
                package_name: app.package_name.clone(),
                sha256_cert_fingerprints: fps,
            });
        }
        let android_fallback_url = match (&self.android_fallback_url, android_apps.first()) {
            (Some(u), _) => {
                let parsed = url::Url::parse(u).map_err(|e| field_err("android_fallback_url", e))?;
                if parsed.scheme() != "https" {
                    return Err(field_err("android_fallback_url", "must be an https URL"));
                }
                Some(u.clone())
            }
            // Google Play's listing URL form (https://developer.android.com/distribute/marketing-tools/linking-to-google-play).
            (None, Some(app)) => Some(format!(
                "https://play.google.com/store/apps/details?id={}",
                app.package_name
            )),
            (None, None) => None,
        };
        if self.page_rate_limit_per_minute == 0 {
            return Err(field_err("page_rate_limit_per_minute", "must be positive"));
        }
        Ok(Links {
            return_base,
            return_base_text: base_text,
            path,
            app_return_base,
            apple_app_ids: self.apple_app_ids.clone(),
            android_apps,
            android_fallback_url,
            page_rate_limit_per_minute: self.page_rate_limit_per_minute,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bases(b: &[&str]) -> Vec<AllowedReturnUrl> {
        b.iter().filter_map(|b| AllowedReturnUrl::parse(b).ok()).collect()
    }

    const FP: &str = "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5";

    fn links(extra: &str) -> Result<Links, String> {
        let text = format!("return_base = \"https://shop.example/checkout\"\n{extra}");
        let c: LinksConfig = toml::from_str(&text).map_err(|e| e.to_string())?;
        c.validate(&bases(&["https://shop.example/checkout", "myapp://checkout"]))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn apple_app_ids_need_a_ten_character_team_id() {
        assert!(check_apple_app_id("k", "ABCDE12345.com.example.shop").is_ok());
        assert!(check_apple_app_id("k", "ABCDE12345.com.example.shop-debug").is_ok());
        for bad in [
            "abcde12345.com.example.shop",
            "ABCDE1234.com.example.shop",
            "ABCDE123456.com.example.shop",
            "ABCDE12345",
            "ABCDE12345.",
            "ABCDE12345.com..shop",
            "ABCDE12345.com/shop",
            "ABCDE-1234.com.example.shop",
        ] {
            assert!(check_apple_app_id("k", bad).is_err(), "{bad}");
        }
        let e = links("apple_app_ids = [\"ABCDE12345.com.ok\", \"abc.com.example\"]").unwrap_err();
        assert!(e.starts_with("links.apple_app_ids[1]: the team ID `abc`"), "{e}");
    }

    #[test]
    fn fingerprints_are_32_hex_pairs_and_served_upper_case() {
        assert_eq!(normalise_fingerprint("k", &FP.to_lowercase()).ok().as_deref(), Some(FP));
        for bad in [
            &FP[..FP.len() - 3],
            &format!("{FP}:00"),
            &FP.replace(':', ""),
            &FP.replace(':', "-"),
            &FP.replacen("14", "1G", 1),
            &FP.replacen("14", "1", 1),
            "",
        ] {
            assert!(normalise_fingerprint("k", bad).is_err(), "{bad}");
        }
        let e = links(&format!(
            "[[android_apps]]\npackage_name = \"com.example.shop\"\nsha256_cert_fingerprints = [\"{FP}\", \"{}\"]\n",
            FP.replace(':', "")
        ))
        .unwrap_err();
        assert!(
            e.starts_with("links.android_apps[0].sha256_cert_fingerprints[1]: "),
            "{e}"
        );
        assert!(e.contains("with colons"), "{e}");
    }

    #[test]
    fn package_names_follow_androids_rules() {
        for ok in ["com.example.shop", "a.b", "com.example.shop_2"] {
            assert!(check_package_name("k", ok).is_ok(), "{ok}");
        }
        for bad in [
            "shop",
            "com..shop",
            "com.1shop",
            "com.example.shop-2",
            ".com.x",
            "com.x.",
            "",
        ] {
            assert!(check_package_name("k", bad).is_err(), "{bad}");
        }
        let e = links("[[android_apps]]\npackage_name = \"shop\"\nsha256_cert_fingerprints = []\n").unwrap_err();
        assert!(e.starts_with("links.android_apps[0].package_name: "), "{e}");
        let e = links("[[android_apps]]\npackage_name = \"com.x\"\nsha256_cert_fingerprints = []\n").unwrap_err();
        assert!(e.starts_with("links.android_apps[0].sha256_cert_fingerprints: "), "{e}");
    }

    #[test]
    fn bases_are_checked() {
        let ok = links("app_return_base = \"myapp://checkout/\"").expect("valid");
        assert_eq!(ok.path, "/checkout");
        assert_eq!(
            ok.app_return_base,
            Some(AppBase {
                text: "myapp://checkout".into(),
                scheme: "myapp".into(),
                rest: "checkout".into()
            })
        );
        for (extra, field) in [
            (
                "app_return_base = \"https://shop.example/app\"",
                "links.app_return_base",
            ),
            ("app_return_base = \"javascript://x\"", "links.app_return_base"),
            ("app_return_base = \"myapp://check\\\"out\"", "links.app_return_base"),
            (
                "android_fallback_url = \"http://x.example\"",
                "links.android_fallback_url",
            ),
            ("page_rate_limit_per_minute = 0", "links.page_rate_limit_per_minute"),
        ] {
            let e = links(extra).unwrap_err();
            assert!(e.starts_with(field), "{extra}: {e}");
        }
        let c = |base: &str| LinksConfig {
            return_base: base.into(),
            app_return_base: None,
            apple_app_ids: vec![],
            android_apps: vec![],
            android_fallback_url: None,
            page_rate_limit_per_minute: 1,
        };
        let allowed = bases(&["https://shop.example/checkout", "http://127.0.0.1:9/checkout"]);
        assert!(c("http://127.0.0.1:9/checkout").validate(&allowed).is_ok());
        for bad in [
            "http://shop.example/checkout",
            "https://shop.example/other",
            "https://shop.example/check*out",
            "myapp://checkout",
        ] {
            let e = c(bad).validate(&allowed).unwrap_err().to_string();
            assert!(e.starts_with("links.return_base: "), "{bad}: {e}");
        }
    }

    #[test]
    fn the_android_fallback_defaults_to_the_play_store() {
        let l = links(&format!(
            "[[android_apps]]\npackage_name = \"com.example.shop\"\nsha256_cert_fingerprints = [\"{FP}\"]\n"
        ))
        .expect("valid");
        assert_eq!(
            l.android_fallback_url.as_deref(),
            Some("https://play.google.com/store/apps/details?id=com.example.shop")
        );
    }
}
