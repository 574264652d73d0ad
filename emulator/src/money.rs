//! Exact money arithmetic: decimal unit amounts (`unit_amount_decimal`), percentages and rounding.
//!
//! Amounts are integers in the currency's minor unit. `unit_amount_decimal` allows "at most 12
//! decimal places" of a minor unit (<https://docs.stripe.com/api/checkout/sessions/create>,
//! `line_items.price_data.unit_amount_decimal`); a line's amount is rounded to a whole minor unit,
//! half away from zero (an emulator convention: Stripe documents no rounding mode for it).

use std::cmp::Ordering;

/// Most decimal places Stripe accepts in `unit_amount_decimal`.
pub(crate) const MAX_SCALE: u32 = 12;

/// A non-negative decimal: `mantissa / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    pub fn from_int(n: i64) -> Decimal {
        Decimal {
            mantissa: i128::from(n),
            scale: 0,
        }
    }

    /// Parses `123`, `123.45`, `0.000000000001`; no sign, exponent or more than 12 places.
    pub fn parse(s: &str) -> Option<Decimal> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if s.contains('.') && frac.is_empty() {
            return None;
        }
        let scale = u32::try_from(frac.len()).ok().filter(|s| *s <= MAX_SCALE)?;
        let digits = format!("{int}{frac}");
        if digits.len() > 30 {
            return None;
        }
        let mantissa = digits.parse::<i128>().ok()?;
        Some(Decimal { mantissa, scale }.normalized())
    }

    fn normalized(mut self) -> Decimal {
        while self.scale > 0 && self.mantissa % 10 == 0 {
            self.mantissa /= 10;
            self.scale -= 1;
        }
        self
    }

    /// The value times a quantity.
    pub fn times(self, n: i64) -> Option<Decimal> {
        Some(
            Decimal {
                mantissa: self.mantissa.checked_mul(i128::from(n))?,
                scale: self.scale,
            }
            .normalized(),
        )
    }

    /// Rounded to a whole number, half away from zero; None if it does not fit an i64.
    pub fn round(self) -> Option<i64> {
        let div = 10i128.checked_pow(self.scale)?;
        let q = self.mantissa / div;
        let r = self.mantissa % div;
        let q = if r * 2 >= div { q + 1 } else { q };
        i64::try_from(q).ok()
    }

    /// The whole number, if there is no fraction.
    pub fn as_int(self) -> Option<i64> {
        if self.scale == 0 {
            i64::try_from(self.mantissa).ok()
        } else {
            None
        }
    }

    pub fn cmp_int(self, n: i64) -> Ordering {
        let div = 10i128.pow(self.scale.min(MAX_SCALE));
        self.mantissa.cmp(&(i128::from(n) * div))
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.mantissa);
        }
        let div = 10i128.pow(self.scale);
        write!(
            f,
            "{}.{:0width$}",
            self.mantissa / div,
            self.mantissa % div,
            width = self.scale as usize
        )
    }
}

/// A percentage with up to four decimal places, as an integer of ten-thousandths of a percent.
fn basis(percent: f64) -> i128 {
    (percent * 10_000.0).round() as i128
}

/// `amount × percent / 100`, rounded half away from zero.
pub(crate) fn percent_of(amount: i64, percent: f64) -> i64 {
    let num = i128::from(amount) * basis(percent);
    let den: i128 = 1_000_000;
    let q = num / den;
    let r = num % den;
    let q = if r * 2 >= den { q + 1 } else { q };
    i64::try_from(q).unwrap_or(i64::MAX)
}

/// The tax already inside a tax-inclusive `gross`: `gross - gross / (1 + percent/100)`, rounded.
pub(crate) fn inclusive_part(gross: i64, percent: f64) -> i64 {
    let b = basis(percent);
    let den = 1_000_000 + b;
    let num = i128::from(gross) * b;
    let q = num / den;
    let r = num % den;
    let q = if r * 2 >= den { q + 1 } else { q };
    i64::try_from(q).unwrap_or(i64::MAX)
}

/// Splits `total` over `weights` in proportion, the rounding remainder going to the largest
/// fractional parts, so the parts always add up to `total`.
pub(crate) fn allocate(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if sum <= 0 {
        return vec![0; weights.len()];
    }
    let mut parts: Vec<(usize, i64, i128)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let num = i128::from(total) * i128::from(*w);
            (i, i64::try_from(num / sum).unwrap_or(0), num % sum)
        })
        .collect();
    let mut left = total - parts.iter().map(|p| p.1).sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| parts[*b].2.cmp(&parts[*a].2).then(a.cmp(b)));
    for i in order {
        if left <= 0 {
            break;
        }
        parts[i].1 += 1;
        left -= 1;
    }
    parts.into_iter().map(|p| p.1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        let d = Decimal::parse("0.5").expect("parses");
        assert_eq!(d.times(3).and_then(Decimal::round), Some(2));
        assert_eq!(d.to_string(), "0.5");
        assert_eq!(Decimal::parse("1000.00").map(|d| d.to_string()), Some("1000".into()));
        assert_eq!(Decimal::parse("1000.00").and_then(Decimal::as_int), Some(1000));
        assert!(Decimal::parse("0.0000000000001").is_none(), "13 places");
        assert!(Decimal::parse("0.000000000001").is_some(), "12 places");
        for bad in ["", "-1", "1.", ".5", "1e3", "1,5", "abc"] {
            assert!(Decimal::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Decimal::parse("12.34").map(|d| d.cmp_int(12)), Some(Ordering::Greater));
    }

    #[test]
    fn percentages_and_allocation() {
        assert_eq!(percent_of(3600, 10.0), 360);
        assert_eq!(percent_of(3195, 10.0), 320); // 319.5 rounds up
        assert_eq!(percent_of(4100, 8.875), 364);
        assert_eq!(inclusive_part(1100, 10.0), 100);
        assert_eq!(allocate(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(allocate(400, &[3000, 1000]), vec![300, 100]);
        assert_eq!(allocate(5, &[0, 0]), vec![0, 0]);
        assert_eq!(allocate(7, &[2, 5]).iter().sum::<i64>(), 7);
    }
}
