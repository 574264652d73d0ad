//! Validation of `POST /v1/checkout/sessions` parameters, with Stripe's error codes and params,
//! by API version. First the shape of every key against Stripe's spec (`spec_check`: names at
//! every depth, types, enum values, lengths, required keys), then here what the spec cannot say:
//! modes, exclusions, ranges, URLs, catalogue lookups and amounts. Sources: [node] =
//! stripe/stripe-node `src/resources/Checkout/Sessions.ts`, `SessionCreateParams` (generated
//! reference text, API 2026-07-29.dahlia); endive changes from
//! <https://docs.stripe.com/changelog/endive/2026-09-30/remove-payment-method-types-checkout-sessions>.
//!
//! Which errors the idempotency layer keeps: shape errors (unknown, missing, mistyped, out of an
//! enum or range, mutually exclusive) are "parameter validation" and are not stored; errors that
//! need the account's data (unknown price, coupon, customer) or the computed amounts are raised
//! by the executing endpoint and are stored (`ApiError::executing`, see `error::Stage`).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::catalogue::Catalogue;
use crate::error::ApiError;
use crate::form::Node;
use crate::ids::random_id;
use crate::limits::{
    minimum_charge, MAX_AMOUNT, MAX_EXPIRY_SECS, MAX_ONE_TIME_ITEMS, MAX_PAYMENT_ITEMS, MAX_RECURRING_ITEMS,
    MAX_SHIPPING_OPTIONS, MAX_TRIAL_DAYS, MIN_EXPIRY_SECS, MIN_TRIAL_END_SECS,
};
use crate::line_items::line_items;
use crate::params::{AppliedDiscount, CreateParams, ItemParams, ShippingOption};
use crate::params_view::{exclusive, Obj, R};
use crate::spec_check::check_create;
use crate::totals;
use crate::version::{ApiVersion, Era};

/// The hosted ui_mode of an era (the default).
pub(crate) fn hosted_ui_mode(era: Era) -> &'static str {
    match era {
        Era::BeforeDahlia => "hosted",
        Era::Dahlia | Era::Endive => "hosted_page",
    }
}

/// `Can only be set in MODES mode.` style refusal (no code).
fn mode_only(param: &str, mode: &str, allowed: &[&str]) -> R<()> {
    if allowed.contains(&mode) {
        return Ok(());
    }
    let modes = allowed
        .iter()
        .map(|m| format!("`{m}`"))
        .collect::<Vec<_>>()
        .join(" or ");
    Err(ApiError::invalid(format!(
        "`{param}` can only be used in {modes} mode, but this Checkout Session is in `{mode}` mode."
    ))
    .at(param))
}

