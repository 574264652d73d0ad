//! Session state, completion (with the customer's choices on the page) and its JSON rendering (the
//! shape of Stripe's `checkout.session`, fields as in stripe-go v86.2.0 `CheckoutSession` and
//! stripe-node `Session`).

use serde_json::{json, Map, Value};

use crate::catalogue::{Catalogue, PriceInfo, TaxRate};
use crate::ids::random_id;
use crate::params::{AppliedDiscount, CreateParams};
use crate::totals::{self, automatic_tax_rate, Inputs, Totals};
use crate::validate::hosted_ui_mode;
use crate::version::Era;

/// One line item of a session.
#[derive(Debug, Clone)]
pub(crate) struct LineItem {
    pub id: String,
    pub price: PriceInfo,
    /// None for a metered price.
    pub quantity: Option<i64>,
    pub adjustable: Option<(i64, i64)>,
    pub tax_rates: Vec<TaxRate>,
    pub metadata: std::collections::BTreeMap<String, String>,
}

/// A stored session. Status fields are strings so tests can tamper them with any value.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub id: String,
    pub livemode: bool,
    pub era: Era,
    pub mode: String,
    pub status: String,
    pub payment_status: String,
    pub line_items: Vec<LineItem>,
    pub amount_subtotal: Option<i64>,
    pub amount_total: Option<i64>,
    pub totals: Totals,
    pub currency: Option<String>,
    pub created: i64,
    pub expires_at: i64,
    pub payment_intent: Option<String>,
    pub subscription: Option<String>,
    pub setup_intent: Option<String>,
    pub customer_details: Option<Value>,
    pub collected_information: Option<Value>,
    pub ui_mode: String,
    pub client_secret: Option<String>,
    /// The discount in force: from `discounts[]` or a promotion code entered on the page.
    pub discount: Option<AppliedDiscount>,
    /// Index into `p.shipping_options` of the chosen rate (the first by default).
    pub shipping_choice: Option<usize>,
    /// The customer's country once known (automatic tax is computed for it).
    pub tax_country: Option<String>,
    pub p: CreateParams,
}

/// Why a state transition was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StateError {
    NotOpen,
    NotAwaitingPayment,
    /// The customer's choices are not valid for this session: (param, message).
    Choice(String, String),
}

/// What the customer chose on the hosted page; tests pass it to
/// [`crate::Emulator::complete_session_with`] or `POST /_emulator/sessions/{id}/complete`.
#[derive(Debug, Clone, Default)]
pub struct Completion {
    /// False: a delayed payment method (complete + unpaid).
    pub paid: bool,
    /// A code typed into the promotion-code field (`SAVE10`) or a `promo_…` ID.
    pub promotion_code: Option<String>,
    /// The `shr_…` ID of one of the session's shipping options.
    pub shipping_rate: Option<String>,
    /// New quantities of adjustable line items, by line position.
    pub quantities: Vec<(usize, i64)>,
    /// The customer's country (ISO 3166-1 alpha-2), for the address and automatic tax.
    pub country: Option<String>,
}

impl Completion {
    /// Paid (or, with `false`, awaiting a delayed payment method), with no other choices.
    pub fn paid(paid: bool) -> Completion {
        Completion {
            paid,
            ..Completion::default()
        }
    }
}

fn choice(param: &str, message: impl Into<String>) -> StateError {
    StateError::Choice(param.to_owned(), message.into())
}

