//! Session state and its JSON rendering (the shape of Stripe's `checkout.session`).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::ids::random_id;

/// A resolved price of one line item.
#[derive(Debug, Clone)]
pub(crate) struct PriceInfo {
    pub id: String,
    pub currency: String,
    pub unit_amount: i64,
    pub product_id: String,
    pub product_name: String,
    pub description: Option<String>,
    /// (interval, interval_count)
    pub recurring: Option<(String, i64)>,
}

impl PriceInfo {
    pub fn to_json(&self, livemode: bool) -> Value {
        json!({
            "id": self.id,
            "object": "price",
            "active": true,
            "billing_scheme": "per_unit",
            "currency": self.currency,
            "livemode": livemode,
            "metadata": {},
            "product": self.product_id,
            "recurring": self.recurring.as_ref().map(|(interval, count)| json!({
                "interval": interval, "interval_count": count, "usage_type": "licensed",
                "meter": null, "trial_period_days": null,
            })),
            "tax_behavior": "unspecified",
            "type": if self.recurring.is_some() { "recurring" } else { "one_time" },
            "unit_amount": self.unit_amount,
            "unit_amount_decimal": self.unit_amount.to_string(),
        })
    }
}

/// One line item of a session.
#[derive(Debug, Clone)]
pub(crate) struct LineItem {
    pub id: String,
    pub price: PriceInfo,
    pub quantity: i64,
}

impl LineItem {
    pub fn amount(&self) -> i64 {
        self.price.unit_amount.saturating_mul(self.quantity)
    }

    pub fn to_json(&self, livemode: bool) -> Value {
        json!({
            "id": self.id,
            "object": "item",
            "amount_discount": 0,
            "amount_subtotal": self.amount(),
            "amount_tax": 0,
            "amount_total": self.amount(),
            "currency": self.price.currency,
            "description": self.price.product_name,
            "price": self.price.to_json(livemode),
            "quantity": self.quantity,
        })
    }
}

/// Validated create parameters (see `validate`).
#[derive(Debug, Clone, Default)]
pub(crate) struct CreateParams {
    pub mode: String,
    pub line_items: Vec<(PriceInfo, i64)>,
    pub currency: Option<String>,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    pub customer: Option<String>,
    pub customer_email: Option<String>,
    pub client_reference_id: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub expires_at: Option<i64>,
    pub locale: Option<String>,
    pub payment_method_types: Option<Vec<String>>,
    pub allow_promotion_codes: Option<bool>,
    pub origin_context: Option<String>,
    pub ui_mode: Option<String>,
    pub integration_identifier: Option<String>,
}

/// A stored session. Status fields are strings so tests can tamper them with any value.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub id: String,
    pub livemode: bool,
    pub mode: String,
    pub status: String,
    pub payment_status: String,
    pub line_items: Vec<LineItem>,
    pub amount_subtotal: Option<i64>,
    pub amount_total: Option<i64>,
    pub currency: Option<String>,
    pub created: i64,
    pub expires_at: i64,
    pub payment_intent: Option<String>,
    pub subscription: Option<String>,
    pub setup_intent: Option<String>,
    pub customer_details: Option<Value>,
    pub ui_mode: String,
    pub p: CreateParams,
}

/// Why a state transition was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StateError {
    NotOpen,
    NotAwaitingPayment,
}

impl Session {
    /// A new open session; `stripe_version` picks the `ui_mode` spelling.
    pub fn new(mut p: CreateParams, livemode: bool, now: i64, stripe_version: Option<&str>) -> Session {
        let prefix = if livemode { "cs_live_" } else { "cs_test_" };
        let line_items: Vec<LineItem> = std::mem::take(&mut p.line_items)
            .into_iter()
            .map(|(price, quantity)| LineItem {
                id: random_id("li_", 24),
                price,
                quantity,
            })
            .collect();
        let (subtotal, currency) = if p.mode == "setup" {
            (None, p.currency.clone())
        } else {
            let sum = line_items.iter().fold(0i64, |acc, li| acc.saturating_add(li.amount()));
            (Some(sum), line_items.first().map(|li| li.price.currency.clone()))
        };
        let dahlia = stripe_version.is_none_or(|v| v >= "2026-03-25");
        let ui_mode = p
            .ui_mode
            .clone()
            .unwrap_or_else(|| if dahlia { "hosted_page" } else { "hosted" }.to_owned());
        Session {
            id: random_id(prefix, 58),
            livemode,
            setup_intent: (p.mode == "setup").then(|| random_id("seti_", 24)),
            mode: p.mode.clone(),
            status: "open".into(),
            payment_status: "unpaid".into(),
            line_items,
            amount_subtotal: subtotal,
            amount_total: subtotal,
            currency,
            created: now,
            expires_at: p.expires_at.unwrap_or(now + 86_400),
            payment_intent: None,
            subscription: None,
            customer_details: None,
            ui_mode,
            p,
        }
    }