/// Validates create parameters against the catalogue, for the request's API version, at `now`.
pub(crate) fn create_params(
    tree: &BTreeMap<String, Node>,
    catalogue: &Catalogue,
    version: &ApiVersion,
    now: i64,
) -> R<CreateParams> {
    let era = version.era();
    check_shape(tree, version)?;
    let root = Obj::root(tree);
    // The spec marks no create parameter required; Stripe's reference says `mode` is "Required
    // when using prices or setup mode", and every session the emulator can create uses prices
    // (`line_items`) or is a setup session, so it is required here.
    let mode = root.required_str("mode")?.to_owned();
    let mut p = CreateParams {
        mode: mode.clone(),
        ..CreateParams::default()
    };

    ui_and_urls(&root, era, &mut p)?;
    customer(&root, &mode, &mut p)?;
    p.client_reference_id = root.str("client_reference_id")?.map(str::to_owned);
    p.metadata = root.metadata("metadata")?;
    if let Some(at) = root.int("expires_at")? {
        if at < now + MIN_EXPIRY_SECS {
            return Err(ApiError::param(
                "parameter_invalid_integer",
                "expires_at",
                "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
            ));
        }
        if at > now + MAX_EXPIRY_SECS {
            return Err(ApiError::param(
                "parameter_invalid_integer",
                "expires_at",
                "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
            ));
        }
        p.expires_at = Some(at);
    }
    p.locale = root.str("locale")?.map(str::to_owned);
    p.integration_identifier = root.str("integration_identifier")?.map(str::to_owned);
    payment_methods(&root, era, &mut p)?;
    p.card_restrictions = card_restrictions(&root)?;
    collection(&root, &mode, &mut p)?;
    page_text(&root, &mode, p.ui_mode.as_deref())?.apply(&mut p);
    intent_data(&root, &mode, catalogue, now, &mut p)?;
    p.currency = root.currency("currency")?;
    if root.has("payment_method_collection") {
        // "Can only be set in `subscription` mode. Defaults to `always`." — [node]
        mode_only("payment_method_collection", &mode, &["subscription"])?;
        p.payment_method_collection = root.str("payment_method_collection")?.map(str::to_owned);
    }

    let items = line_items(&root, catalogue)?;
    let promotions = discounts(&root, &mode, catalogue)?;
    p.allow_promotion_codes = root.bool("allow_promotion_codes")?;
    if p.allow_promotion_codes.is_some() && root.has("discounts") {
        return Err(exclusive("allow_promotion_codes", "discounts", "discounts"));
    }
    p.automatic_tax = automatic_tax(&root, &mut p.automatic_tax_liability)?;
    let shipping = shipping_options(&root, &mode, catalogue)?;

    match (mode.as_str(), items) {
        ("setup", Some(_)) => {
            return Err(ApiError::invalid("You cannot pass `line_items` in `setup` mode.").at("line_items"))
        }
        ("setup", None) => setup_currency(&p, era)?,
        (_, None) => return Err(ApiError::missing("line_items")),
        (_, Some(items)) => {
            let currency = check_items(&mode, &items, p.currency.as_deref())?;
            p.currency = Some(currency.clone());
            p.line_items = items.into_iter().map(|(_, i)| i).collect();
            p.discounts = promotions;
            for d in &p.discounts {
                if let (Some(_), Some(c)) = (d.coupon.amount_off, &d.coupon.currency) {
                    if *c != currency {
                        return Err(ApiError::invalid(format!(
                            "The coupon's currency ({c}) must match the currency of this Checkout Session ({currency})."
                        ))
                        .at("discounts[0]")
                        .executing());
                    }
                }
            }
            p.shipping_options = shipping
                .into_iter()
                .map(|(name, rate)| shipping_in_currency(name, rate, &currency))
                .collect::<R<Vec<_>>>()?;
            check_amounts(&p, &currency)?;
        }
    }
    Ok(p)
}

/// 2026-09-30.endive removed `payment_method_types` from create: "You can no longer pass
/// `payment_method_types` when you create a Checkout Session" (endive changelog, above). The
/// Checkout page shows no error code; the sibling PaymentIntent/SetupIntent change of the same
/// release "returns a 400 error with the code `payment_method_types_no_longer_supported`"
/// (<https://docs.stripe.com/changelog/endive/2026-09-30/removes-the-payment-method-types-parameter-from-payment-intents-and-setup-intents>),
/// which the emulator uses for Checkout too. Every other key is the spec's to judge.
fn check_shape(tree: &BTreeMap<String, Node>, version: &ApiVersion) -> R<()> {
    if version.era() == Era::Endive && tree.contains_key("payment_method_types") {
        return Err(ApiError::param(
            "payment_method_types_no_longer_supported",
            "payment_method_types",
            "`payment_method_types` is no longer supported on this API version. Use dynamic payment methods, `excluded_payment_method_types` or `allowed_payment_method_types` instead.",
        ));
    }
    check_create(tree, version)
}

/// `ui_mode` by version and the URLs each mode takes ([node]: `success_url`/`cancel_url` "not
/// allowed if ui_mode is `embedded_page` or `elements`"; `return_url` "required if `ui_mode` is
/// `embedded_page` or `elements`" unless `redirect_on_completion=never`; `redirect_on_completion`
/// "applies to `ui_mode: embedded_page`"; `origin_context` "You can't set this parameter if
/// `ui_mode` is `elements`"). The values by version are `spec_versions`'.
fn ui_and_urls(root: &Obj<'_>, era: Era, p: &mut CreateParams) -> R<()> {
    let ui_mode = root.str("ui_mode")?.unwrap_or(hosted_ui_mode(era)).to_owned();
    let hosted = ui_mode == hosted_ui_mode(era);
    p.success_url = root.url("success_url")?;
    p.cancel_url = root.url("cancel_url")?;
    p.return_url = root.url("return_url")?;
    p.redirect_on_completion = root.str("redirect_on_completion")?.map(str::to_owned);
    for key in ["success_url", "cancel_url"] {
        if !hosted && root.has(key) {
            return Err(ApiError::invalid(format!("`{key}` is not allowed when `ui_mode` is `{ui_mode}`.")).at(key));
        }
    }
    if hosted {
        for key in ["return_url", "redirect_on_completion"] {
            if root.has(key) {
                return Err(
                    ApiError::invalid(format!("`{key}` can only be used when `ui_mode` is not `{ui_mode}`.")).at(key),
                );
            }
        }
    } else if p.return_url.is_none() && p.redirect_on_completion.as_deref() != Some("never") {
        return Err(ApiError::missing("return_url"));
    }
    if let Some(oc) = root.str("origin_context")? {
        if matches!(ui_mode.as_str(), "elements" | "custom") {
            return Err(
                ApiError::invalid(format!("`origin_context` cannot be set when `ui_mode` is `{ui_mode}`."))
                    .at("origin_context"),
            );
        }
        p.origin_context = Some(oc.to_owned());
    }
    p.ui_mode = Some(ui_mode);
    Ok(())
}

