//! Stripe's minimum charge amount per currency, in minor units: the table "Minimum and maximum
//! charge amounts" of <https://docs.stripe.com/currencies> (USD 0.50, AED 2.00, AUD 0.50,
//! BRL 0.50, CAD 0.50, CHF 0.50, CZK 15.00, DKK 2.50, EUR 0.50, GBP 0.30, HKD 4.00, HUF 175.00,
//! INR 0.50, JPY ¥50, MXN 10, MYR 2.00, NOK 3.00, NZD 0.50, PLN 2.00, RON 2.00, SEK 3.00,
//! SGD 0.50, THB 10, …). Zero-decimal currencies (JPY, KRW) count whole units
//! (<https://docs.stripe.com/currencies#zero-decimal>). Currencies the table does not list have
//! no published minimum; the policy then wants the merchant's own (`policy.prices.min_amount`).
//!
//! The emulator holds the same table for its own checks; the two are kept apart on purpose (the
//! emulator judges the server and shares no code with it).

/// (currency, minimum in minor units).
const MINIMUM_CHARGE: &[(&str, i64)] = &[
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
    ("usd", 50),
    ("zar", 50),
];

/// Stripe's minimum charge in `currency` (lowercase), if it publishes one.
pub fn stripe_minimum(currency: &str) -> Option<i64> {
    MINIMUM_CHARGE.iter().find(|(c, _)| *c == currency).map(|(_, m)| *m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_minimums_in_minor_units() {
        assert_eq!(stripe_minimum("usd"), Some(50));
        assert_eq!(stripe_minimum("gbp"), Some(30));
        assert_eq!(stripe_minimum("jpy"), Some(50), "zero-decimal: whole yen");
        assert_eq!(stripe_minimum("huf"), Some(17500));
        assert_eq!(stripe_minimum("xyz"), None);
        assert_eq!(
            stripe_minimum("USD"),
            None,
            "lowercase codes only, as the policy keeps them"
        );
    }
}