    /// Marks an open session whose `expires_at` has passed as expired.
    pub fn refresh(&mut self, now: i64) {
        if self.status == "open" && now >= self.expires_at {
            self.status = "expired".into();
        }
    }

    /// Completes an open session, paid or awaiting a delayed payment method.
    pub fn complete(&mut self, paid: bool) -> Result<(), StateError> {
        if self.status != "open" {
            return Err(StateError::NotOpen);
        }
        self.status = "complete".into();
        match self.mode.as_str() {
            "setup" => self.payment_status = "no_payment_required".into(),
            "subscription" => {
                self.subscription = Some(random_id("sub_", 24));
                if self.p.customer.is_none() {
                    self.p.customer = Some(random_id("cus_", 14));
                }
            }
            _ => self.payment_intent = Some(random_id("pi_", 24)),
        }
        if self.mode != "setup" {
            self.payment_status = if paid { "paid" } else { "unpaid" }.into();
        }
        let email = self
            .p
            .customer_email
            .clone()
            .unwrap_or_else(|| "customer@example.com".into());
        self.customer_details = Some(json!({
            "address": {"city": null, "country": null, "line1": null, "line2": null, "postal_code": null, "state": null},
            "email": email, "name": null, "phone": null, "tax_exempt": "none", "tax_ids": [],
            "business_name": null, "individual_name": null,
        }));
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

    /// The hosted page URL while open.
    pub fn url(&self, base_url: &str) -> Option<String> {
        (self.status == "open").then(|| format!("{base_url}/pay/{}", self.id))
    }

    /// The full `checkout.session` object: every top-level key of Stripe's fixture.
    pub fn to_json(&self, base_url: &str) -> Value {
        let p = &self.p;
        let payment_like = self.mode != "setup";
        let mut v = json!({
            "id": self.id,
            "object": "checkout.session",
            "adaptive_pricing": {"enabled": false},
            "after_expiration": null,
            "allow_promotion_codes": p.allow_promotion_codes,
            "amount_subtotal": self.amount_subtotal,
            "amount_total": self.amount_total,
            "automatic_tax": {"enabled": false, "liability": null, "provider": null, "status": null},
            "billing_address_collection": null,
            "cancel_url": p.cancel_url,
            "client_reference_id": p.client_reference_id,
            "client_secret": null,
            "collected_information": null,
            "consent": null,
            "consent_collection": null,
            "created": self.created,
            "currency": self.currency,
            "currency_conversion": null,
            "custom_fields": [],
            "custom_text": {"after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null},
            "customer": p.customer,
            "customer_account": null,
            "customer_creation": if self.mode == "payment" && p.customer.is_none() { json!("if_required") } else { Value::Null },
            "customer_details": self.customer_details,
            "customer_email": p.customer_email,
            "discounts": [],
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
            "origin_context": p.origin_context,
            "payment_intent": self.payment_intent,
            "payment_link": null,
            "payment_method_collection": if payment_like { json!("always") } else { Value::Null },
            "payment_method_configuration_details": null,
            "payment_method_options": {},
            "payment_method_types": p.payment_method_types.clone().unwrap_or_else(|| vec!["card".to_owned()]),
            "payment_status": self.payment_status,
            "permissions": null,
            "phone_number_collection": {"enabled": false},
            "recovered_from": null,
            "saved_payment_method_options": null,
            "setup_intent": self.setup_intent,
            "shipping_address_collection": null,
            "shipping_cost": null,
            "shipping_options": [],
            "status": self.status,
            "submit_type": null,
            "subscription": self.subscription,
            "success_url": p.success_url,
            "total_details": if payment_like { json!({"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}) } else { Value::Null },
            "ui_mode": self.ui_mode,
            "url": self.url(base_url),
            "wallet_options": null,
        });
        if let Value::Object(m) = &mut v {
            sort_keys(m);
        }
        v
    }
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
    let items = &s.line_items;
    let position = |id: &str| items.iter().position(|li| li.id == id).ok_or_else(|| id.to_owned());
    let (slice, has_more) = match (starting_after, ending_before) {
        (Some(after), _) => {
            let rest = &items[position(after)? + 1..];
            (&rest[..rest.len().min(limit)], rest.len() > limit)
        }
        (None, Some(before)) => {
            let head = &items[..position(before)?];
            let start = head.len().saturating_sub(limit);
            (&head[start..], start > 0)
        }
        (None, None) => (&items[..items.len().min(limit)], items.len() > limit),
    };
    Ok(json!({
        "object": "list",
        "data": slice.iter().map(|li| li.to_json(s.livemode)).collect::<Vec<_>>(),
        "has_more": has_more,
        "url": format!("/v1/checkout/sessions/{}/line_items", s.id),
    }))
}