/// `customer`, `customer_email`, `customer_creation`, `customer_update`.
fn customer(root: &Obj<'_>, mode: &str, p: &mut CreateParams) -> R<()> {
    p.customer = root.str("customer")?.map(str::to_owned);
    if let Some(c) = &p.customer {
        if !c.starts_with("cus_") {
            return Err(
                ApiError::param("resource_missing", "customer", format!("No such customer: '{c}'")).executing(),
            );
        }
    }
    if let Some(email) = root.email("customer_email")? {
        if p.customer.is_some() {
            return Err(exclusive("customer", "customer_email", "customer_email"));
        }
        p.customer_email = Some(email.to_owned());
    }
    if root.has("customer_creation") {
        // "Can only be set in `payment` and `setup` mode." — [node]
        mode_only("customer_creation", mode, &["payment", "setup"])?;
        p.customer_creation = root.str("customer_creation")?.map(str::to_owned);
    }
    if root.has("customer_update") {
        // "Can only be provided when `customer` is provided." — [node]
        if p.customer.is_none() {
            return Err(ApiError::invalid("`customer_update` can only be used with `customer`.").at("customer_update"));
        }
    }
    Ok(())
}

/// `payment_method_types` (up to dahlia), `allowed_payment_method_types` (endive) and
/// `excluded_payment_method_types` (since 2025-09-30.clover,
/// <https://docs.stripe.com/changelog/clover/2025-09-30/exclude-payment-methods-checkout-sessions>).
/// `allowed_…` "is mutually exclusive with `payment_method_types`, `excluded_payment_method_types`,
/// `automatic_payment_methods`, and `payment_method_configuration`" on PaymentIntents
/// (<https://docs.stripe.com/changelog/dahlia/2026-07-29/allowed-payment-method-types-parameter>);
/// the emulator applies the same exclusions to Checkout.
fn payment_methods(root: &Obj<'_>, era: Era, p: &mut CreateParams) -> R<()> {
    if era != Era::Endive {
        p.payment_method_types = root.str_list("payment_method_types")?;
    }
    p.excluded_payment_method_types = root.str_list("excluded_payment_method_types")?;
    if era == Era::Endive {
        p.allowed_payment_method_types = root.str_list("allowed_payment_method_types")?;
        if p.allowed_payment_method_types.is_some() {
            for other in ["excluded_payment_method_types", "payment_method_configuration"] {
                if root.has(other) {
                    return Err(exclusive("allowed_payment_method_types", other, other));
                }
            }
        }
    }
    if p.payment_method_types.is_some() && p.excluded_payment_method_types.is_some() {
        return Err(exclusive(
            "payment_method_types",
            "excluded_payment_method_types",
            "excluded_payment_method_types",
        ));
    }
    Ok(())
}

/// `payment_method_options[card][restrictions]` (`brands_blocked[]` since 2025-02-24.acacia,
/// `funding_types_blocked[]` since 2026-08-26.dahlia: `spec_versions`), reflected on the session.
/// The rest of `payment_method_options` is checked by the spec and not reflected.
fn card_restrictions(root: &Obj<'_>) -> R<Option<Value>> {
    let Some(card) = root
        .obj("payment_method_options")?
        .map(|o| o.obj("card"))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    let Some(r) = card.obj("restrictions")? else {
        return Ok(None);
    };
    let mut out = Map::new();
    for key in ["brands_blocked", "funding_types_blocked"] {
        if let Some(list) = r.str_list(key)? {
            out.insert(key.to_owned(), json!(list));
        }
    }
    Ok(Some(Value::Object(out)))
}

