//! The shape check of `POST /v1/checkout/sessions`, driven by Stripe's own spec: every key of the
//! form, at every depth, must be a parameter of the request's version (`spec_versions::rule`),
//! with the type, enum value, length and required keys the spec gives. What the spec cannot say
//! (modes, exclusions, amounts, catalogue lookups) is `validate.rs`'s, which runs after this.
//!
//! Errors carry Stripe's codes (<https://docs.stripe.com/error-codes>): `parameter_unknown`
//! ("Received unknown parameter: …"), `parameter_missing`, `parameter_invalid_integer`,
//! `parameter_invalid_boolean`, `parameter_invalid_empty`; an enum or length refusal has no code.
//! Stripe refuses unknown keys inside nested objects too, which stripe-mock does not check.

use std::collections::BTreeMap;

use crate::error::ApiError;
use crate::form::Node;
use crate::params_view::{empty, one_of, parse_bool, parse_int, too_long, R};
use crate::spec_table::Shape;
use crate::spec_versions::{rule, Rule};
use crate::version::ApiVersion;

/// Checks the whole form tree of a create request against the spec at `version`.
pub(crate) fn check_create(tree: &BTreeMap<String, Node>, version: &ApiVersion) -> R<()> {
    object(tree, None, None, version)
}

/// The keys of an object: each must exist at `version` and hold what the spec says; the
/// object's required keys must be there. `pattern` is the table path (`line_items[]`), `name`
/// the bracketed name Stripe reports (`line_items[0]`); both None at the root.
fn object(map: &BTreeMap<String, Node>, pattern: Option<&str>, name: Option<&str>, version: &ApiVersion) -> R<()> {
    let join = |base: Option<&str>, key: &str| match base {
        None => key.to_owned(),
        Some(b) => format!("{b}[{key}]"),
    };
    for (key, node) in map {
        let child_pattern = join(pattern, key);
        let child_name = join(name, key);
        let Some(r) = rule(&child_pattern, version) else {
            return Err(ApiError::unknown(child_name));
        };
        value(&r, node, &child_pattern, &child_name, version)?;
    }
    if let Some(p) = pattern {
        let required = rule(p, version).map_or(&[][..], |r| r.required);
        if let Some(missing) = required.iter().find(|k| !map.contains_key(**k)) {
            return Err(ApiError::missing(join(name, missing)));
        }
    }
    Ok(())
}

/// One value against its rule.
fn value(r: &Rule, node: &Node, pattern: &str, name: &str, version: &ApiVersion) -> R<()> {
    // "" unsets an emptyable parameter; for maps (metadata) "All keys can be unset by posting an
    // empty value to `metadata`" (<https://docs.stripe.com/api/metadata>).
    if matches!(node, Node::Str(s) if s.is_empty()) && (r.emptyable || r.shape == Shape::Map) {
        return Ok(());
    }
    match (r.shape, node) {
        (Shape::Object, Node::Map(m)) => object(m, Some(pattern), Some(name), version),
        (Shape::Map, Node::Map(m)) => {
            let item_pattern = format!("{pattern}[*]");
            let item = rule(&item_pattern, version).ok_or_else(|| ApiError::unknown(name))?;
            for (key, v) in m {
                value(&item, v, &item_pattern, &format!("{name}[{key}]"), version)?;
            }
            Ok(())
        }
        (Shape::Object | Shape::Map, _) => Err(ApiError::invalid("Invalid hash").at(name)),
        (Shape::Array, _) => array(node, pattern, name, version),
        (_, Node::Str(s)) => scalar(r, s, name),
        (_, _) => Err(ApiError::invalid(format!("Invalid {}: {name} must be a single value", kind(r.shape))).at(name)),
    }
}

/// An array: `k[]=v` values or `k[0]=…` indexed items, each checked as `pattern[]`.
fn array(node: &Node, pattern: &str, name: &str, version: &ApiVersion) -> R<()> {
    let item_pattern = format!("{pattern}[]");
    let item = rule(&item_pattern, version).ok_or_else(|| ApiError::unknown(name))?;
    let invalid = || ApiError::invalid("Invalid array").at(name);
    match node {
        Node::List(values) => {
            let item_name = format!("{name}[]");
            values
                .iter()
                .try_for_each(|v| value(&item, &Node::Str(v.clone()), &item_pattern, &item_name, version))
        }
        Node::Map(m) => m.iter().try_for_each(|(index, v)| {
            if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            value(&item, v, &item_pattern, &format!("{name}[{index}]"), version)
        }),
        Node::Str(_) => Err(invalid()),
    }
}

