//! The money of a session: per-line subtotal, discount and tax; shipping; session totals. Used at
//! creation (discounts given with `discounts[]`, the first shipping option, no tax location yet)
//! and at completion (a promotion code, the chosen shipping rate, adjusted quantities, the
//! customer's country for automatic tax).
//!
//! The relations follow the field descriptions of the session object ([node] `Session`):
//! `amount_subtotal` "Total of all items before discounts or taxes are applied";
//! `total_details.amount_discount` "sum of all the discounts", `amount_shipping` "sum of all the
//! shipping amounts", `amount_tax` "sum of all the tax amounts"; `amount_total` "Total of all items
//! after discounts and taxes are applied". So
//! `amount_total = amount_subtotal - amount_discount + amount_shipping + exclusive taxes`: an
//! inclusive tax is already inside the price, reported in `amount_tax` but not added again.
//! Coupons discount items, not shipping; manual tax rates apply to items; automatic tax applies
//! to items and shipping. Discounts are spread over lines in proportion to their subtotals
//! (percentages per line) so per-line figures add up to the session's.

use crate::catalogue::{Coupon, TaxRate};
use crate::money::{allocate, inclusive_part, percent_of};
use crate::params::{CreateParams, ShippingOption};

/// One line's inputs.
#[derive(Debug, Clone)]
pub(crate) struct LineIn {
    /// What is due today for this line (0 for metered prices and for recurring prices in a trial).
    pub subtotal: i64,
    pub tax_behavior: String,
    pub tax_rates: Vec<TaxRate>,
}

/// Everything the amounts depend on.
#[derive(Debug, Clone)]
pub(crate) struct Inputs<'a> {
    pub lines: Vec<LineIn>,
    pub coupon: Option<&'a Coupon>,
    pub shipping: Option<&'a ShippingOption>,
    /// The automatic-tax percentage for the customer's location; None when automatic tax is off or
    /// no location is known yet.
    pub automatic_tax: Option<f64>,
}

impl<'a> Inputs<'a> {
    /// The inputs of a freshly created session.
    pub fn at_creation(p: &'a CreateParams) -> Inputs<'a> {
        Inputs {
            lines: p
                .line_items
                .iter()
                .map(|i| line_in(&i.price, i.quantity, &i.tax_rates, p.trial))
                .collect(),
            coupon: p.discounts.first().map(|d| &d.coupon),
            shipping: p.shipping_options.first(),
            automatic_tax: None,
        }
    }
}

/// A line's inputs from its price and quantity; None for the amount means it overflowed.
pub(crate) fn line_in(
    price: &crate::catalogue::PriceInfo,
    quantity: Option<i64>,
    rates: &[TaxRate],
    trial: bool,
) -> LineIn {
    let due = !(trial && price.recurring.is_some());
    let subtotal = match quantity {
        Some(q) if due => price.unit.times(q).and_then(|d| d.round()).unwrap_or(i64::MAX),
        _ => 0,
    };
    LineIn {
        subtotal,
        tax_behavior: price.tax_behavior.clone(),
        tax_rates: rates.to_vec(),
    }
}

/// One line's money.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LineTotals {
    pub subtotal: i64,
    pub discount: i64,
    pub tax: i64,
    pub total: i64,
}

/// The shipping cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ShippingTotals {
    pub subtotal: i64,
    pub tax: i64,
    pub total: i64,
}

/// The session's money.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    pub lines: Vec<LineTotals>,
    pub subtotal: i64,
    pub discount: i64,
    pub shipping: Option<ShippingTotals>,
    pub tax: i64,
    pub total: i64,
}

/// (tax, exclusive part) of `base` under one rate.
fn tax_on(base: i64, percent: f64, inclusive: bool) -> (i64, i64) {
    if inclusive {
        (inclusive_part(base, percent), 0)
    } else {
        let t = percent_of(base, percent);
        (t, t)
    }
}