/// Billing/shipping address, phone number and tax ID collection.
fn collection(root: &Obj<'_>, mode: &str, p: &mut CreateParams) -> R<()> {
    // `auto` | `required`, default `auto` — [node]
    p.billing_address_collection = root.str("billing_address_collection")?.map(str::to_owned);
    if let Some(sac) = root.obj("shipping_address_collection")? {
        let countries = sac
            .str_list("allowed_countries")?
            .ok_or_else(|| ApiError::missing(sac.name("allowed_countries")))?;
        if countries.is_empty() {
            return Err(ApiError::missing(sac.name("allowed_countries")));
        }
        p.shipping_countries = Some(countries);
    }
    if let Some(pnc) = root.obj("phone_number_collection")? {
        // "Can only be set in `payment` and `subscription` mode." — [node]
        mode_only("phone_number_collection", mode, &["payment", "subscription"])?;
        p.phone_number_collection = Some(pnc.required_bool("enabled")?);
    }
    if let Some(tic) = root.obj("tax_id_collection")? {
        let enabled = tic.required_bool("enabled")?;
        let required = tic.str("required")?.unwrap_or("never");
        p.tax_id_collection = Some(json!({"enabled": enabled, "required": required}));
    }
    Ok(())
}

/// Parts of the page: `submit_type`, `consent_collection`, `custom_text`,
/// `saved_payment_method_options`.
struct PageText {
    submit_type: Option<String>,
    consent_collection: Option<Value>,
    custom_text: Option<Value>,
    saved_payment_method_options: Option<Value>,
}

impl PageText {
    fn apply(self, p: &mut CreateParams) {
        p.submit_type = self.submit_type;
        p.consent_collection = self.consent_collection;
        p.custom_text = self.custom_text;
        p.saved_payment_method_options = self.saved_payment_method_options;
    }
}

fn page_text(root: &Obj<'_>, mode: &str, ui_mode: Option<&str>) -> R<PageText> {
    let mut out = PageText {
        submit_type: None,
        consent_collection: None,
        custom_text: None,
        saved_payment_method_options: None,
    };
    if root.has("submit_type") {
        // `auto | book | donate | pay | subscribe`; "can only be specified on Checkout Sessions
        // in `payment` or `subscription` mode" — [node]
        mode_only("submit_type", mode, &["payment", "subscription"])?;
        out.submit_type = root.str("submit_type")?.map(str::to_owned);
    }
    if let Some(cc) = root.obj("consent_collection")? {
        let reuse = match cc.obj("payment_method_reuse_agreement")? {
            None => Value::Null,
            Some(r) => {
                let position = r
                    .str("position")?
                    .ok_or_else(|| ApiError::missing(r.name("position")))?;
                json!({"position": position})
            }
        };
        let promotions = cc.str("promotions")?;
        let tos = cc.str("terms_of_service")?;
        out.consent_collection = Some(json!({
            "payment_method_reuse_agreement": reuse, "promotions": promotions, "terms_of_service": tos,
        }));
    }
    if let Some(ct) = root.obj("custom_text")? {
        // "You can't set this parameter if `ui_mode` is `elements`" (endive text; `custom` before).
        if matches!(ui_mode, Some("elements" | "custom")) {
            return Err(
                ApiError::invalid("`custom_text` cannot be set when `ui_mode` is `elements`.").at("custom_text"),
            );
        }
        const KEYS: [&str; 4] = [
            "after_submit",
            "shipping_address",
            "submit",
            "terms_of_service_acceptance",
        ];
        let mut m = Map::new();
        for key in KEYS {
            let v = match ct.emptyable_obj(key)? {
                None => Value::Null,
                Some(o) => {
                    // Its length ("up to 1200 characters") is the spec's, checked by spec_check.
                    let msg = o.required_str("message")?;
                    json!({"message": msg})
                }
            };
            m.insert(key.to_owned(), v);
        }
        out.custom_text = Some(Value::Object(m));
    }
    if let Some(s) = root.obj("saved_payment_method_options")? {
        // "Only available in `payment` and `subscription` mode." — [node]
        mode_only("saved_payment_method_options", mode, &["payment", "subscription"])?;
        let filters = s.str_list("allow_redisplay_filters")?;
        let remove = s.str("payment_method_remove")?;
        let save = s.str("payment_method_save")?;
        out.saved_payment_method_options = Some(json!({
            "allow_redisplay_filters": filters, "payment_method_remove": remove, "payment_method_save": save,
        }));
    }
    Ok(out)
}

