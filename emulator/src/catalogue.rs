//! The account's objects that create parameters refer to by ID: prices, products, coupons,
//! promotion codes, shipping rates and tax rates. Tests add their own through the [`crate::Emulator`]
//! methods or `POST /_emulator/<kind>`; a fresh emulator has the defaults listed in the README.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::money::Decimal;

/// A catalogue price, usable as `line_items[N][price]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// The price ID, e.g. `price_test_usd_1000`.
    pub id: String,
    /// Lowercase ISO currency.
    pub currency: String,
    /// Amount in minor units.
    pub unit_amount: i64,
    /// The product's name (a line item's `description`).
    pub product_name: String,
    /// `day`, `week`, `month` or `year` for a recurring price.
    pub recurring_interval: Option<String>,
    /// Intervals between bills (default 1).
    #[serde(default)]
    pub recurring_interval_count: Option<i64>,
    /// `licensed` (default) or `metered`: a metered price takes no `quantity`
    /// (<https://docs.stripe.com/api/checkout/sessions/create>, `line_items.quantity`: "Quantity
    /// should not be defined when `recurring.usage_type=metered`").
    #[serde(default)]
    pub usage_type: Option<String>,
    /// `exclusive`, `inclusive` or `unspecified` (default).
    #[serde(default)]
    pub tax_behavior: Option<String>,
    /// The product ID (default `prod_` + the price ID without `price_`).
    #[serde(default)]
    pub product_id: Option<String>,
}

impl Default for Price {
    fn default() -> Price {
        Price {
            id: String::new(),
            currency: "usd".into(),
            unit_amount: 0,
            product_name: "Product".into(),
            recurring_interval: None,
            recurring_interval_count: None,
            usage_type: None,
            tax_behavior: None,
            product_id: None,
        }
    }
}

/// A coupon, usable as `discounts[0][coupon]` or through a [`PromotionCode`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct Coupon {
    /// The coupon ID (Stripe lets merchants choose it, e.g. `SUMMER10`).
    pub id: String,
    /// Shown on the hosted page.
    #[serde(default)]
    pub name: Option<String>,
    /// Percentage off (0 < p ≤ 100), or
    #[serde(default)]
    pub percent_off: Option<f64>,
    /// an amount off in minor units of `currency`.
    #[serde(default)]
    pub amount_off: Option<i64>,
    /// The currency of `amount_off`.
    #[serde(default)]
    pub currency: Option<String>,
}

/// A customer-facing code for a coupon (`SAVE10`), usable as `discounts[0][promotion_code]` (by
/// its `promo_…` ID) or typed on the hosted page when `allow_promotion_codes` is set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct PromotionCode {
    /// `promo_…`.
    pub id: String,
    /// What the customer types (matched case-insensitively, as Checkout does).
    pub code: String,
    /// The coupon ID it applies.
    pub coupon: String,
}

/// A fixed-amount shipping rate, usable as `shipping_options[N][shipping_rate]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct ShippingRate {
    /// `shr_…`.
    pub id: String,
    /// Shown on the hosted page.
    pub display_name: String,
    /// Minor units of `currency`.
    pub amount: i64,
    /// Lowercase ISO currency.
    pub currency: String,
    /// `exclusive`, `inclusive` or `unspecified` (default).
    #[serde(default)]
    pub tax_behavior: Option<String>,
}

/// A tax rate, usable as `line_items[N][tax_rates][]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct TaxRate {
    /// `txr_…`.
    pub id: String,
    /// e.g. `VAT`.
    pub display_name: String,
    /// e.g. `20.0`.
    pub percentage: f64,
    /// Whether the rate is already included in the price.
    #[serde(default)]
    pub inclusive: bool,
}

/// A product, usable as `line_items[N][price_data][product]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct Product {
    /// `prod_…`.
    pub id: String,
    /// A line item's `description`.
    pub name: String,
}

/// A resolved price of one line item.
#[derive(Debug, Clone)]
pub(crate) struct PriceInfo {
    pub id: String,
    pub currency: String,
    /// Minor units, possibly fractional (`unit_amount_decimal`).
    pub unit: Decimal,
    pub product_id: String,
    pub product_name: String,
    pub description: Option<String>,
    /// (interval, interval_count)
    pub recurring: Option<(String, i64)>,
    pub usage_type: String,
    pub tax_behavior: String,
}

impl PriceInfo {
    pub fn metered(&self) -> bool {
        self.usage_type == "metered"
    }
}

impl Price {
    pub(crate) fn to_info(&self) -> PriceInfo {
        PriceInfo {
            id: self.id.clone(),
            currency: self.currency.clone(),
            unit: Decimal::from_int(self.unit_amount),
            product_id: self.product(),
            product_name: self.product_name.clone(),
            description: None,
            recurring: self
                .recurring_interval
                .clone()
                .map(|i| (i, self.recurring_interval_count.unwrap_or(1))),
            usage_type: self.usage_type.clone().unwrap_or_else(|| "licensed".into()),
            tax_behavior: self.tax_behavior.clone().unwrap_or_else(|| "unspecified".into()),
        }
    }

