//! Stripe's numeric limits for Checkout Session create, each with its source ("[node]" =
//! stripe/stripe-node `src/resources/Checkout/Sessions.ts`, `SessionCreateParams`, the generated
//! reference text of API 2026-07-29.dahlia). The closed lists (enums) come from Stripe's spec:
//! `spec_table.rs`, generated, and `spec_versions.rs`.

/// Minimum charge per currency, in minor units: "Minimum charge amount by currency" on
/// <https://docs.stripe.com/currencies> (USD 0.50, AED 2.00, AUD 0.50, BRL 0.50, CAD 0.50,
/// CHF 0.50, CZK 15.00, DKK 2.50, EUR 0.50, GBP 0.30, HKD 4.00, HUF 175.00, INR 0.50, JPY 50,
/// MXN 10, MYR 2.00, NOK 3.00, NZD 0.50, PLN 2.00, RON 2.00, SEK 3.00, SGD 0.50, THB 10, …).
/// Other currencies have no published minimum (they are converted to the settlement currency).
pub(crate) const MINIMUM_CHARGE: &[(&str, i64)] = &[
    ("usd", 50),
    ("aed", 200),
    ("ars", 50),
    ("aud", 50),
    ("brl", 50),
    ("cad", 50),
    ("chf", 50),
    ("cop", 50),
    ("czk", 1500),
    ("dkk", 250),
    ("eur", 50),
    ("gbp", 30),
    ("hkd", 400),
    ("huf", 17500),
    ("idr", 50),
    ("ils", 50),
    ("inr", 50),
    ("jpy", 50),
    ("krw", 50),
    ("mxn", 1000),
    ("myr", 200),
    ("nok", 300),
    ("nzd", 50),
    ("php", 50),
    ("pln", 200),
    ("ron", 200),
    ("rub", 50),
    ("sek", 300),
    ("sgd", 50),
    ("thb", 1000),
    ("zar", 50),
];

/// Zero-decimal currencies (<https://docs.stripe.com/currencies#zero-decimal>): amounts are whole
/// units, so JPY's minimum of 50 is `50`, not `5000`.
pub(crate) const ZERO_DECIMAL: &[&str] = &[
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
];

/// The minimum charge of a currency in its minor unit, if Stripe publishes one.
pub(crate) fn minimum_charge(currency: &str) -> Option<i64> {
    MINIMUM_CHARGE.iter().find(|(c, _)| *c == currency).map(|(_, m)| *m)
}

/// The currency's amount written for people: `USD 12.50`, `JPY 500`.
pub(crate) fn display_amount(amount: i64, currency: &str) -> String {
    let code = currency.to_ascii_uppercase();
    if ZERO_DECIMAL.contains(&currency) {
        format!("{code} {amount}")
    } else {
        let sign = if amount < 0 { "-" } else { "" };
        let abs = amount.unsigned_abs();
        format!("{code} {sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// Largest total, in minor units: "8 digits for all other currencies (99999999)" for non-card
/// methods on <https://docs.stripe.com/currencies> ("Maximum charge amounts"); Checkout cannot
/// know the method at creation, so the emulator applies the 8-digit cap.
pub(crate) const MAX_AMOUNT: i64 = 99_999_999;

/// `line_items[]`: "For `payment` mode, there is a maximum of 100 line items … For `subscription`
/// mode, there is a maximum of 20 line items with recurring Prices and 20 line items with one-time
/// Prices." — [node] `SessionCreateParams.line_items`.
pub(crate) const MAX_PAYMENT_ITEMS: usize = 100;
pub(crate) const MAX_RECURRING_ITEMS: usize = 20;
pub(crate) const MAX_ONE_TIME_ITEMS: usize = 20;

/// `recurring[interval_count]`: "Maximum of three years interval allowed (3 years, 36 months, or
/// 156 weeks)" — [node] `LineItem.PriceData.Recurring.interval_count`. Stripe gives no figure for
/// days; 1095 (3 × 365) is the emulator's reading of "three years".
pub(crate) fn max_interval_count(interval: &str) -> i64 {
    match interval {
        "year" => 3,
        "month" => 36,
        "week" => 156,
        _ => 1095,
    }
}

/// `adjustable_quantity`: "default min 0 / max 99, max up to 999999" —
/// <https://stripe.com/docs/payments/checkout/adjustable-quantity> and [node].
pub(crate) const ADJUSTABLE_DEFAULT_MAX: i64 = 99;
pub(crate) const MAX_QUANTITY: i64 = 999_999;

/// `shipping_options[]`: "Up to a maximum of 5." — [node].
pub(crate) const MAX_SHIPPING_OPTIONS: usize = 5;

/// Trials: "The trial period must be 730 days (2 years) or less." —
/// <https://stripe.com/docs/subscriptions/trials>; `trial_period_days` "Has to be at least 1" —
/// [node]. `trial_end` "Has to be at least 48 hours in the future" — [node].
pub(crate) const MAX_TRIAL_DAYS: i64 = 730;
pub(crate) const MIN_TRIAL_END_SECS: i64 = 48 * 3600;

/// Metadata: "up to 50 keys, with key names up to 40 characters long and values up to 500
/// characters long … you can't use square brackets ([ and ]) in keys" —
/// <https://docs.stripe.com/api/metadata>.
pub(crate) const METADATA_KEYS: usize = 50;
pub(crate) const METADATA_KEY_LEN: usize = 40;
pub(crate) const METADATA_VALUE_LEN: usize = 500;

/// `expires_at`: "It can be anywhere from 30 minutes to 24 hours after Checkout Session creation.
/// By default, this value is 24 hours from creation." — [node].
pub(crate) const MIN_EXPIRY_SECS: i64 = 30 * 60;
pub(crate) const MAX_EXPIRY_SECS: i64 = 24 * 3600;