/// `payment_intent_data` (payment mode), `setup_intent_data` (setup mode), `subscription_data`
/// (subscription mode) — "A subset of parameters to be passed to PaymentIntent creation for
/// Checkout Sessions in `payment` mode" etc. (stripe/openapi spec3).
fn intent_data(root: &Obj<'_>, mode: &str, catalogue: &Catalogue, now: i64, p: &mut CreateParams) -> R<()> {
    if let Some(pi) = root.obj("payment_intent_data")? {
        mode_only("payment_intent_data", mode, &["payment"])?;
        pi.int_in("application_fee_amount", 0, MAX_AMOUNT)?;
        pi.str("description")?;
        pi.metadata("metadata")?;
        pi.str("on_behalf_of")?;
        pi.email("receipt_email")?;
        if let Some(ship) = pi.obj("shipping")? {
            ship.required_str("name")?;
            let addr = ship
                .obj("address")?
                .ok_or_else(|| ApiError::missing(ship.name("address")))?;
            addr.required_str("line1")?;
        }
        for key in ["statement_descriptor", "statement_descriptor_suffix"] {
            if let Some(d) = pi.str(key)? {
                statement_descriptor(&pi.name(key), d)?;
            }
        }
        if let Some(td) = pi.obj("transfer_data")? {
            td.required_str("destination")?;
            td.int_in("amount", 0, MAX_AMOUNT)?;
        }
        pi.str("transfer_group")?;
    }
    if let Some(si) = root.obj("setup_intent_data")? {
        mode_only("setup_intent_data", mode, &["setup"])?;
        si.str("description")?;
        si.metadata("metadata")?;
        si.str("on_behalf_of")?;
    }
    if let Some(sd) = root.obj("subscription_data")? {
        mode_only("subscription_data", mode, &["subscription"])?;
        sd.str("description")?;
        sd.metadata("metadata")?;
        for (name, id) in sd.str_array("default_tax_rates")?.unwrap_or_default() {
            if !catalogue.tax_rates.contains_key(id) {
                return Err(ApiError::param("resource_missing", name, format!("No such tax rate: '{id}'")).executing());
            }
        }
        let days = sd.int_in("trial_period_days", 1, MAX_TRIAL_DAYS)?;
        let end = sd.int("trial_end")?;
        if let Some(end) = end {
            if end < now + MIN_TRIAL_END_SECS {
                return Err(ApiError::invalid(
                    "`subscription_data[trial_end]` must be at least 48 hours in the future.",
                )
                .at(sd.name("trial_end")));
            }
            if end > now + MAX_TRIAL_DAYS * 86_400 {
                return Err(
                    ApiError::invalid("The trial period must be 730 days (2 years) or less.").at(sd.name("trial_end")),
                );
            }
        }
        if days.is_some() && end.is_some() {
            return Err(exclusive(
                "trial_end",
                "trial_period_days",
                &sd.name("trial_period_days"),
            ));
        }
        p.trial = days.is_some() || end.is_some();
    }
    Ok(())
}

/// Statement descriptors: "only Latin characters; 5–22 characters … at least one letter … must
/// not contain `<` `>` `\` `'` `"` `*`" (<https://docs.stripe.com/get-started/account/statement-descriptors>).
/// A suffix is appended to the account's prefix, so the emulator checks the suffix for the
/// characters, the letter and the 22-character limit only.
fn statement_descriptor(name: &str, d: &str) -> R<()> {
    let bad = d.chars().any(|c| !c.is_ascii() || "<>\\'\"*".contains(c));
    if bad || !d.chars().any(|c| c.is_ascii_alphabetic()) {
        return Err(ApiError::invalid(format!(
            "Invalid statement descriptor: {name} must contain at least one letter and only Latin characters other than < > \\ ' \" *"
        ))
        .at(name));
    }
    Ok(())
}