impl Session {
    /// A new open session.
    pub fn new(mut p: CreateParams, livemode: bool, now: i64, era: Era) -> Session {
        let prefix = if livemode { "cs_live_" } else { "cs_test_" };
        let id = random_id(prefix, 58);
        let line_items: Vec<LineItem> = std::mem::take(&mut p.line_items)
            .into_iter()
            .map(|i| LineItem {
                id: random_id("li_", 24),
                price: i.price,
                quantity: i.quantity,
                adjustable: i.adjustable,
                tax_rates: i.tax_rates,
                metadata: i.metadata,
            })
            .collect();
        let ui_mode = p.ui_mode.clone().unwrap_or_else(|| hosted_ui_mode(era).to_owned());
        let client_secret = (ui_mode != hosted_ui_mode(era)).then(|| format!("{id}_secret_{}", random_id("", 24)));
        let mut s = Session {
            livemode,
            era,
            setup_intent: (p.mode == "setup").then(|| random_id("seti_", 24)),
            mode: p.mode.clone(),
            status: "open".into(),
            // Stripe: `no_payment_required` — "The payment is delayed to a future date, or the
            // Checkout Session is in setup mode and doesn't require a payment at this time"
            // (API reference, `payment_status` enum). That reads as a property of the mode, so an
            // open setup-mode session already reports it (see the README, "What we found").
            payment_status: if p.mode == "setup" {
                "no_payment_required"
            } else {
                "unpaid"
            }
            .into(),
            line_items,
            amount_subtotal: None,
            amount_total: None,
            totals: Totals::default(),
            currency: p.currency.clone(),
            created: now,
            expires_at: p.expires_at.unwrap_or(now + crate::limits::MAX_EXPIRY_SECS),
            payment_intent: None,
            subscription: None,
            customer_details: None,
            collected_information: None,
            ui_mode,
            client_secret,
            discount: p.discounts.first().cloned(),
            shipping_choice: (!p.shipping_options.is_empty()).then_some(0),
            tax_country: None,
            id,
            p,
        };
        s.recompute();
        s
    }