/// A scalar value: its type, its enum, its length.
fn scalar(r: &Rule, s: &str, name: &str) -> R<()> {
    if s.is_empty() {
        return Err(empty(name));
    }
    match r.shape {
        Shape::Int => {
            parse_int(name, s)?;
        }
        Shape::Number | Shape::Decimal => {
            let plain = s.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
            if !plain || !s.parse::<f64>().is_ok_and(f64::is_finite) {
                return Err(ApiError::invalid(format!("Invalid decimal: {s}")).at(name));
            }
        }
        Shape::Bool => {
            parse_bool(name, s)?;
        }
        Shape::Enum => {
            if !r.allows(s) {
                return one_of(name, s, &r.all_values()).map(drop);
            }
        }
        Shape::Str | Shape::Object | Shape::Map | Shape::Array => {}
    }
    if r.max_len > 0 {
        too_long(name, s, r.max_len)?;
    }
    Ok(())
}

fn kind(shape: Shape) -> &'static str {
    match shape {
        Shape::Int => "integer",
        Shape::Number | Shape::Decimal => "decimal",
        Shape::Bool => "boolean",
        _ => "string",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{build_tree, decode_pairs};

    fn check(body: &str, version: &str) -> Result<(), (Option<String>, Option<String>, String)> {
        let tree = build_tree(&decode_pairs(body.as_bytes())).map_err(|e| (None, Some(e.param), e.message))?;
        let v = ApiVersion::parse(version).map_err(|e| (None, None, e.message))?;
        check_create(&tree, &v).map_err(|e| (e.code, e.param, e.message))
    }

    fn refused(body: &str) -> (Option<String>, Option<String>) {
        match check(body, "2026-08-26.dahlia") {
            Ok(()) => panic!("{body} was accepted"),
            Err((code, param, _)) => (code, param),
        }
    }

    #[test]
    fn keys_types_enums_and_lengths_at_every_depth() {
        let ok = [
            "mode=payment&payment_method_options[card][restrictions][brands_blocked][0]=american_express",
            "mode=payment&payment_method_options[card][restrictions][brands_blocked][]=visa",
            "metadata=&custom_text[submit]=&line_items[0][metadata][a]=b",
            "line_items[0][price_data][unit_amount_decimal]=12.5&line_items[0][price_data][currency]=usd",
            "subscription_data[application_fee_percent]=12.5",
            "payment_method_options[paypal][capture_method]=",
            "branding_settings[border_style]=pill",
        ];
        for body in ok {
            assert_eq!(check(body, "2026-08-26.dahlia").map_err(|e| e.2), Ok(()), "{body}");
        }
        let unknown = Some("parameter_unknown".to_owned());
        for (body, want) in [
            (
                "payment_method_options[card][bogus]=1",
                (unknown.clone(), "payment_method_options[card][bogus]"),
            ),
            ("bogus=1", (unknown.clone(), "bogus")),
            ("line_items[0][pricee]=x", (unknown.clone(), "line_items[0][pricee]")),
            ("ui_mode=form", (None, "ui_mode")),
            ("payment_method_types[0]=sequra", (None, "payment_method_types[0]")),
            (
                "excluded_payment_method_types[]=link",
                (None, "excluded_payment_method_types[]"),
            ),
            (
                "payment_method_options[card][restrictions][brands_blocked][0]=visa_electron",
                (None, "payment_method_options[card][restrictions][brands_blocked][0]"),
            ),
            (
                "automatic_tax[liability][type]=self",
                (Some("parameter_missing".into()), "automatic_tax[enabled]"),
            ),
            (
                "expires_at=soon",
                (Some("parameter_invalid_integer".into()), "expires_at"),
            ),
            (
                "allow_promotion_codes=yes",
                (Some("parameter_invalid_boolean".into()), "allow_promotion_codes"),
            ),
            (
                "client_reference_id=",
                (Some("parameter_invalid_empty".into()), "client_reference_id"),
            ),
            ("line_items=x", (None, "line_items")),
            ("line_items[a][price]=x", (None, "line_items")),
            ("automatic_tax=x", (None, "automatic_tax")),
            ("mode[x]=payment", (None, "mode")),
            (
                "subscription_data[application_fee_percent]=1e3",
                (None, "subscription_data[application_fee_percent]"),
            ),
        ] {
            assert_eq!(refused(body), (want.0, Some(want.1.to_owned())), "{body}");
        }
        let long = format!("client_reference_id={}", "x".repeat(201));
        assert_eq!(refused(&long), (None, Some("client_reference_id".to_owned())));
    }

    #[test]
    fn the_requests_version_decides() {
        let sequra = "allowed_payment_method_types[0]=sequra";
        assert_eq!(check(sequra, "2026-09-30.endive").map_err(|e| e.2), Ok(()));
        assert!(check(sequra, "2026-08-26.dahlia").is_err());
        let funding = "payment_method_options[card][restrictions][funding_types_blocked][0]=prepaid";
        assert!(check(funding, "2026-08-26.dahlia").is_ok());
        assert!(check(funding, "2026-07-29.dahlia").is_err());
        assert!(check("ui_mode=hosted", "2025-03-31.basil").is_ok());
        assert!(check("ui_mode=hosted", "2026-03-25.dahlia").is_err());
    }
}