/// `discounts[]`: "The coupon or promotion code to apply to this Session. Currently, only up to
/// one may be specified." — [node]; each element takes `coupon` or `promotion_code`.
fn discounts(root: &Obj<'_>, mode: &str, catalogue: &Catalogue) -> R<Vec<AppliedDiscount>> {
    let Some(list) = root.obj_array("discounts")? else {
        return Ok(Vec::new());
    };
    mode_only("discounts", mode, &["payment", "subscription"])?;
    if list.len() > 1 {
        return Err(ApiError::invalid("You may only specify one discount.").at("discounts"));
    }
    let mut out = Vec::new();
    for d in list {
        let applied = match (d.str("coupon")?, d.str("promotion_code")?) {
            (Some(_), Some(_)) => return Err(exclusive("coupon", "promotion_code", &d.name("promotion_code"))),
            (None, None) => return Err(ApiError::missing(d.name("coupon"))),
            (Some(id), None) => AppliedDiscount {
                coupon: catalogue.coupons.get(id).cloned().ok_or_else(|| {
                    ApiError::param("resource_missing", d.name("coupon"), format!("No such coupon: '{id}'")).executing()
                })?,
                promotion_code: None,
            },
            (None, Some(id)) => {
                let missing = || {
                    ApiError::param(
                        "resource_missing",
                        d.name("promotion_code"),
                        format!("No such promotion code: '{id}'"),
                    )
                    .executing()
                };
                let promo = catalogue.promotion_codes.get(id).ok_or_else(missing)?;
                AppliedDiscount {
                    coupon: catalogue.coupons.get(&promo.coupon).cloned().ok_or_else(missing)?,
                    promotion_code: Some(promo.id.clone()),
                }
            }
        };
        out.push(applied);
    }
    Ok(out)
}

/// `automatic_tax[enabled]` (required in the object) and `[liability][type|account]` — [node].
fn automatic_tax(root: &Obj<'_>, liability: &mut Option<Value>) -> R<bool> {
    let Some(at) = root.obj("automatic_tax")? else {
        return Ok(false);
    };
    let enabled = at.required_bool("enabled")?;
    if let Some(l) = at.obj("liability")? {
        let kind = l.str("type")?.ok_or_else(|| ApiError::missing(l.name("type")))?;
        let account = l.str("account")?;
        if kind == "account" && account.is_none() {
            return Err(ApiError::missing(l.name("account")));
        }
        *liability = Some(json!({"type": kind, "account": account}));
    }
    Ok(enabled)
}

/// `shipping_options[]`: "Up to a maximum of 5", each a `shipping_rate` ID or `shipping_rate_data`
/// (`display_name` required, `type` only `fixed_amount`, `fixed_amount[amount|currency]`
/// required, `delivery_estimate[minimum|maximum][unit|value]` with "value … greater than 0") — [node].
fn shipping_options(root: &Obj<'_>, mode: &str, catalogue: &Catalogue) -> R<Vec<(String, ShippingRateDraft)>> {
    let Some(list) = root.obj_array("shipping_options")? else {
        return Ok(Vec::new());
    };
    mode_only("shipping_options", mode, &["payment", "subscription"])?;
    if list.len() > MAX_SHIPPING_OPTIONS {
        return Err(ApiError::invalid(format!(
            "You may only specify up to {MAX_SHIPPING_OPTIONS} shipping options."
        ))
        .at("shipping_options"));
    }
    let mut out = Vec::new();
    for o in list {
        let draft = match (o.str("shipping_rate")?, o.obj("shipping_rate_data")?) {
            (Some(_), Some(_)) => {
                return Err(exclusive(
                    "shipping_rate",
                    "shipping_rate_data",
                    &o.name("shipping_rate"),
                ))
            }
            (None, None) => return Err(ApiError::missing(o.name("shipping_rate"))),
            (Some(id), None) => {
                let r = catalogue.shipping_rates.get(id).ok_or_else(|| {
                    ApiError::param(
                        "resource_missing",
                        o.name("shipping_rate"),
                        format!("No such shipping rate: '{id}'"),
                    )
                    .executing()
                })?;
                ShippingRateDraft {
                    id: r.id.clone(),
                    display_name: r.display_name.clone(),
                    amounts: vec![(r.currency.clone(), r.amount)],
                    tax_behavior: r.tax_behavior.clone().unwrap_or_else(|| "unspecified".into()),
                }
            }
            (None, Some(d)) => shipping_rate_data(&d)?,
        };
        out.push((o.own_name(), draft));
    }
    Ok(out)
}

