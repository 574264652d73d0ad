//! The emulator held to Stripe's OpenAPI spec: this test reads the `spec3.json` stripe-mock
//! embeds (the pinned stripe-mock module, `scripts/stripe-mock.sh install` fetches it) on its
//! own, walks every create parameter of `POST /v1/checkout/sessions` and every enum value, and
//! asserts that the emulator takes each one in a session where it belongs, and that it refuses
//! every key and value the spec does not have, at every depth.
//!
//! The emulator's cross-field rules (mode-only parameters, `customer_update` needing `customer`,
//! `return_url` only without the hosted page, exclusive pairs, the emulator's catalogue IDs) are
//! met by trying each parameter in the sessions of `contexts()` (payment, subscription, setup,
//! embedded page, with a customer) with the spec's required keys and the semantic fillers of
//! `with_fillers`; a parameter no context takes is a difference from the spec, and fails.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use checkout_bridge_emulator::{Emulator, SPEC_VERSION, STRIPE_MOCK_VERSION};
use common::*;
use serde_json::Value;

/// The spec file: `STRIPE_SPEC`, else the stripe-mock module in Go's module cache.
fn spec_path() -> PathBuf {
    if let Some(p) = std::env::var_os("STRIPE_SPEC") {
        return PathBuf::from(p);
    }
    let cache = std::process::Command::new("go")
        .args(["env", "GOMODCACHE"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOME").ok().map(|h| format!("{h}/go/pkg/mod")))
        .unwrap_or_default();
    PathBuf::from(cache).join(format!(
        "github.com/stripe/stripe-mock@{STRIPE_MOCK_VERSION}/embedded/openapi/spec3.json"
    ))
}

/// One parameter as the spec describes it (read here independently of the emulator's table).
#[derive(Debug, Clone)]
struct Row {
    kind: String,
    /// An object of any keys (`metadata`).
    map: bool,
    required: Vec<String>,
    values: Vec<String>,
}

fn load_spec() -> BTreeMap<String, Row> {
    let path = spec_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}. Install the pinned stripe-mock module with scripts/stripe-mock.sh install",
            path.display()
        )
    });
    let spec: Value = serde_json::from_str(&text).expect("spec3.json is JSON");
    assert_eq!(spec["info"]["version"], SPEC_VERSION, "the table follows this spec");
    let body = &spec["paths"]["/v1/checkout/sessions"]["post"]["requestBody"]["content"]
        ["application/x-www-form-urlencoded"]["schema"];
    let mut rows = BTreeMap::new();
    for (key, node) in body["properties"].as_object().expect("properties") {
        walk(key, node, &mut rows);
    }
    assert!(
        rows.len() > 400,
        "the create body has its ~476 parameters ({})",
        rows.len()
    );
    rows
}

fn walk(path: &str, node: &Value, rows: &mut BTreeMap<String, Row>) {
    let node = match node["anyOf"].as_array() {
        Some(alts) => alts
            .iter()
            .find(|a| a["enum"] != serde_json::json!([""]))
            .expect("an alternative besides \"\""),
        None => node,
    };
    let kind = node["type"].as_str().expect("type").to_owned();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    rows.insert(
        path.to_owned(),
        Row {
            kind: kind.clone(),
            map: node["additionalProperties"].is_object(),
            required: strings(&node["required"]),
            values: strings(&node["enum"]),
        },
    );
    match kind.as_str() {
        "object" => {
            if let Some(props) = node["properties"].as_object() {
                for (k, child) in props {
                    walk(&format!("{path}[{k}]"), child, rows);
                }
            }
            if node["additionalProperties"].is_object() {
                walk(&format!("{path}[*]"), &node["additionalProperties"], rows);
            }
        }
        "array" => walk(&format!("{path}[]"), &node["items"], rows),
        _ => {}
    }
}

