//! `Stripe-Version`: parsing, the major release ("era") a version belongs to, and the account
//! default used when a request sends no header.
//!
//! <https://docs.stripe.com/api/versioning>: "Starting with the 2024-09-30.acacia release, Stripe
//! … release[s] new API versions monthly with no breaking changes. Twice a year, we issue a new
//! major release … that starts with an API version containing breaking changes." Monthly releases
//! "use the same name as the last major release" (<https://docs.stripe.com/upgrades>). The major
//! releases and their first versions: acacia 2024-09-30, basil 2025-03-31, clover 2025-09-30,
//! dahlia 2026-03-25, endive 2026-09-30 ("The current version is 2026-09-30.endive" on the
//! versioning page). Requests without the header use the account's default version ("Requests
//! made with curl use your Stripe account's default API version … unless you override it by
//! setting the `Stripe-Version` header").

use crate::error::ApiError;

/// The account default of a fresh emulator: the current version when this was written.
pub const DEFAULT_ACCOUNT_VERSION: &str = "2026-09-30.endive";

/// Major releases with their first version date, oldest first.
const MAJORS: &[(&str, &str)] = &[
    ("acacia", "2024-09-30"),
    ("basil", "2025-03-31"),
    ("clover", "2025-09-30"),
    ("dahlia", "2026-03-25"),
    ("endive", "2026-09-30"),
];

/// The behaviour eras the emulator distinguishes for Checkout Sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Era {
    /// Before 2026-03-25.dahlia: `ui_mode` is `hosted` / `embedded` / `custom`.
    BeforeDahlia,
    /// 2026-03-25.dahlia up to endive: `ui_mode` renamed; `payment_method_types` still accepted.
    Dahlia,
    /// 2026-09-30.endive and later: `payment_method_types` removed from create.
    Endive,
}

/// A parsed, known API version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiVersion {
    /// As sent (or the account default), e.g. `2026-09-30.endive`.
    pub text: String,
    date: String,
}

impl ApiVersion {
    /// Parses `YYYY-MM-DD` (before acacia) or `YYYY-MM-DD.name` where `name` is the major release
    /// the date belongs to (or `preview`, Stripe's preview channel). Anything else: 400.
    pub fn parse(v: &str) -> Result<ApiVersion, ApiError> {
        let bad = || {
            ApiError::invalid(format!(
                "Invalid Stripe API version: {v}. See https://docs.stripe.com/api/versioning for the list of versions."
            ))
            .at("Stripe-Version")
        };
        let (date, name) = match v.split_once('.') {
            Some((d, n)) => (d, Some(n)),
            None => (v, None),
        };
        if !date_is_valid(date) {
            return Err(bad());
        }
        let major = MAJORS.iter().rev().find(|(_, first)| date >= *first).map(|(n, _)| *n);
        match (name, major) {
            (None, None) => {}
            (Some("preview"), _) => {}
            (Some(n), Some(m)) if n == m => {}
            _ => return Err(bad()),
        }
        Ok(ApiVersion {
            text: v.to_owned(),
            date: date.to_owned(),
        })
    }

    /// Whether this version is `date` (`YYYY-MM-DD`) or later.
    pub fn at_least(&self, date: &str) -> bool {
        self.date.as_str() >= date
    }

    /// The era whose Checkout Session rules apply.
    pub fn era(&self) -> Era {
        if self.date.as_str() >= "2026-09-30" {
            Era::Endive
        } else if self.date.as_str() >= "2026-03-25" {
            Era::Dahlia
        } else {
            Era::BeforeDahlia
        }
    }
}

fn date_is_valid(date: &str) -> bool {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| date.get(r).and_then(|s| s.parse::<u32>().ok());
    let all_digits = b
        .iter()
        .enumerate()
        .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    matches!((num(0..4), num(5..7), num(8..10)), (Some(y), Some(m), Some(d))
        if all_digits && y >= 2011 && (1..=12).contains(&m) && (1..=31).contains(&d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_eras() {
        let era = |v: &str| ApiVersion::parse(v).map(|v| v.era()).ok();
        assert_eq!(era("2023-08-16"), Some(Era::BeforeDahlia));
        assert_eq!(era("2025-03-31.basil"), Some(Era::BeforeDahlia));
        assert_eq!(era("2026-03-25.dahlia"), Some(Era::Dahlia));
        assert_eq!(era("2026-07-29.dahlia"), Some(Era::Dahlia));
        assert_eq!(era("2026-08-26.preview"), Some(Era::Dahlia));
        assert_eq!(era("2026-09-30.endive"), Some(Era::Endive));
        assert_eq!(era("2026-11-18.endive"), Some(Era::Endive));
        assert_eq!(era(DEFAULT_ACCOUNT_VERSION), Some(Era::Endive));
        for bad in [
            "2026-09-30.dahlia",
            "2026-07-29.endive",
            "2026-07-29",
            "2023-08-16.acacia",
            "2023-8-16",
            "2023-08-16.",
            "2026-13-01.dahlia",
            "latest",
            "2026-09-30.zinnia",
        ] {
            assert!(ApiVersion::parse(bad).is_err(), "{bad}");
        }
    }
}