/// A shipping rate before the session currency is known.
pub(crate) struct ShippingRateDraft {
    id: String,
    display_name: String,
    /// (currency, amount): the fixed amount, then `currency_options`.
    amounts: Vec<(String, i64)>,
    tax_behavior: String,
}

fn shipping_rate_data(d: &Obj<'_>) -> R<ShippingRateDraft> {
    let display_name = d.required_str("display_name")?;
    d.metadata("metadata")?;
    d.str("tax_code")?;
    let tax_behavior = d.str("tax_behavior")?.unwrap_or("unspecified").to_owned();
    if let Some(est) = d.obj("delivery_estimate")? {
        for key in ["maximum", "minimum"] {
            if let Some(e) = est.obj(key)? {
                e.str("unit")?.ok_or_else(|| ApiError::missing(e.name("unit")))?;
                e.int_in("value", 1, i64::from(i32::MAX))?
                    .ok_or_else(|| ApiError::missing(e.name("value")))?;
            }
        }
    }
    // "Must be present if type is `fixed_amount`" (the only type).
    let fa = d
        .obj("fixed_amount")?
        .ok_or_else(|| ApiError::missing(d.name("fixed_amount")))?;
    let amount = fa
        .int_in("amount", 0, MAX_AMOUNT)?
        .ok_or_else(|| ApiError::missing(fa.name("amount")))?;
    let currency = fa
        .currency("currency")?
        .ok_or_else(|| ApiError::missing(fa.name("currency")))?;
    let mut amounts = vec![(currency, amount)];
    if let Some(opts) = fa.obj("currency_options")? {
        for key in opts.map.keys() {
            crate::params_view::currency(&opts.name(key), key)?;
            let o = opts
                .obj(key)?
                .ok_or_else(|| ApiError::invalid("Invalid hash").at(opts.name(key)))?;
            let a = o
                .int_in("amount", 0, MAX_AMOUNT)?
                .ok_or_else(|| ApiError::missing(o.name("amount")))?;
            amounts.push((key.clone(), a));
        }
    }
    Ok(ShippingRateDraft {
        id: random_id("shr_", 24),
        display_name: display_name.to_owned(),
        amounts,
        tax_behavior,
    })
}

/// A shipping rate must have an amount in the session's currency (its `fixed_amount` or one of
/// its `currency_options`). Stripe does not document this rule; it follows from "Shipping rates
/// only support fixed amount values for the entire order"
/// (<https://docs.stripe.com/payments/during-payment/charge-shipping>) in one currency.
fn shipping_in_currency(name: String, draft: ShippingRateDraft, currency: &str) -> R<ShippingOption> {
    let amount = draft
        .amounts
        .iter()
        .find(|(c, _)| c == currency)
        .map(|(_, a)| *a)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "The shipping rate has no amount in the currency of this Checkout Session ({currency})."
            ))
            .at(name)
            .executing()
        })?;
    Ok(ShippingOption {
        id: draft.id,
        display_name: draft.display_name,
        amount,
        tax_behavior: draft.tax_behavior,
    })
}

/// Setup mode: `currency` is "Required in `setup` mode when `payment_method_types` is not set"
/// ([node], dahlia). Endive removed `payment_method_types`; the emulator requires `currency` unless
/// `allowed_payment_method_types` is given (the endive reference text still names the removed
/// parameter, so this reading is the emulator's).
fn setup_currency(p: &CreateParams, era: Era) -> R<()> {
    let listed = match era {
        Era::Endive => p.allowed_payment_method_types.is_some(),
        _ => p.payment_method_types.is_some(),
    };
    if p.currency.is_none() && !listed {
        return Err(ApiError::missing("currency"));
    }
    Ok(())
}