/// The sessions a parameter is tried in, first that takes it wins: each is valid on its own.
fn contexts() -> Vec<(&'static str, Vec<(String, String)>)> {
    let pairs = |p: &[(&str, &str)]| {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    let item = [
        ("line_items[0][price]", "price_test_usd_1000"),
        ("line_items[0][quantity]", "1"),
    ];
    let payment = [
        &[("mode", "payment")][..],
        &item,
        &[
            ("success_url", "https://shop.example/ok"),
            ("cancel_url", "https://shop.example/no"),
        ],
    ]
    .concat();
    vec![
        ("payment", pairs(&payment)),
        (
            "subscription",
            pairs(&[
                ("mode", "subscription"),
                ("line_items[0][price]", "price_test_usd_monthly_900"),
                ("line_items[0][quantity]", "1"),
                ("success_url", "https://shop.example/ok"),
            ]),
        ),
        (
            "setup",
            pairs(&[
                ("mode", "setup"),
                ("currency", "usd"),
                ("success_url", "https://shop.example/ok"),
            ]),
        ),
        (
            "embedded_page",
            pairs(
                &[
                    &[("mode", "payment"), ("ui_mode", "embedded_page")][..],
                    &item,
                    &[("return_url", "https://shop.example/r")],
                ]
                .concat(),
            ),
        ),
        (
            "payment with a customer",
            pairs(&[&payment[..], &[("customer", "cus_test_1")]].concat()),
        ),
    ]
}

/// The request name of a table path: `[]` → `[0]` (`line_items` → `[1]`: the contexts hold an
/// item at 0), `[*]` → a key (a currency under `currency_options`).
fn concrete(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(at) = rest.find('[') {
        out.push_str(&rest[..at]);
        let close = rest[at..].find(']').map(|c| at + c).expect("balanced");
        let seg = &rest[at + 1..close];
        let key = match seg {
            "" if out == "line_items" => "1",
            "" => "0",
            "*" if out.ends_with("[currency_options]") => "eur",
            "*" => "key1",
            s => s,
        };
        out.push('[');
        out.push_str(key);
        out.push(']');
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A value the emulator's semantic checks take for a scalar parameter (IDs from its catalogue,
/// URLs, emails, currencies, times inside their windows).
fn sample(pattern: &str, row: &Row) -> String {
    if let Some(first) = row.values.first() {
        return first.clone();
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let last = pattern.rsplit('[').next().unwrap_or(pattern).trim_end_matches(']');
    let owner = pattern.trim_end_matches("[]");
    let owner_last = owner.rsplit('[').next().unwrap_or(owner).trim_end_matches(']');
    match row.kind.as_str() {
        "boolean" => "true".into(),
        "number" => "1.5".into(),
        "integer" => match last {
            "expires_at" => (now + 3600).to_string(),
            "trial_end" => (now + 3 * 86_400).to_string(),
            "billing_cycle_anchor" => (now + 86_400).to_string(),
            "unit_amount" | "amount" => "500".into(),
            "trial_period_days" => "7".into(),
            "maximum" => "10".into(),
            _ => "1".into(),
        },
        _ => match (owner_last, last) {
            (_, "unit_amount_decimal") => "1000.5".into(),
            (_, "currency") => "usd".into(),
            ("line_items", "price") | (_, "price") => "price_test_usd_1000".into(),
            (_, "product") => "prod_test_usd_1000".into(),
            (_, "coupon") => "coupon_test_5_usd".into(),
            (_, "promotion_code") => "promo_test_save10".into(),
            (_, "shipping_rate") => "shr_test_standard".into(),
            ("tax_rates" | "default_tax_rates", _) => "txr_test_vat_20".into(),
            (_, "customer") => "cus_test_1".into(),
            (_, "country") => "US".into(),
            ("images", _) => "https://shop.example/i.png".into(),
            (_, l) if l.ends_with("url") => "https://shop.example/x".into(),
            (_, l) if l.ends_with("email") => "buyer@example.com".into(),
            (_, l) if l.starts_with("statement_descriptor") => "ORDER 42".into(),
            _ => "x1".into(),
        },
    }
}

/// The pairs that make `pattern` = `value` a whole request part: the spec's required keys of
/// every object on the way (filled recursively), plus what the emulator's semantics need for the
/// groups it models (a line item needs a price and a quantity; an inline shipping rate an amount).
fn with_fillers(pattern: &str, value: &str, spec: &BTreeMap<String, Row>) -> Vec<(String, String)> {
    let mut out = vec![(concrete(pattern), value.to_owned())];
    let add = |pairs: &mut Vec<(String, String)>, p: &str, v: &str| {
        let name = concrete(p);
        if !pairs
            .iter()
            .any(|(k, _)| k == &name || k.starts_with(&format!("{name}[")) || name.starts_with(&format!("{k}[")))
        {
            pairs.push((name, v.to_owned()));
        }
    };
    let semantic: &[(&str, &[(&str, &str)])] = &[
        (
            "line_items[][price_data]",
            &[
                ("line_items[][quantity]", "1"),
                ("line_items[][price_data][currency]", "usd"),
                ("line_items[][price_data][unit_amount]", "1000"),
                ("line_items[][price_data][product_data][name]", "Tea"),
            ],
        ),
        (
            "line_items[]",
            &[
                ("line_items[][quantity]", "1"),
                ("line_items[][price]", "price_test_usd_1000"),
            ],
        ),
        (
            "shipping_options[][shipping_rate_data]",
            &[
                ("shipping_options[][shipping_rate_data][display_name]", "Ship"),
                ("shipping_options[][shipping_rate_data][fixed_amount][amount]", "500"),
                ("shipping_options[][shipping_rate_data][fixed_amount][currency]", "usd"),
            ],
        ),
        (
            "automatic_tax[liability]",
            &[("automatic_tax[liability][account]", "acct_test_1")],
        ),
    ];
    // Exclusive alternatives: a filler is left out when the parameter is its alternative.
    let exclusive = [
        ("[unit_amount]", "[unit_amount_decimal]"),
        ("[product_data]", "[product]"),
        ("[price]", "[price_data]"),
    ];
    for (prefix, pairs) in semantic {
        if pattern == *prefix || pattern.starts_with(&format!("{prefix}[")) {
            for (p, v) in *pairs {
                let clash = exclusive
                    .iter()
                    .any(|(a, b)| (p.contains(a) && pattern.contains(b)) || (p.contains(b) && pattern.contains(a)));
                if !clash {
                    add(&mut out, p, v);
                }
            }
        }
    }
    // The spec's required keys of each object on the way, and of required objects in them.
    let mut todo: Vec<String> = Vec::new();
    let mut at = 0;
    while let Some(open) = pattern[at..].find('[').map(|o| at + o) {
        todo.push(pattern[..open].to_owned());
        at = open + 1;
    }
    while let Some(owner) = todo.pop() {
        let Some(row) = spec.get(&owner) else { continue };
        let owner = if row.kind == "array" {
            format!("{owner}[]")
        } else {
            owner
        };
        let Some(row) = spec.get(&owner) else { continue };
        for key in &row.required {
            let p = format!("{owner}[{key}]");
            let Some(child) = spec.get(&p) else { continue };
            match child.kind.as_str() {
                "object" => todo.push(p),
                "array" => {
                    let item = format!("{p}[]");
                    match spec.get(&item) {
                        Some(r) if r.kind == "object" => todo.push(p),
                        Some(r) => add(&mut out, &item, &sample(&item, r)),
                        None => {}
                    }
                }
                _ => add(&mut out, &p, &sample(&p, child)),
            }
        }
    }
    out
}

/// Every leaf parameter with each value to try: every enum value, one sample otherwise.
fn cases(spec: &BTreeMap<String, Row>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (pattern, row) in spec {
        match row.kind.as_str() {
            // Objects and arrays are exercised through their leaves; an object without
            // properties (`payment_method_options[pay_by_bank]`) has no form encoding.
            "object" | "array" => {}
            _ if !row.values.is_empty() => out.extend(row.values.iter().map(|v| (pattern.clone(), v.clone()))),
            _ => out.push((pattern.clone(), sample(pattern, row))),
        }
    }
    out
}

async fn send(emu: &Emulator, version: &str, pairs: &[(String, String)]) -> Reply {
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let resp = client()
        .post(format!("{}/v1/checkout/sessions", emu.base_url()))
        .bearer_auth(KEY)
        .header("Stripe-Version", version)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form(&refs))
        .send()
        .await
        .expect("send");
    reply(resp).await
}

/// `base` with the case's pairs, the case's keys replacing the base's.
fn merged(base: &[(String, String)], case: &[(String, String)]) -> Vec<(String, String)> {
    let replaced = |k: &str| {
        case.iter()
            .any(|(c, _)| c == k || (c == "customer_email" && k == "customer"))
    };
    base.iter()
        .filter(|(k, _)| !replaced(k))
        .cloned()
        .chain(case.iter().cloned())
        .collect()
}

#[tokio::test]
async fn the_emulator_takes_every_create_parameter_and_enum_value_of_the_spec() {
    let spec = load_spec();
    let emu = Emulator::start().await.expect("start");
    let contexts = contexts();
    let mut refused = Vec::new();
    let mut accepted = 0;
    let all = cases(&spec);
    for (pattern, value) in &all {
        let case = with_fillers(pattern, value, &spec);
        let mut answers = Vec::new();
        let mut ok = false;
        for (name, base) in &contexts {
            let r = send(&emu, SPEC_VERSION, &merged(base, &case)).await;
            if r.status == 200 {
                ok = true;
                break;
            }
            answers.push(format!("{name}: {}", r.json["error"]["message"]));
        }
        if ok {
            accepted += 1;
        } else {
            refused.push(format!("{} = {value}: {answers:?}", concrete(pattern)));
        }
    }
    assert!(
        refused.is_empty(),
        "{} of {} refused:\n{}",
        refused.len(),
        all.len(),
        refused.join("\n")
    );
    // 476 parameters: ~330 leaves, with 238 countries, 54 payment method types, 41 locales, …
    assert!(accepted > 850, "every enum value was tried ({accepted})");
    println!("{accepted} parameter values of {SPEC_VERSION} accepted");
}

#[tokio::test]
async fn the_emulator_refuses_every_key_and_value_the_spec_lacks() {
    let spec = load_spec();
    let emu = Emulator::start().await.expect("start");
    let (_, base) = contexts().swap_remove(0);
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (pattern, row) in &spec {
        let (probe, want_code) = match row.kind.as_str() {
            "object" if !row.map => (format!("{pattern}[zz_not_in_the_spec]"), Some("parameter_unknown")),
            _ if !row.values.is_empty() => (pattern.clone(), None),
            _ => continue,
        };
        let name = concrete(&probe);
        let value = if want_code.is_some() { "1" } else { "zz_not_in_the_spec" };
        let r = send(&emu, SPEC_VERSION, &merged(&base, &[(name.clone(), value.to_owned())])).await;
        checked += 1;
        let got = (
            r.status,
            r.json["error"]["code"].as_str(),
            r.json["error"]["param"].as_str(),
        );
        if got != (400, want_code, Some(name.as_str())) {
            wrong.push(format!("{name}={value}: {got:?} {}", r.json["error"]["message"]));
        }
    }
    for (key, value) in [("zz_not_in_the_spec", "1"), ("payment_method_options[zz]", "1")] {
        let r = send(
            &emu,
            SPEC_VERSION,
            &merged(&base, &[(key.to_owned(), value.to_owned())]),
        )
        .await;
        assert_eq!(r.json["error"]["code"], "parameter_unknown", "{key}: {}", r.text);
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} probes wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(checked > 250, "{checked}");
}

/// The differences issue 25 found between the emulator and the spec, by name.
#[tokio::test]
async fn the_differences_stripe_mock_found_are_gone() {
    let emu = Emulator::start().await.expect("start");
    let (_, base) = contexts().swap_remove(0);
    let try_one = |k: &str, v: &str| merged(&base, &[(k.to_owned(), v.to_owned())]);
    let cases = [
        (
            "payment_method_options[card][restrictions][brands_blocked][0]",
            "visa",
            SPEC_VERSION,
            200,
        ),
        ("ui_mode", "form", SPEC_VERSION, 400),
        ("payment_method_types[0]", "sequra", SPEC_VERSION, 400),
        ("excluded_payment_method_types[0]", "sequra", SPEC_VERSION, 400),
        ("excluded_payment_method_types[0]", "link", SPEC_VERSION, 400),
        ("payment_method_options[card][bogus]", "1", SPEC_VERSION, 400),
        (
            "payment_method_options[klarna][setup_future_usage]",
            "sometimes",
            SPEC_VERSION,
            400,
        ),
        ("subscription_data[proration_behavior]", "always", SPEC_VERSION, 400),
        ("branding_settings[font_family]", "comic_sans", SPEC_VERSION, 400),
        ("wallet_options[link][display]", "maybe", SPEC_VERSION, 400),
        // Endive's additions, named in spec_versions.rs.
        ("excluded_payment_method_types[0]", "sequra", "2026-09-30.endive", 200),
        ("allowed_payment_method_types[0]", "sequra", "2026-11-18.endive", 200),
        ("allowed_payment_method_types[0]", "form", "2026-11-18.endive", 400),
    ];
    for (key, value, version, want) in cases {
        let r = send(&emu, version, &try_one(key, value)).await;
        assert_eq!(r.status, want, "{key}={value} at {version}: {}", r.text);
        if want == 400 {
            assert_eq!(r.json["error"]["param"].as_str(), Some(key), "{}", r.text);
        }
    }
}
