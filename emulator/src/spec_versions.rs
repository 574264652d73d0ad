//! How a request's API version differs from the spec the parameter table follows
//! (`spec_table.rs`, Stripe API 2026-08-26.dahlia), each difference named and cited. Everything
//! not named here is the spec's; a new Stripe release is a regeneration of the table plus, for
//! what the spec of that release does not show yet, an entry here.

use crate::spec_table::{Param, Shape, CREATE_CHECKOUT_SESSION, ENDIVE_PAYMENT_METHOD_TYPES};
use crate::version::{ApiVersion, Era};

/// A parameter as it stands at the request's version: the spec's row, with the enum values a
/// later version added (`extra`) or an older version had instead (`replaced`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rule {
    pub shape: Shape,
    pub required: &'static [&'static str],
    pub values: &'static [&'static str],
    pub extra: &'static [&'static str],
    pub max_len: usize,
    pub emptyable: bool,
}

impl Rule {
    fn of(p: &'static Param) -> Rule {
        Rule {
            shape: p.shape,
            required: p.required,
            values: p.values,
            extra: &[],
            max_len: p.max_len,
            emptyable: p.emptyable,
        }
    }

    /// Whether `v` is one of the enum's values at this version.
    pub fn allows(&self, v: &str) -> bool {
        self.values.contains(&v) || self.extra.contains(&v)
    }

    /// The enum's values at this version, for messages and tests.
    pub fn all_values(&self) -> Vec<&'static str> {
        self.values.iter().chain(self.extra).copied().collect()
    }
}

/// Parameters the spec has that older versions lacked: (path prefix, first version date, source).
const ADDED: &[(&str, &str, &str)] = &[
    (
        "payment_method_options[card][restrictions]",
        "2025-02-24",
        "https://docs.stripe.com/changelog/acacia/2025-02-24/checkout_add_brands_blocked",
    ),
    (
        "payment_method_options[card][restrictions][funding_types_blocked]",
        "2026-08-26",
        "https://docs.stripe.com/changelog/dahlia/2026-08-26/adds-card-funding-type-filtering-to-checkout-sessions",
    ),
    (
        "excluded_payment_method_types",
        "2025-09-30",
        "https://docs.stripe.com/changelog/clover/2025-09-30/exclude-payment-methods-checkout-sessions",
    ),
];

/// `ui_mode` before 2026-03-25.dahlia, which renamed the values ("Attempting to set a Checkout
/// Session's `ui_mode` to `hosted`, `embedded`, or `custom` will fail":
/// <https://docs.stripe.com/changelog/dahlia/2026-03-25/updates-available-checkout-session-ui-modes>).
const UI_MODES_BEFORE_DAHLIA: &[&str] = &["custom", "embedded", "hosted"];

/// The spec's row for `path` (`line_items[][quantity]`), if the spec has one.
pub(crate) fn spec_param(path: &str) -> Option<&'static Param> {
    CREATE_CHECKOUT_SESSION
        .binary_search_by(|p| p.path.cmp(path))
        .ok()
        .and_then(|i| CREATE_CHECKOUT_SESSION.get(i))
}

/// The rule for `path` at `version`; None when the parameter does not exist there.
///
/// 2026-09-30.endive removed `payment_method_types` from create and added
/// `allowed_payment_method_types`, which "accepts an array of payment method type[s]"
/// (<https://docs.stripe.com/changelog/endive/2026-09-30/remove-payment-method-types-checkout-sessions>):
/// the emulator gives it the names `payment_method_types` had, plus endive's additions
/// (`ENDIVE_PAYMENT_METHOD_TYPES`: `sequra`, named with its source by the table's generator,
/// which writes the same list into the library's table and into the spec stripe-mock runs
/// with). (Refusing
/// `payment_method_types` itself at endive, with its error code, is `validate.rs`'s.)
pub(crate) fn rule(path: &str, version: &ApiVersion) -> Option<Rule> {
    let era = version.era();
    if ADDED
        .iter()
        .any(|(prefix, since, _)| is_within(path, prefix) && !version.at_least(since))
    {
        return None;
    }
    if is_within(path, "allowed_payment_method_types") {
        if era != Era::Endive {
            return None;
        }
        let spec_path = format!("payment_method_types{}", &path["allowed_payment_method_types".len()..]);
        return spec_param(&spec_path).map(|p| endive_types(Rule::of(p)));
    }
    if era == Era::Endive && is_within(path, "payment_method_types") {
        return None;
    }
    let mut rule = Rule::of(spec_param(path)?);
    if path == "excluded_payment_method_types[]" && era == Era::Endive {
        rule = endive_types(rule);
    }
    if path == "ui_mode" && era == Era::BeforeDahlia {
        rule.values = UI_MODES_BEFORE_DAHLIA;
    }
    Some(rule)
}

fn endive_types(mut rule: Rule) -> Rule {
    if rule.shape == Shape::Enum {
        rule.extra = ENDIVE_PAYMENT_METHOD_TYPES;
    }
    rule
}

/// Whether `path` is `prefix` or lies under it (`prefix[…]`).
fn is_within(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('['))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(v: &str) -> ApiVersion {
        ApiVersion::parse(v).unwrap_or_else(|e| panic!("{v}: {}", e.message))
    }

    #[test]
    fn the_table_is_sorted_and_every_child_has_its_parent() {
        for pair in CREATE_CHECKOUT_SESSION.windows(2) {
            assert!(pair[0].path < pair[1].path, "{} / {}", pair[0].path, pair[1].path);
        }
        for p in CREATE_CHECKOUT_SESSION {
            if let Some(cut) = p.path.rfind('[') {
                assert!(spec_param(&p.path[..cut]).is_some(), "{} has no parent", p.path);
            }
        }
    }

    #[test]
    fn version_differences_are_applied_by_name() {
        let endive = at("2026-11-18.endive");
        let dahlia = at("2026-08-26.dahlia");
        let items = rule("allowed_payment_method_types[]", &endive).map(|r| r.all_values());
        assert!(items
            .as_ref()
            .is_some_and(|v| v.contains(&"link") && v.contains(&"sequra")));
        assert!(rule("allowed_payment_method_types", &dahlia).is_none());
        assert!(rule("payment_method_types[]", &endive).is_none());
        assert!(rule("payment_method_types[]", &dahlia).is_some_and(|r| !r.allows("sequra")));
        assert!(rule("excluded_payment_method_types[]", &endive).is_some_and(|r| r.allows("sequra")));
        assert!(rule("excluded_payment_method_types[]", &endive).is_some_and(|r| !r.allows("link")));
        let brands = "payment_method_options[card][restrictions][brands_blocked]";
        let funding = "payment_method_options[card][restrictions][funding_types_blocked]";
        assert!(rule(brands, &at("2026-07-29.dahlia")).is_some());
        assert!(rule(funding, &at("2026-07-29.dahlia")).is_none());
        assert!(rule(funding, &dahlia).is_some());
        assert!(rule(brands, &at("2024-06-20")).is_none());
        assert!(rule("ui_mode", &at("2025-03-31.basil")).is_some_and(|r| r.allows("hosted") && !r.allows("form")));
        assert!(rule("ui_mode", &endive).is_some_and(|r| r.allows("hosted_page") && !r.allows("form")));
    }
}