/// Line items against the mode: one currency, `payment` takes no recurring price, `subscription`
/// needs one, item counts. Returns the session currency.
fn check_items(mode: &str, items: &[(String, ItemParams)], currency: Option<&str>) -> R<String> {
    let first = items.first().map(|(_, i)| i.price.currency.clone()).unwrap_or_default();
    if mode == "payment" && items.len() > MAX_PAYMENT_ITEMS {
        return Err(
            ApiError::invalid(format!("You may only specify up to {MAX_PAYMENT_ITEMS} line items.")).at("line_items"),
        );
    }
    for (name, item) in items {
        if item.price.currency != first {
            return Err(ApiError::invalid("All line items must use the same currency.")
                .at(format!("{name}[price]"))
                .executing());
        }
        if mode == "payment" && item.price.recurring.is_some() {
            return Err(ApiError::invalid("You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.")
                .at(format!("{name}[price]"))
                .executing());
        }
    }
    if let Some(c) = currency {
        if c != first {
            return Err(ApiError::invalid(format!(
                "`currency` ({c}) must match the currency of the line items ({first})."
            ))
            .at("currency")
            .executing());
        }
    }
    if mode == "subscription" {
        let recurring = items.iter().filter(|(_, i)| i.price.recurring.is_some()).count();
        if recurring == 0 {
            return Err(ApiError::invalid(
                "You must provide at least one recurring price in `subscription` mode when using prices.",
            )
            .at("line_items")
            .executing());
        }
        let one_time = items.len() - recurring;
        if recurring > MAX_RECURRING_ITEMS || one_time > MAX_ONE_TIME_ITEMS {
            return Err(ApiError::invalid(format!(
                "In `subscription` mode you may only specify up to {MAX_RECURRING_ITEMS} line items with recurring prices and {MAX_ONE_TIME_ITEMS} with one-time prices."
            ))
            .at("line_items")
            .executing());
        }
    }
    Ok(first)
}

/// Amounts at creation (discounts and the first shipping option applied, no tax yet): at most 8
/// digits, and a charge of at least the currency's minimum unless nothing is due.
/// "Subscription charges support zero-amount charges to account for coupons and free trials.
/// However, any non-zero amount is still subject to the applicable minimum."
/// (<https://docs.stripe.com/currencies>, "Minimum and maximum charge amounts").
fn check_amounts(p: &CreateParams, currency: &str) -> R<()> {
    let t = totals::compute(&totals::Inputs::at_creation(p)).ok_or_else(too_large)?;
    if t.subtotal > MAX_AMOUNT || t.total > MAX_AMOUNT {
        return Err(too_large());
    }
    if let Some(min) = minimum_charge(currency) {
        if t.total > 0 && t.total < min {
            return Err(ApiError::invalid(format!(
                "The Checkout Session's total amount due must add up to at least {} (the minimum charge in {currency}).",
                crate::limits::display_amount(min, currency)
            ))
            .code("amount_too_small")
            .executing());
        }
    }
    Ok(())
}

fn too_large() -> ApiError {
    ApiError::invalid(format!(
        "The Checkout Session's total amount due must be no more than {MAX_AMOUNT}."
    ))
    .code("amount_too_large")
    .executing()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{build_tree, decode_pairs};

    fn check(body: &str) -> R<CreateParams> {
        let tree = build_tree(&decode_pairs(body.as_bytes())).map_err(|e| ApiError::invalid(e.message))?;
        let dahlia = ApiVersion::parse("2026-07-29.dahlia").map_err(|e| ApiError::invalid(e.message))?;
        create_params(&tree, &Catalogue::with_defaults(), &dahlia, 1_700_000_000)
    }

    #[test]
    fn odd_shapes_are_errors_not_panics() {
        for body in [
            "mode=payment&line_items=x",
            "mode=payment&line_items[]=x",
            "mode=payment&line_items[a][price]=x",
            "mode=payment&line_items[0]=x",
            "mode=payment&line_items[0][price_data]=x",
            "mode=payment&line_items[0][price_data][product_data]=x&line_items[0][quantity]=1",
            "mode=payment&line_items[99999999999999999999999][price]=x",
            "mode[x]=payment",
            "mode=payment&metadata=x",
            "mode=payment&metadata[a][b]=c",
            "mode=setup&payment_method_types=card",
            "mode=setup&payment_method_types[0][x]=card",
            "mode=setup&expires_at=99999999999999999999",
            "mode=setup&expires_at=-",
            "mode=setup&success_url=http://",
            "mode=setup&success_url=:",
            "mode=payment&discounts=x",
            "mode=payment&shipping_options[0]=x",
            "mode=payment&custom_text[submit]=x",
            "mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=99999999&line_items[0][price_data][product_data][name]=x&line_items[0][quantity]=999999",
        ] {
            assert!(check(body).is_err(), "{body} should be rejected");
        }
        let ok = check("mode=setup&metadata=&success_url=myapp://done&payment_method_types[0]=card").expect("valid");
        assert!(ok.metadata.is_empty());
        assert_eq!(ok.payment_method_types, Some(vec!["card".to_owned()]));
    }
}