    fn product(&self) -> String {
        self.product_id
            .clone()
            .unwrap_or_else(|| format!("prod_{}", self.id.trim_start_matches("price_")))
    }
}

/// Everything the account has, by ID.
#[derive(Debug, Default)]
pub(crate) struct Catalogue {
    pub prices: HashMap<String, PriceInfo>,
    pub products: HashMap<String, Product>,
    pub coupons: HashMap<String, Coupon>,
    pub promotion_codes: HashMap<String, PromotionCode>,
    pub shipping_rates: HashMap<String, ShippingRate>,
    pub tax_rates: HashMap<String, TaxRate>,
}

impl Catalogue {
    /// The defaults of a fresh emulator (listed in the README).
    pub fn with_defaults() -> Catalogue {
        let mut c = Catalogue::default();
        for p in [
            Price {
                id: "price_test_usd_1000".into(),
                unit_amount: 1000,
                product_name: "Test product".into(),
                ..Price::default()
            },
            Price {
                id: "price_test_usd_monthly_900".into(),
                unit_amount: 900,
                product_name: "Monthly plan".into(),
                recurring_interval: Some("month".into()),
                ..Price::default()
            },
            Price {
                id: "price_test_usd_metered".into(),
                unit_amount: 5,
                product_name: "API calls".into(),
                recurring_interval: Some("month".into()),
                usage_type: Some("metered".into()),
                ..Price::default()
            },
        ] {
            c.add_price(&p);
        }
        c.add_coupon(Coupon {
            id: "coupon_test_10_percent".into(),
            name: Some("10% off".into()),
            percent_off: Some(10.0),
            ..Coupon::default()
        });
        c.add_coupon(Coupon {
            id: "coupon_test_5_usd".into(),
            name: Some("$5 off".into()),
            amount_off: Some(500),
            currency: Some("usd".into()),
            ..Coupon::default()
        });
        c.add_promotion_code(PromotionCode {
            id: "promo_test_save10".into(),
            code: "SAVE10".into(),
            coupon: "coupon_test_10_percent".into(),
        });
        c.add_shipping_rate(ShippingRate {
            id: "shr_test_standard".into(),
            display_name: "Standard".into(),
            amount: 500,
            currency: "usd".into(),
            tax_behavior: Some("exclusive".into()),
        });
        c.add_shipping_rate(ShippingRate {
            id: "shr_test_express".into(),
            display_name: "Express".into(),
            amount: 1500,
            currency: "usd".into(),
            tax_behavior: Some("exclusive".into()),
        });
        c.add_tax_rate(TaxRate {
            id: "txr_test_vat_20".into(),
            display_name: "VAT".into(),
            percentage: 20.0,
            inclusive: false,
        });
        c.add_tax_rate(TaxRate {
            id: "txr_test_gst_10_inclusive".into(),
            display_name: "GST".into(),
            percentage: 10.0,
            inclusive: true,
        });
        c
    }

    pub fn add_price(&mut self, p: &Price) {
        let info = p.to_info();
        self.products.entry(info.product_id.clone()).or_insert_with(|| Product {
            id: info.product_id.clone(),
            name: p.product_name.clone(),
        });
        self.prices.insert(p.id.clone(), info);
    }

    pub fn add_product(&mut self, p: Product) {
        self.products.insert(p.id.clone(), p);
    }

    pub fn add_coupon(&mut self, c: Coupon) {
        self.coupons.insert(c.id.clone(), c);
    }

    pub fn add_promotion_code(&mut self, p: PromotionCode) {
        self.promotion_codes.insert(p.id.clone(), p);
    }

    pub fn add_shipping_rate(&mut self, r: ShippingRate) {
        self.shipping_rates.insert(r.id.clone(), r);
    }

    pub fn add_tax_rate(&mut self, t: TaxRate) {
        self.tax_rates.insert(t.id.clone(), t);
    }

    /// The promotion code a customer typed (case-insensitive), if it exists.
    pub fn promotion_code_by_code(&self, code: &str) -> Option<&PromotionCode> {
        self.promotion_codes
            .values()
            .find(|p| p.code.eq_ignore_ascii_case(code.trim()))
    }
}

/// Checks a catalogue object added over the control API; the error names the bad field.
pub(crate) fn check_coupon(c: &Coupon) -> Result<(), &'static str> {
    match (c.percent_off, c.amount_off, &c.currency) {
        (Some(p), None, None) if p > 0.0 && p <= 100.0 => Ok(()),
        (None, Some(a), Some(cur)) if a > 0 && cur.len() == 3 => Ok(()),
        _ => Err("a coupon needs `percent_off` (0 < p <= 100) or `amount_off` (> 0) with `currency`"),
    }
}
