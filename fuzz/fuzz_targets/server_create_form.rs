//! The reference server's create path before Stripe: `params::parse_create_form` on the app's
//! form body, then `policy::enforce` (the merchant's rules) and the core's local validation.
//!
//! Invariants: a parsed form re-encodes (the core client's encoder) to a form that parses to the
//! same params; and whatever `enforce` lets through obeys the policy when checked again here,
//! independently: an allowed mode, only configured price IDs, inline totals per currency within
//! the cap (in i128, so no overflow can hide a breach; decimal amounts excepted) and each at least
//! the currency's floor (Stripe's minimum charge), only the listed product or new ones described
//! inline, success and cancel URLs under an allowed base (same scheme, host and port; no
//! userinfo, dot segments, backslash, fragment, `;` in the path, `%25` or empty segment), no app
//! customer, only allowed metadata keys, no promotion codes, no payment method types, and the
//! authenticated user as `client_reference_id`.
#![no_main]

use std::collections::BTreeMap;

use checkout_bridge::{encode_create_params, validate_create_params, LineItemPrice};
use checkout_bridge_server::wire::create_form::parse_create_form;
use checkout_bridge_server::policy::{
    enforce, MetadataPolicy, ModePolicy, PaymentMethodTypePolicy, Policy, PricePolicy, PromotionCodePolicy,
    ReturnUrlPolicy, APP_REFERENCE_KEY,
};
use checkout_bridge_server::policy::return_urls::AllowedReturnUrl;
use libfuzzer_sys::fuzz_target;
use url::Url;

const USER: &str = "user-42";
const BASES: [(&str, &str, u16, &str); 2] = [
    ("myapp", "checkout", 0, ""),
    ("https", "shop.example", 443, "/checkout"),
];

fn policy() -> Policy {
    Policy {
        modes: ModePolicy {
            allowed: vec!["payment".into(), "subscription".into()],
        },
        prices: PricePolicy {
            allowed: vec!["price_tee".into(), "price_plan".into()],
            allow_inline: true,
            allowed_products: ["prod_tea".to_owned()].into(),
            allow_product_data: true,
            max_amount: BTreeMap::from([("usd".into(), 10_000), ("eur".into(), 5_000)]),
            ..PricePolicy::default()
        },
        return_urls: ReturnUrlPolicy {
            allowed: BASES
                .iter()
                .map(|(s, h, _, p)| AllowedReturnUrl::parse(&format!("{s}://{h}{p}")).expect("base"))
                .collect(),
        },
        promotion_codes: PromotionCodePolicy::default(),
        payment_method_types: PaymentMethodTypePolicy::default(),
        metadata: MetadataPolicy {
            allowed_keys: ["order_id".to_owned()].into(),
            max_value_length: 40,
        },
        // The other groups (tax, shipping, collection, customer, intents' data) at their
        // defaults: closed.
        ..Policy::default()
    }
}

/// Independent of `return_urls.rs`: is `text` under one of [`BASES`]?
fn under_a_base(text: &str) -> bool {
    if text.contains(['\\', '#', ' ']) || !text.is_ascii() || text.contains("%25") {
        return false;
    }
    // Userinfo lives in the authority; an `@` in the query is just data.
    let authority = text
        .split_once("://")
        .map_or("", |(_, rest)| rest.split(['/', '?']).next().unwrap_or(""));
    if authority.contains('@') {
        return false;
    }
    let Ok(url) = Url::parse(text) else { return false };
    // The path as sent: no `;` (path parameters), no empty segment but one trailing slash.
    let raw_path = text
        .split_once("://")
        .map_or("", |(_, rest)| rest.find(['/', '?']).map_or("", |i| &rest[i..]))
        .split('?')
        .next()
        .unwrap_or("");
    if raw_path.contains(';') || raw_path.trim_end_matches('/').contains("//") || raw_path.ends_with("//") {
        return false;
    }
    let segs: Vec<&str> = url.path().split('/').collect();
    if segs
        .iter()
        .any(|s| *s == "." || *s == ".." || s.eq_ignore_ascii_case("%2e") || s.eq_ignore_ascii_case("%2e%2e"))
    {
        return false;
    }
    BASES.iter().any(|(scheme, host, port, path)| {
        url.scheme() == *scheme
            && url.host_str() == Some(*host)
            && url.port_or_known_default().unwrap_or(0) == *port
            && (url.path() == *path || url.path().starts_with(&format!("{path}/")))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(mut p) = parse_create_form(data) else { return };
    let again = parse_create_form(encode_create_params(&p).as_bytes()).expect("what the client encodes parses");
    assert_eq!(again, p, "parse(encode(p)) differs");
    let before = p.clone();
    if enforce(&policy(), USER, None, &mut p).is_err() {
        return;
    }
    let _ = validate_create_params(&p, 1_800_000_000);
    assert!(
        ["payment", "subscription"].contains(&p.mode.as_str()),
        "mode {}",
        p.mode.as_str()
    );
    let mut totals: BTreeMap<String, i128> = BTreeMap::new();
    for item in &p.line_items {
        match &item.price {
            LineItemPrice::Price { id } => assert!(id == "price_tee" || id == "price_plan", "price {id}"),
            LineItemPrice::Inline {
                currency,
                unit_amount,
                product,
                ..
            } => {
                if let Some(id) = product {
                    assert_eq!(id, "prod_tea", "product {id} let through");
                }
                let floor = 50; // Stripe's minimum charge in usd and eur
                if let Some(unit) = unit_amount {
                    assert!(*unit >= floor, "{currency} unit amount {unit} under the floor");
                }
                let quantity = item.quantity.expect("inline quantity");
                // A decimal amount is rounded up by the policy itself; the integer ones are
                // summed here without it.
                let Some(unit) = unit_amount else { continue };
                let amount = i128::from(*unit) * i128::from(quantity);
                *totals.entry(currency.to_ascii_lowercase()).or_default() += amount;
            }
        }
    }
    for (currency, total) in &totals {
        let cap = match currency.as_str() {
            "usd" => 10_000,
            "eur" => 5_000,
            other => panic!("inline currency {other} let through"),
        };
        assert!(*total <= cap, "{currency} total {total} over {cap}");
    }
    let success = p.success_url.as_deref().expect("success_url required");
    assert!(under_a_base(success), "success_url {success:?} let through");
    if let Some(cancel) = &p.cancel_url {
        assert!(under_a_base(cancel), "cancel_url {cancel:?} let through");
    }
    assert_eq!(p.customer, None);
    assert_ne!(p.allow_promotion_codes, Some(true));
    assert!(p.payment_method_types.is_empty());
    assert_eq!(p.client_reference_id.as_deref(), Some(USER));
    for (k, v) in &p.metadata {
        if k == APP_REFERENCE_KEY {
            assert_eq!(
                Some(v),
                before.client_reference_id.as_ref(),
                "app reference not the app's own"
            );
        } else {
            assert_eq!(k, "order_id", "metadata key {k:?} let through");
            assert!(v.chars().count() <= 40);
        }
    }
});