    fn inputs(&self) -> Inputs<'_> {
        Inputs {
            lines: self
                .line_items
                .iter()
                .map(|li| totals::line_in(&li.price, li.quantity, &li.tax_rates, self.p.trial))
                .collect(),
            coupon: self.discount.as_ref().map(|d| &d.coupon),
            shipping: self.shipping_choice.and_then(|i| self.p.shipping_options.get(i)),
            automatic_tax: match (&self.tax_country, self.p.automatic_tax) {
                (Some(c), true) => Some(automatic_tax_rate(c)),
                _ => None,
            },
        }
    }

    /// Recomputes the amounts from the line items and the customer's choices.
    fn recompute(&mut self) {
        if self.mode == "setup" {
            return;
        }
        let t = totals::compute(&self.inputs()).unwrap_or_default();
        self.amount_subtotal = Some(t.subtotal);
        self.amount_total = Some(t.total);
        self.totals = t;
    }

    /// Marks an open session whose `expires_at` has passed as expired.
    pub fn refresh(&mut self, now: i64) {
        if self.status == "open" && now >= self.expires_at {
            self.status = "expired".into();
        }
    }

    /// Whether the hosted page serves this session (`url` "Applies to Checkout Sessions with
    /// `ui_mode: hosted_page`" — [node] `Session.url`).
    pub fn is_hosted(&self) -> bool {
        self.ui_mode == hosted_ui_mode(self.era)
    }

    /// Applies the customer's choices, then completes: paid, awaiting a delayed payment method,
    /// or with nothing to pay. All or nothing.
    pub fn complete(&mut self, c: &Completion, catalogue: &Catalogue) -> Result<(), StateError> {
        if self.status != "open" {
            return Err(StateError::NotOpen);
        }
        let mut next = self.clone();
        next.apply_choices(c, catalogue)?;
        next.status = "complete".into();
        match next.mode.as_str() {
            "setup" => {}
            "subscription" => {
                next.subscription = Some(random_id("sub_", 24));
                if next.p.customer.is_none() {
                    next.p.customer = Some(random_id("cus_", 14));
                }
            }
            _ => {
                if next.amount_total != Some(0) {
                    next.payment_intent = Some(random_id("pi_", 24));
                }
            }
        }
        next.payment_status = if next.mode == "setup" || next.amount_total == Some(0) {
            "no_payment_required"
        } else if c.paid {
            "paid"
        } else {
            "unpaid"
        }
        .into();
        let email = next
            .p
            .customer_email
            .clone()
            .unwrap_or_else(|| "customer@example.com".into());
        let country = next.tax_country.clone();
        let address =
            json!({"city": null, "country": country, "line1": null, "line2": null, "postal_code": null, "state": null});
        // "Customer's address details are not present on Sessions in `setup` mode."
        let customer_address = if next.mode == "setup" {
            Value::Null
        } else {
            address.clone()
        };
        next.customer_details = Some(json!({
            "address": customer_address,
            "email": email, "name": "Test Customer", "phone": null, "tax_exempt": "none", "tax_ids": [],
            "business_name": null, "individual_name": null,
        }));
        next.collected_information = Some(json!({
            "business_name": null, "individual_name": null,
            "shipping_details": next.p.shipping_countries.as_ref().map(|_| json!({"address": address, "name": "Test Customer"})),
        }));
        *self = next;
        Ok(())
    }

    fn apply_choices(&mut self, c: &Completion, catalogue: &Catalogue) -> Result<(), StateError> {
        if let Some(code) = c.promotion_code.as_deref().filter(|s| !s.trim().is_empty()) {
            // Customers can type codes only when the session allows them.
            if self.p.allow_promotion_codes != Some(true) {
                return Err(choice(
                    "promotion_code",
                    "This Checkout Session does not accept promotion codes.",
                ));
            }
            let promo = catalogue
                .promotion_code_by_code(code)
                .or_else(|| catalogue.promotion_codes.get(code))
                .ok_or_else(|| choice("promotion_code", "This code is invalid."))?;
            let coupon = catalogue
                .coupons
                .get(&promo.coupon)
                .ok_or_else(|| choice("promotion_code", "This code is invalid."))?;
            if coupon.amount_off.is_some() && coupon.currency != self.currency {
                return Err(choice("promotion_code", "This code is not valid for this currency."));
            }
            self.discount = Some(AppliedDiscount {
                coupon: coupon.clone(),
                promotion_code: Some(promo.id.clone()),
            });
        }
        if let Some(rate) = &c.shipping_rate {
            let i = self
                .p
                .shipping_options
                .iter()
                .position(|o| &o.id == rate)
                .ok_or_else(|| {
                    choice(
                        "shipping_rate",
                        format!("'{rate}' is not a shipping option of this session."),
                    )
                })?;
            self.shipping_choice = Some(i);
        }
        for (i, q) in &c.quantities {
            let li = self
                .line_items
                .get_mut(*i)
                .ok_or_else(|| choice("quantities", format!("There is no line item at position {i}.")))?;
            let (min, max) = li.adjustable.ok_or_else(|| {
                choice(
                    "quantities",
                    format!("The quantity of line item {i} is not adjustable."),
                )
            })?;
            if *q < min || *q > max {
                return Err(choice(
                    "quantities",
                    format!("The quantity of line item {i} must be between {min} and {max}."),
                ));
            }
            li.quantity = Some(*q);
        }
        // "Checkout prevents the customer from removing an item if it is the only item remaining."
        // (<https://stripe.com/docs/payments/checkout/adjustable-quantity>)
        if !self.line_items.is_empty() && self.line_items.iter().all(|li| li.quantity == Some(0)) {
            return Err(choice("quantities", "At least one item must remain."));
        }
        let country = match &c.country {
            Some(cc) => {
                let cc = cc.trim().to_ascii_uppercase();
                if cc.len() != 2 || !cc.bytes().all(|b| b.is_ascii_uppercase()) {
                    return Err(choice("country", format!("'{cc}' is not a two-letter country code.")));
                }
                cc
            }
            None => "US".to_owned(),
        };
        if let Some(allowed) = &self.p.shipping_countries {
            if !allowed.contains(&country) {
                return Err(choice("country", format!("This session does not ship to {country}.")));
            }
        }
        self.tax_country = Some(country);
        self.recompute();
        Ok(())
    }

    /// A delayed payment method succeeded (complete + unpaid becomes paid).
    pub fn async_succeed(&mut self) -> Result<(), StateError> {
        self.awaiting_payment()?;
        self.payment_status = "paid".into();
        Ok(())
    }

    /// A delayed payment method failed: the session stays complete and unpaid.
    pub fn async_fail(&mut self) -> Result<(), StateError> {
        self.awaiting_payment()
    }

    fn awaiting_payment(&self) -> Result<(), StateError> {
        if self.status == "complete" && self.payment_status == "unpaid" {
            Ok(())
        } else {
            Err(StateError::NotAwaitingPayment)
        }
    }

    /// Expires an open session.
    pub fn expire(&mut self) -> Result<(), StateError> {
        if self.status != "open" {
            return Err(StateError::NotOpen);
        }
        self.status = "expired".into();
        Ok(())
    }

    /// Overrides stored fields; all-or-nothing. See `Emulator::tamper_session` for the keys.
    pub fn tamper(&mut self, patch: &Value) -> bool {
        let Some(obj) = patch.as_object() else { return false };
        let mut next = self.clone();
        for (k, v) in obj {
            let ok = match k.as_str() {
                "amount_total" => set_opt_int(&mut next.amount_total, v),
                "amount_subtotal" => set_opt_int(&mut next.amount_subtotal, v),
                "expires_at" => v.as_i64().map(|n| next.expires_at = n).is_some(),
                "livemode" => v.as_bool().map(|b| next.livemode = b).is_some(),
                "currency" => set_opt_str(&mut next.currency, v),
                "client_reference_id" => set_opt_str(&mut next.p.client_reference_id, v),
                "customer_email" => set_opt_str(&mut next.p.customer_email, v),
                "payment_intent" => set_opt_str(&mut next.payment_intent, v),
                "subscription" => set_opt_str(&mut next.subscription, v),
                "mode" => v.as_str().map(|s| next.mode = s.to_owned()).is_some(),
                "status" => v.as_str().map(|s| next.status = s.to_owned()).is_some(),
                "payment_status" => v.as_str().map(|s| next.payment_status = s.to_owned()).is_some(),
                "metadata" => match v.as_object() {
                    Some(m) => {
                        next.p.metadata = m
                            .iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                            .collect();
                        true
                    }
                    None => false,
                },
                _ => false,
            };
            if !ok {
                return false;
            }
        }
        *self = next;
        true
    }

    /// The hosted page URL while open (hosted ui mode only).
    pub fn url(&self, base_url: &str) -> Option<String> {
        (self.status == "open" && self.is_hosted()).then(|| format!("{base_url}/pay/{}", self.id))
    }

    /// `payment_method_types` as Stripe computes it: the explicit list (dahlia), or the allowed
    /// types (endive: "the filtered result is shown in the response's `payment_method_types`"),
    /// else the emulator's dynamic default `card`; minus excluded types ("excluded types never
    /// appear in `payment_method_types`"). The emulator does no eligibility filtering by currency.
    fn payment_method_types(&self) -> Vec<String> {
        let base = self
            .p
            .payment_method_types
            .clone()
            .or_else(|| self.p.allowed_payment_method_types.clone())
            .unwrap_or_else(|| vec!["card".to_owned()]);
        let excluded = self.p.excluded_payment_method_types.clone().unwrap_or_default();
        base.into_iter().filter(|t| !excluded.contains(t)).collect()
    }

    fn automatic_tax_json(&self) -> Value {
        if !self.p.automatic_tax {
            return json!({"enabled": false, "liability": null, "provider": null, "status": null});
        }
        let status = if self.tax_country.is_some() {
            "complete"
        } else {
            "requires_location_inputs"
        };
        let liability = self
            .p
            .automatic_tax_liability
            .clone()
            .unwrap_or_else(|| json!({"account": null, "type": "self"}));
        json!({"enabled": true, "liability": liability, "provider": "stripe", "status": status})
    }

    fn discounts_json(&self) -> Value {
        match &self.discount {
            None => json!([]),
            Some(d) => match &d.promotion_code {
                Some(promo) => json!([{"coupon": null, "promotion_code": promo}]),
                None => json!([{"coupon": d.coupon.id, "promotion_code": null}]),
            },
        }
    }

    fn shipping_cost_json(&self) -> Value {
        let (Some(i), Some(t)) = (self.shipping_choice, self.totals.shipping) else {
            return Value::Null;
        };
        let rate = self.p.shipping_options.get(i).map(|o| o.id.clone());
        json!({"amount_subtotal": t.subtotal, "amount_tax": t.tax, "amount_total": t.total, "shipping_rate": rate})
    }

    /// The full `checkout.session` object.
    pub fn to_json(&self, base_url: &str) -> Value {
        let p = &self.p;
        let payment_like = self.mode != "setup";
        let total_details = payment_like.then(|| {
            json!({
                "amount_discount": self.totals.discount,
                "amount_shipping": self.totals.shipping.map(|s| s.subtotal).unwrap_or(0),
                "amount_tax": self.totals.tax,
            })
        });
        let consent = match (&p.consent_collection, self.status.as_str()) {
            (Some(cc), "complete") => json!({
                "promotions": (cc["promotions"] == "auto").then_some("opt_in"),
                "terms_of_service": (cc["terms_of_service"] == "required").then_some("accepted"),
            }),
            _ => Value::Null,
        };
        let mut v = json!({
            "id": self.id,
            "object": "checkout.session",
            "adaptive_pricing": {"enabled": false},
            "after_expiration": null,
            "allow_promotion_codes": p.allow_promotion_codes,
            "amount_subtotal": self.amount_subtotal,
            "amount_total": self.amount_total,
            "automatic_tax": self.automatic_tax_json(),
            "billing_address_collection": p.billing_address_collection,
            "branding_settings": null,
            "cancel_url": p.cancel_url,
            "client_reference_id": p.client_reference_id,
            "client_secret": self.client_secret,
            "collected_information": self.collected_information,
            "consent": consent,
            "consent_collection": p.consent_collection,
            "created": self.created,
            "currency": self.currency,
            "currency_conversion": null,
            "custom_fields": [],
            "custom_text": p.custom_text.clone().unwrap_or_else(|| json!({"after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null})),
            "customer": p.customer,
            "customer_account": null,
            "customer_creation": p.customer_creation.clone().map(Value::String).unwrap_or_else(|| if self.mode == "payment" && p.customer.is_none() { json!("if_required") } else { Value::Null }),
            "customer_details": self.customer_details,
            "customer_email": p.customer_email,
            "discounts": self.discounts_json(),
            "expires_at": self.expires_at,
            "integration_identifier": p.integration_identifier,
            "invoice": null,
            "invoice_creation": if self.mode == "payment" { json!({"enabled": false, "invoice_data": {
                "account_tax_ids": null, "custom_fields": null, "description": null, "footer": null,
                "issuer": null, "metadata": {}, "rendering_options": null}}) } else { Value::Null },
            "livemode": self.livemode,
            "locale": p.locale,
            "managed_payments": null,
            "metadata": p.metadata,
            "mode": self.mode,
            "name_collection": null,
            "optional_items": null,
            "origin_context": p.origin_context,
            "payment_intent": self.payment_intent,
            "payment_link": null,
            "payment_method_collection": if payment_like { json!(p.payment_method_collection.clone().unwrap_or_else(|| "always".into())) } else { Value::Null },
            "payment_method_configuration_details": null,
            "payment_method_options": match &p.card_restrictions {
                Some(restrictions) => json!({"card": {"restrictions": restrictions}}),
                None => json!({}),
            },
            "payment_method_types": self.payment_method_types(),
            "payment_status": self.payment_status,
            "permissions": null,
            "phone_number_collection": {"enabled": p.phone_number_collection.unwrap_or(false)},
            "presentment_details": null,
            "recovered_from": null,
            "redirect_on_completion": p.redirect_on_completion,
            "return_url": p.return_url,
            "saved_payment_method_options": p.saved_payment_method_options,
            "setup_intent": self.setup_intent,
            "shipping_address_collection": p.shipping_countries.as_ref().map(|c| json!({"allowed_countries": c})),
            "shipping_cost": self.shipping_cost_json(),
            "shipping_options": p.shipping_options.iter().map(|o| json!({"shipping_amount": o.amount, "shipping_rate": o.id})).collect::<Vec<_>>(),
            "status": self.status,
            "submit_type": p.submit_type,
            "subscription": self.subscription,
            "success_url": p.success_url,
            "tax_id_collection": p.tax_id_collection.clone().unwrap_or_else(|| json!({"enabled": false, "required": "never"})),
            "total_details": total_details,
            "ui_mode": self.ui_mode,
            "url": self.url(base_url),
            "wallet_options": null,
        });
        if let Value::Object(m) = &mut v {
            if let Some(ex) = &p.excluded_payment_method_types {
                m.insert("excluded_payment_method_types".into(), json!(ex));
            }
            // The object gains `allowed_payment_method_types` (nullable) at endive (post-endive
            // stripe-node `Session.allowed_payment_method_types: Array<string> | null`).
            if self.era == Era::Endive {
                m.insert(
                    "allowed_payment_method_types".into(),
                    json!(p.allowed_payment_method_types),
                );
            }
            sort_keys(m);
        }
        v
    }
}

/// A line item as `/line_items` returns it, with its share of the session's money.
pub(crate) fn line_item_json(s: &Session, index: usize) -> Value {
    let Some(li) = s.line_items.get(index) else {
        return Value::Null;
    };
    let t = s.totals.lines.get(index).copied().unwrap_or_default();
    json!({
        "id": li.id,
        "object": "item",
        // Since 2026-01-28.clover line items carry `adjustable_quantity`
        // (<https://docs.stripe.com/changelog/clover/2026-01-28/line-items-adjustable-quantity>).
        "adjustable_quantity": li.adjustable.map(|(min, max)| json!({"enabled": true, "minimum": min, "maximum": max})),
        "amount_discount": t.discount,
        "amount_subtotal": t.subtotal,
        "amount_tax": t.tax,
        "amount_total": t.total,
        "currency": li.price.currency,
        "description": li.price.product_name,
        "metadata": li.metadata,
        "price": price_json(&li.price, s.livemode),
        "quantity": li.quantity,
    })
}

fn price_json(p: &PriceInfo, livemode: bool) -> Value {
    json!({
        "id": p.id,
        "object": "price",
        "active": true,
        "billing_scheme": "per_unit",
        "currency": p.currency,
        "livemode": livemode,
        "metadata": {},
        "product": p.product_id,
        "recurring": p.recurring.as_ref().map(|(interval, count)| json!({
            "interval": interval, "interval_count": count, "usage_type": p.usage_type,
            "meter": null, "trial_period_days": null,
        })),
        "tax_behavior": p.tax_behavior,
        "type": if p.recurring.is_some() { "recurring" } else { "one_time" },
        "unit_amount": p.unit.as_int(),
        "unit_amount_decimal": p.unit.to_string(),
    })
}

fn sort_keys(m: &mut Map<String, Value>) {
    // serde_json's Map is ordered by key unless `preserve_order` is on; keep it deterministic either way.
    let mut entries: Vec<(String, Value)> = std::mem::take(m).into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    m.extend(entries);
}

fn set_opt_int(slot: &mut Option<i64>, v: &Value) -> bool {
    match v {
        Value::Null => *slot = None,
        _ => match v.as_i64() {
            Some(n) => *slot = Some(n),
            None => return false,
        },
    }
    true
}

fn set_opt_str(slot: &mut Option<String>, v: &Value) -> bool {
    match v {
        Value::Null => *slot = None,
        Value::String(s) => *slot = Some(s.clone()),
        _ => return false,
    }
    true
}

/// A page of line items, as `GET /v1/checkout/sessions/{id}/line_items` returns it.
pub(crate) fn line_items_page(
    s: &Session,
    limit: usize,
    starting_after: Option<&str>,
    ending_before: Option<&str>,
) -> Result<Value, String> {
    let n = s.line_items.len();
    let position = |id: &str| {
        s.line_items
            .iter()
            .position(|li| li.id == id)
            .ok_or_else(|| id.to_owned())
    };
    let (range, has_more) = match (starting_after, ending_before) {
        (Some(after), _) => {
            let start = position(after)? + 1;
            let end = (start + limit).min(n);
            (start..end, n > end)
        }
        (None, Some(before)) => {
            let end = position(before)?;
            let start = end.saturating_sub(limit);
            (start..end, start > 0)
        }
        (None, None) => (0..n.min(limit), n > limit),
    };
    Ok(json!({
        "object": "list",
        "data": range.map(|i| line_item_json(s, i)).collect::<Vec<_>>(),
        "has_more": has_more,
        "url": format!("/v1/checkout/sessions/{}/line_items", s.id),
    }))
}