/// Computes the amounts; None if they overflow.
pub(crate) fn compute(inp: &Inputs<'_>) -> Option<Totals> {
    let subtotals: Vec<i64> = inp.lines.iter().map(|l| l.subtotal).collect();
    let subtotal = subtotals.iter().try_fold(0i64, |a, b| a.checked_add(*b))?;
    let discounts: Vec<i64> = match inp.coupon {
        None => vec![0; subtotals.len()],
        Some(c) => match (c.percent_off, c.amount_off) {
            (Some(p), _) => subtotals.iter().map(|s| percent_of(*s, p).min(*s)).collect(),
            (None, Some(a)) => allocate(a.min(subtotal), &subtotals),
            (None, None) => vec![0; subtotals.len()],
        },
    };
    let mut out = Totals {
        subtotal,
        ..Totals::default()
    };
    let mut exclusive_tax = 0i64;
    for (line, discount) in inp.lines.iter().zip(discounts) {
        let base = line.subtotal - discount;
        let (tax, excl) = match inp.automatic_tax {
            Some(rate) => tax_on(base, rate, line.tax_behavior == "inclusive"),
            None => line.tax_rates.iter().fold((0, 0), |(t, e), r| {
                let (t2, e2) = tax_on(base, r.percentage, r.inclusive);
                (t + t2, e + e2)
            }),
        };
        exclusive_tax = exclusive_tax.checked_add(excl)?;
        out.tax = out.tax.checked_add(tax)?;
        out.discount += discount;
        out.lines.push(LineTotals {
            subtotal: line.subtotal,
            discount,
            tax,
            total: base.checked_add(excl)?,
        });
    }
    let mut shipping_amount = 0;
    if let Some(s) = inp.shipping {
        let (tax, excl) = match inp.automatic_tax {
            Some(rate) => tax_on(s.amount, rate, s.tax_behavior == "inclusive"),
            None => (0, 0),
        };
        shipping_amount = s.amount;
        exclusive_tax = exclusive_tax.checked_add(excl)?;
        out.tax = out.tax.checked_add(tax)?;
        out.shipping = Some(ShippingTotals {
            subtotal: s.amount,
            tax,
            total: s.amount.checked_add(excl)?,
        });
    }
    out.total = subtotal
        .checked_sub(out.discount)?
        .checked_add(shipping_amount)?
        .checked_add(exclusive_tax)?;
    Some(out)
}

/// The automatic-tax rate the emulator applies for a customer's country. This is an emulator
/// convention, not Stripe's tax engine: 20 % for GB and FR, 19 % for DE, 21 % for NL, 0 % for
/// the `ZZ` placeholder country, 10 % everywhere else (including US).
pub(crate) fn automatic_tax_rate(country: &str) -> f64 {
    match country {
        "GB" | "FR" => 20.0,
        "DE" => 19.0,
        "NL" => 21.0,
        "ZZ" => 0.0,
        _ => 10.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(subtotal: i64) -> LineIn {
        LineIn {
            subtotal,
            tax_behavior: "exclusive".into(),
            tax_rates: vec![],
        }
    }

    #[test]
    fn discounted_taxed_shipped() {
        let coupon = Coupon {
            id: "c".into(),
            percent_off: Some(10.0),
            ..Coupon::default()
        };
        let ship = ShippingOption {
            id: "shr".into(),
            display_name: "Standard".into(),
            amount: 500,
            tax_behavior: "exclusive".into(),
        };
        let t = compute(&Inputs {
            lines: vec![line(3000), line(1000)],
            coupon: Some(&coupon),
            shipping: Some(&ship),
            automatic_tax: Some(10.0),
        })
        .expect("fits");
        assert_eq!((t.subtotal, t.discount), (4000, 400));
        assert_eq!(
            t.shipping,
            Some(ShippingTotals {
                subtotal: 500,
                tax: 50,
                total: 550
            })
        );
        assert_eq!(t.tax, 270 + 90 + 50);
        assert_eq!(t.total, 4000 - 400 + 500 + 410);
        assert_eq!(t.lines.iter().map(|l| l.total).sum::<i64>() + 550, t.total);
    }

    #[test]
    fn inclusive_tax_is_not_added() {
        let rate = TaxRate {
            id: "txr".into(),
            display_name: "GST".into(),
            percentage: 10.0,
            inclusive: true,
        };
        let t = compute(&Inputs {
            lines: vec![LineIn {
                subtotal: 1100,
                tax_behavior: "unspecified".into(),
                tax_rates: vec![rate],
            }],
            coupon: None,
            shipping: None,
            automatic_tax: None,
        })
        .expect("fits");
        assert_eq!((t.tax, t.total), (100, 1100));
    }

    #[test]
    fn amount_off_is_capped_and_spread() {
        let coupon = Coupon {
            id: "c".into(),
            amount_off: Some(5000),
            currency: Some("usd".into()),
            ..Coupon::default()
        };
        let t = compute(&Inputs {
            lines: vec![line(3000), line(1000)],
            coupon: Some(&coupon),
            shipping: None,
            automatic_tax: None,
        })
        .expect("fits");
        assert_eq!((t.discount, t.total), (4000, 0));
        assert_eq!(t.lines[0].discount, 3000);
    }
}
