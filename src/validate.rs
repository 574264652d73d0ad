//! Local validation of [`CreateSessionParams`], mirroring Stripe's own rules.
//!
//! Checking on the device turns a network round trip and a generic 400 into an immediate,
//! typed [`CheckoutError::InvalidInput`] naming the exact field in Stripe's bracket notation.
//! The rule for what belongs here: refuse only what Stripe documents that it refuses, so an
//! honest request is never stopped on the device. Where the library cannot know (whether a
//! Price ID is metered, which payment method types a given month's API adds, the account's
//! settlement currency) it leaves the decision to Stripe, whose 400 names the parameter too.
//!
//! Sources: "\[node\]" = stripe/stripe-node `src/resources/Checkout/Sessions.ts`,
//! `SessionCreateParams` (the reference text generated from Stripe's OpenAPI spec, API
//! 2026-07-29.dahlia; its post-endive version for `allowed_payment_method_types`); other pages
//! are cited where used.

use crate::config::PINNED_STRIPE_VERSION;
use crate::error::CheckoutError;
use crate::model::{CheckoutMode, RecurringInterval};
use crate::params::{
    AdjustableQuantity, CreateSessionParams, CustomText, Discount, LineItemParams, LineItemPrice, ShippingOption,
};
use crate::payment_method_types::{
    ENDIVE_PAYMENT_METHOD_TYPES, EXCLUDED_PAYMENT_METHOD_TYPES, PAYMENT_METHOD_TYPES, SPEC_VERSION,
};

/// Stripe's maximum number of line items in a payment-mode session: "For `payment` mode, there
/// is a maximum of 100 line items" — \[node\] `line_items`.
pub const MAX_LINE_ITEMS: usize = 100;
/// "For `subscription` mode, there is a maximum of 20 line items with recurring Prices and 20
/// line items with one-time Prices." — \[node\] `line_items`.
pub const MAX_SUBSCRIPTION_RECURRING_ITEMS: usize = 20;
/// See [`MAX_SUBSCRIPTION_RECURRING_ITEMS`].
pub const MAX_SUBSCRIPTION_ONE_TIME_ITEMS: usize = 20;
/// Largest quantity Stripe accepts on a line item (also the largest adjustable maximum:
/// <https://stripe.com/docs/payments/checkout/adjustable-quantity>).
pub const MAX_QUANTITY: i64 = 999_999;
/// Session lifetime bounds, in seconds after creation: "It can be anywhere from 30 minutes to 24
/// hours after Checkout Session creation." — \[node\] `expires_at`.
pub const MIN_EXPIRY_SECS: i64 = 30 * 60;
/// See [`MIN_EXPIRY_SECS`].
pub const MAX_EXPIRY_SECS: i64 = 24 * 60 * 60;
/// How far the device clock may be from Stripe's before `expires_at` is refused locally.
///
/// Stripe judges `expires_at` against its own clock at creation; the device only knows its own,
/// which may be minutes off (a manually set clock, a phone that has not synced). A strict local
/// check would then refuse values Stripe accepts, or pass values Stripe refuses, so the local
/// check only catches what is wrong on any clock (milliseconds instead of seconds, a week
/// ahead) and lets the values near the edges through for Stripe to judge. Five minutes is the
/// same tolerance Stripe's libraries give webhook timestamps for clock drift
/// (<https://docs.stripe.com/webhooks>, "default tolerance of 5 minutes").
pub const CLOCK_SKEW_MARGIN_SECS: i64 = 5 * 60;
/// Checkout page languages: the closed `locale` enum of \[node\] (`SessionCreateParams.Locale`,
/// the same list in Stripe's OpenAPI spec). Region tags exist only for the ones listed:
/// `en-US`, `de-DE` and `pt-PT` are refused by Stripe; case matters.
pub const LOCALES: &[&str] = &[
    "auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil", "fr", "fr-CA", "hr", "hu",
    "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sk", "sl", "sv",
    "th", "tr", "vi", "zh", "zh-HK", "zh-TW",
];
/// `shipping_address_collection[allowed_countries][]`: the 238 codes of \[node\]
/// `ShippingAddressCollection.AllowedCountry` (ISO 3166-1 minus AS CC CU CX FM HM IR KP MH MP
/// NF PW SY UM VI, plus AC TA XK ZZ), space-separated to keep the binary small.
const SHIPPING_COUNTRIES: &str = "\
AC AD AE AF AG AI AL AM AO AQ AR AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR \
BS BT BV BW BY BZ CA CD CF CG CH CI CK CL CM CN CO CR CV CW CY CZ DE DJ DK DM DO DZ EC EE EG \
EH ER ES ET FI FJ FK FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HN HR \
HT HU ID IE IL IM IN IO IQ IS IT JE JM JO JP KE KG KH KI KM KN KR KW KY KZ LA LB LC LI LK LR \
LS LT LU LV LY MA MC MD ME MF MG MK ML MM MN MO MQ MR MS MT MU MV MW MX MY MZ NA NC NE NG NI \
NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PY QA RE RO RS RU RW SA SB SC SD SE \
SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SZ TA TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW \
TZ UA UG US UY UZ VA VC VE VG VN VU WF WS XK YE YT ZA ZM ZW ZZ";
/// `shipping_options`: "Up to a maximum of 5." — \[node\].
const MAX_SHIPPING_OPTIONS: usize = 5;
/// `discounts`: "Currently, only up to one may be specified." — \[node\].
const MAX_DISCOUNTS: usize = 1;
/// Largest amount of one line, in minor units: cards take "up to 12 digits" on
/// <https://docs.stripe.com/currencies> ("Maximum charge amounts"). Lower per-method caps (8
/// digits for most non-card methods) depend on the method the customer picks, so Stripe applies
/// them, not the library.
const MAX_LINE_AMOUNT: i64 = 999_999_999_999;
/// `unit_amount_decimal`: "at most 12 decimal places" — \[node\].
const MAX_DECIMAL_PLACES: usize = 12;
const MAX_URL_LEN: usize = 5000;
const MAX_IMAGES: usize = 8;
const MAX_METADATA_KEYS: usize = 50;
const MAX_METADATA_KEY_LEN: usize = 40;
const MAX_METADATA_VALUE_LEN: usize = 500;
const MAX_CLIENT_REFERENCE_LEN: usize = 200;
/// `custom_text[…][message]`: "Text can be up to 1200 characters in length." — \[node\].
const MAX_CUSTOM_TEXT: usize = 1200;
/// Trials: `trial_period_days` "Has to be at least 1" — \[node\]; "The trial period must be 730
/// days (2 years) or less." — <https://stripe.com/docs/subscriptions/trials>.
const MAX_TRIAL_DAYS: i64 = 730;
/// Longest `Idempotency-Key` Stripe accepts.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;
/// The first API version without `payment_method_types` on create and with
/// `allowed_payment_method_types`:
/// <https://docs.stripe.com/changelog/endive/2026-09-30/remove-payment-method-types-checkout-sessions>.
const ENDIVE: &str = "2026-09-30";

type R = Result<(), CheckoutError>;

fn err(field: impl Into<String>, reason: impl Into<String>) -> R {
    Err(CheckoutError::invalid(field, reason))
}

/// Validates `p` as of unix time `now` (seconds) for the pinned API version
/// ([`PINNED_STRIPE_VERSION`]), as [`crate::CheckoutClient::create_session`] does before sending.
///
/// # Errors
///
/// [`CheckoutError::InvalidInput`] naming the first offending field in Stripe's bracket
/// notation (`line_items[0][quantity]`) and the rule it breaks.
pub fn validate_create_params(p: &CreateSessionParams, now: i64) -> R {
    validate_for_version(p, now, PINNED_STRIPE_VERSION, false)
}

/// Whether `version` (`YYYY-MM-DD[.name]`) is 2026-09-30.endive or later. A version that does
/// not start with a date is taken as current (the client validates its shape; Stripe judges it).
pub(crate) fn is_endive_or_later(version: &str) -> bool {
    version_date(version).is_none_or(|date| date >= ENDIVE)
}

/// The `YYYY-MM-DD` a version starts with, if it does.
fn version_date(version: &str) -> Option<&str> {
    version.get(..10).filter(|date| {
        date.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
    })
}

/// [`validate_create_params`] for the API version the request will carry (a client's
/// `stripe_version` override), which decides whether `payment_method_types` or
/// `allowed_payment_method_types` exists. `backend` says the request goes to the merchant's
/// server (`Credential::backend`), which owns the customer: the rules that depend on `customer`
/// are then the server's to apply, since the app cannot know which Customer it will attach.
pub(crate) fn validate_for_version(p: &CreateSessionParams, now: i64, version: &str, backend: bool) -> R {
    if let CheckoutMode::Unknown { .. } = p.mode {
        return err("mode", "must be payment, subscription or setup");
    }
    let currency = line_items(p)?;
    urls_and_customer(p, backend)?;
    metadata("metadata", &p.metadata)?;
    if let Some(t) = p.expires_at {
        let (earliest, latest) = (
            now + MIN_EXPIRY_SECS - CLOCK_SKEW_MARGIN_SECS,
            now + MAX_EXPIRY_SECS + CLOCK_SKEW_MARGIN_SECS,
        );
        if t < earliest || t > latest {
            return err(
                "expires_at",
                "must be 30 minutes to 24 hours after creation (unix seconds; checked with 5 minutes' allowance for the device clock)",
            );
        }
    }
    if let Some(l) = &p.locale {
        if !LOCALES.contains(&l.as_str()) {
            return err(
                "locale",
                "is not one of Stripe's Checkout locales (auto, en, en-GB, fr, pt-BR, zh-TW, …; en-US and de-DE do not exist)",
            );
        }
    }
    if let Some(crate::params::OriginContext::Unknown { .. }) = p.origin_context {
        return err("origin_context", "must be mobile_app or web");
    }
    session_currency(p, currency.as_deref(), version)?;
    payment_methods(p, version)?;
    collection(p)?;
    shipping(p, currency.as_deref())?;
    discounts(p)?;
    intent_data(p)?;
    page(p)?;
    if let Some(k) = &p.idempotency_key {
        idempotency_key(k)?;
    }
    Ok(())
}

/// `field` can only be set in `modes` (the \[node\] wording: "Can only be set in `payment` and
/// `subscription` mode").
fn mode_only(p: &CreateSessionParams, field: &str, modes: &[CheckoutMode]) -> R {
    if modes.contains(&p.mode) {
        return Ok(());
    }
    let names: Vec<&str> = modes.iter().map(CheckoutMode::as_str).collect();
    err(field, format!("can only be set in {} mode", names.join(" or ")))
}

/// Line items: counts per mode, prices, quantities; returns the currency of the inline prices.
fn line_items(p: &CreateSessionParams) -> Result<Option<String>, CheckoutError> {
    match p.mode {
        CheckoutMode::Setup if !p.line_items.is_empty() => {
            return Err(CheckoutError::invalid("line_items", "setup mode takes no line items"))
        }
        CheckoutMode::Setup => return Ok(None),
        _ if p.line_items.is_empty() => {
            return Err(CheckoutError::invalid(
                "line_items",
                "at least one line item is required in payment and subscription modes",
            ))
        }
        _ => {}
    }
    if p.line_items.len() > MAX_LINE_ITEMS {
        return Err(CheckoutError::invalid(
            "line_items",
            format!("at most {MAX_LINE_ITEMS} line items"),
        ));
    }
    let mut currency: Option<&str> = None;
    let (mut recurring, mut one_time, mut by_id) = (0usize, 0usize, 0usize);
    for (i, item) in p.line_items.iter().enumerate() {
        match &item.price {
            LineItemPrice::Price { .. } => by_id += 1,
            LineItemPrice::Inline { recurring: Some(_), .. } => recurring += 1,
            LineItemPrice::Inline { .. } => one_time += 1,
        }
        if let Some(c) = line_item(p, i, item)? {
            if currency.is_some_and(|prev| prev != c) {
                return Err(CheckoutError::invalid(
                    format!("line_items[{i}][price_data][currency]"),
                    "all line items must use the same currency",
                ));
            }
            currency = Some(c);
        }
    }
    if p.mode == CheckoutMode::Subscription {
        // Whether a Price ID is recurring is known only to Stripe: refuse what is certain.
        if recurring > MAX_SUBSCRIPTION_RECURRING_ITEMS
            || one_time > MAX_SUBSCRIPTION_ONE_TIME_ITEMS
            || recurring + one_time + by_id > MAX_SUBSCRIPTION_RECURRING_ITEMS + MAX_SUBSCRIPTION_ONE_TIME_ITEMS
        {
            return Err(CheckoutError::invalid(
                "line_items",
                format!("subscription mode takes at most {MAX_SUBSCRIPTION_RECURRING_ITEMS} recurring and {MAX_SUBSCRIPTION_ONE_TIME_ITEMS} one-time line items"),
            ));
        }
        if by_id == 0 && recurring == 0 {
            return Err(CheckoutError::invalid(
                "line_items",
                "subscription mode needs at least one recurring price",
            ));
        }
    }
    Ok(currency.map(str::to_owned))
}

/// One line item; returns its inline currency.
fn line_item<'a>(
    p: &CreateSessionParams,
    i: usize,
    item: &'a LineItemParams,
) -> Result<Option<&'a str>, CheckoutError> {
    let f = |k: &str| format!("line_items[{i}][{k}]");
    if let Some(q) = item.quantity {
        if !(1..=MAX_QUANTITY).contains(&q) {
            return Err(CheckoutError::invalid(
                f("quantity"),
                format!("must be between 1 and {MAX_QUANTITY}"),
            ));
        }
    }
    if let Some(adj) = &item.adjustable_quantity {
        adjustable(&f("adjustable_quantity"), &f("quantity"), adj, item.quantity)?;
    }
    for (j, id) in item.tax_rates.iter().enumerate() {
        opaque_id(&format!("line_items[{i}][tax_rates][{j}]"), id)?;
    }
    metadata(&f("metadata"), &item.metadata)?;
    let LineItemPrice::Inline {
        currency,
        unit_amount,
        product_name,
        description,
        images,
        recurring,
        unit_amount_decimal,
        product,
        tax_behavior,
    } = &item.price
    else {
        if let LineItemPrice::Price { id } = &item.price {
            opaque_id(&f("price"), id)?;
        }
        // A Price ID may be metered ("Quantity should not be defined when
        // `recurring.usage_type=metered`" — [node] `quantity`): only Stripe knows, so a
        // missing quantity is left for Stripe to judge.
        return Ok(None);
    };
    let pf = |k: &str| format!("line_items[{i}][price_data][{k}]");
    // Inline prices cannot be metered (Checkout's `price_data[recurring]` has only `interval`
    // and `interval_count`), so they always take a quantity.
    let Some(quantity) = item.quantity else {
        return Err(CheckoutError::invalid(
            f("quantity"),
            "is required for inline prices (only a metered Price ID takes none)",
        ));
    };
    currency_code(&pf("currency"), currency)?;
    // "A non-negative integer in cents … One of `unit_amount` or `unit_amount_decimal` is
    // required." / "Only one of `unit_amount` and `unit_amount_decimal` can be set." — [node].
    // 0 is a valid unit amount (free items, trials); whether a charge meets the currency's
    // minimum depends on discounts, tax, shipping and the account's settlement currency
    // (<https://docs.stripe.com/currencies>), which Stripe knows and the device does not.
    match (unit_amount, unit_amount_decimal) {
        (Some(_), Some(_)) => {
            return Err(CheckoutError::invalid(
                pf("unit_amount_decimal"),
                "set either unit_amount or unit_amount_decimal, not both",
            ))
        }
        (None, None) => {
            return Err(CheckoutError::invalid(
                pf("unit_amount"),
                "is required (or unit_amount_decimal)",
            ))
        }
        (Some(a), None) => {
            if *a < 0 {
                return Err(CheckoutError::invalid(pf("unit_amount"), "must not be negative"));
            }
            if a.checked_mul(quantity).is_none_or(|t| t > MAX_LINE_AMOUNT) {
                return Err(CheckoutError::invalid(
                    pf("unit_amount"),
                    "amount × quantity is larger than Stripe's 12-digit maximum",
                ));
            }
        }
        (None, Some(d)) => decimal_amount(&pf("unit_amount_decimal"), d)?,
    }
    // "One of `product` or `product_data` is required." — [node]
    match (product, product_name) {
        (Some(_), Some(_)) => {
            return Err(CheckoutError::invalid(
                pf("product"),
                "set either product or product_name, not both",
            ))
        }
        (None, None) => {
            return Err(CheckoutError::invalid(
                pf("product_data"),
                "a product name is required (or an existing product)",
            ))
        }
        (Some(id), None) => {
            opaque_id(&pf("product"), id)?;
            if description.is_some() || !images.is_empty() {
                return Err(CheckoutError::invalid(
                    pf("product_data"),
                    "description and images describe a new product; an existing product already has them",
                ));
            }
        }
        (None, Some(name)) => text(&pf("product_data][name"), name, 1, 5000)?,
    }
    if let Some(d) = description {
        text(&pf("product_data][description"), d, 1, 40_000)?;
    }
    if images.len() > MAX_IMAGES {
        return Err(CheckoutError::invalid(
            pf("product_data][images"),
            format!("at most {MAX_IMAGES} images"),
        ));
    }
    for (j, img) in images.iter().enumerate() {
        absolute_url(&format!("line_items[{i}][price_data][product_data][images][{j}]"), img)?;
    }
    if let Some(crate::params::TaxBehavior::Unknown { .. }) = tax_behavior {
        return Err(CheckoutError::invalid(
            pf("tax_behavior"),
            "must be exclusive, inclusive or unspecified",
        ));
    }
    if let Some(r) = recurring {
        if p.mode == CheckoutMode::Payment {
            return Err(CheckoutError::invalid(
                pf("recurring"),
                "recurring prices need subscription mode",
            ));
        }
        // "Maximum of three years interval allowed (3 years, 36 months, or 156 weeks)" — [node]
        // `recurring.interval_count`. Stripe gives no figure for days; 1095 (3 × 365) is the
        // same reading of "three years" as the emulator's.
        let max = match r.interval {
            RecurringInterval::Year => 3,
            RecurringInterval::Month => 36,
            RecurringInterval::Week => 156,
            RecurringInterval::Day => 1095,
            RecurringInterval::Unknown { .. } => {
                return Err(CheckoutError::invalid(
                    pf("recurring][interval"),
                    "must be day, week, month or year",
                ))
            }
        };
        if r.interval_count.is_some_and(|c| !(1..=max).contains(&c)) {
            return Err(CheckoutError::invalid(
                pf("recurring][interval_count"),
                format!("must be 1 to {max} for interval {} (at most three years)", r.interval),
            ));
        }
    }
    Ok(Some(currency))
}

/// `adjustable_quantity`: `enabled` required; "default min 0 / max 99, max up to 999999"; the
/// line's quantity must lie between them
/// (<https://stripe.com/docs/payments/checkout/adjustable-quantity>; \[node\]).
fn adjustable(field: &str, quantity_field: &str, adj: &AdjustableQuantity, quantity: Option<i64>) -> R {
    let min = adj.minimum.unwrap_or(0);
    let max = adj.maximum.unwrap_or(99);
    if !(0..=MAX_QUANTITY).contains(&min) {
        return err(format!("{field}[minimum]"), format!("must be 0 to {MAX_QUANTITY}"));
    }
    if !(1..=MAX_QUANTITY).contains(&max) {
        return err(format!("{field}[maximum]"), format!("must be 1 to {MAX_QUANTITY}"));
    }
    if min > max {
        return err(format!("{field}[minimum]"), "must not be greater than maximum");
    }
    if !adj.enabled {
        return Ok(());
    }
    match quantity {
        None => err(quantity_field, "an adjustable quantity needs a starting quantity"),
        Some(q) if q < min || q > max => err(
            format!("{field}[maximum]"),
            format!("the quantity ({q}) must lie between minimum ({min}) and maximum ({max}; 99 unless set)"),
        ),
        Some(_) => Ok(()),
    }
}

/// `unit_amount_decimal`: a non-negative decimal in minor units with at most 12 decimal places.
fn decimal_amount(field: &str, d: &str) -> R {
    let (int, frac) = d.split_once('.').unwrap_or((d, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || int.len() > 12 || !digits(int) || !digits(frac) || (d.contains('.') && frac.is_empty()) {
        return err(field, "must be a non-negative decimal such as 12.5 (minor units)");
    }
    if frac.len() > MAX_DECIMAL_PLACES {
        return err(field, format!("at most {MAX_DECIMAL_PLACES} decimal places"));
    }
    Ok(())
}

fn urls_and_customer(p: &CreateSessionParams, backend: bool) -> R {
    if let Some(u) = &p.success_url {
        absolute_url("success_url", u)?;
    }
    if let Some(u) = &p.cancel_url {
        absolute_url("cancel_url", u)?;
    }
    if p.customer.is_some() && p.customer_email.is_some() {
        return err("customer_email", "set either customer or customer_email, not both");
    }
    if let Some(c) = &p.customer {
        opaque_id("customer", c)?;
    }
    if let Some(e) = &p.customer_email {
        email("customer_email", e)?;
    }
    if let Some(r) = &p.client_reference_id {
        text("client_reference_id", r, 1, MAX_CLIENT_REFERENCE_LEN)?;
    }
    if let Some(cc) = &p.customer_creation {
        // "Can only be set in `payment` and `setup` mode." — [node] `customer_creation`.
        mode_only(p, "customer_creation", &[CheckoutMode::Payment, CheckoutMode::Setup])?;
        if let crate::params::CustomerCreation::Unknown { .. } = cc {
            return err("customer_creation", "must be always or if_required");
        }
    }
    if let Some(cu) = &p.customer_update {
        // "Can only be provided when `customer` is provided." — [node] `customer_update`.
        // In backend mode the server supplies `customer` (server/README.md, `[[app_tokens]]
        // customer`) and refuses `customer_update` itself when it has none.
        if p.customer.is_none() && !backend {
            return err("customer_update", "needs customer");
        }
        for (k, v) in [("address", &cu.address), ("name", &cu.name), ("shipping", &cu.shipping)] {
            if let Some(crate::params::CustomerUpdateMode::Unknown { .. }) = v {
                return err(format!("customer_update[{k}]"), "must be auto or never");
            }
        }
    }
    Ok(())
}

/// `currency`: three lowercase letters, the line items' currency; setup mode needs it.
fn session_currency(p: &CreateSessionParams, items: Option<&str>, version: &str) -> R {
    if let Some(c) = &p.currency {
        currency_code("currency", c)?;
        if items.is_some_and(|i| i != c) {
            return err("currency", "must be the line items' currency");
        }
    }
    // dahlia: "Required in `setup` mode when `payment_method_types` is not set." — [node]
    // `currency`. At endive `payment_method_types` is gone and the reference text was not
    // reworded; the library (like the emulator) reads it as "…when
    // `allowed_payment_method_types` is not set".
    if p.mode == CheckoutMode::Setup && p.currency.is_none() {
        let listed = if is_endive_or_later(version) {
            !p.allowed_payment_method_types.is_empty()
        } else {
            !p.payment_method_types.is_empty()
        };
        if !listed {
            return err(
                "currency",
                "is required in setup mode (unless allowed_payment_method_types is set)",
            );
        }
    }
    Ok(())
}

/// `payment_method_types` (until dahlia), `allowed_payment_method_types` (from endive),
/// `excluded_payment_method_types` (since 2025-09-30.clover).
///
/// Type names are checked per parameter against Stripe's enums at the request's version:
/// `src/payment_method_types.rs`, generated from Stripe's OpenAPI spec (2026-08-26.dahlia, the
/// spec stripe-mock embeds) with endive's additions named by its generator. The lists differ:
/// `link` can be offered (`payment_method_types`, `allowed_…`) but not excluded, and `sequra`
/// exists from endive. Stripe adds types in its monthly releases, which an app cannot wait for
/// the library to follow, so a request for a version later than [`PINNED_STRIPE_VERSION`]
/// (`ClientConfig::stripe_version`, the version that added the type) gets a shape check only and
/// Stripe's judgement.
fn payment_methods(p: &CreateSessionParams, version: &str) -> R {
    let endive = is_endive_or_later(version);
    if endive && !p.payment_method_types.is_empty() {
        // "You can no longer pass `payment_method_types` when you create a Checkout Session.
        // Use dynamic payment methods … `excluded_payment_method_types` … or the new
        // `allowed_payment_method_types` parameter" — endive changelog (module docs).
        return err(
            "payment_method_types",
            format!(
                "Stripe removed payment_method_types from Checkout Session create in 2026-09-30.endive (this client sends {version}): \
                 use allowed_payment_method_types (Stripe offers the eligible ones among them) or excluded_payment_method_types, \
                 or leave both empty to manage payment methods in the Dashboard"
            ),
        );
    }
    if !endive && !p.allowed_payment_method_types.is_empty() {
        return err(
            "allowed_payment_method_types",
            format!(
                "exists from Stripe API version 2026-09-30.endive; this client sends {version}: use payment_method_types"
            ),
        );
    }
    // `allowed_payment_method_types` "is mutually exclusive with `payment_method_types`,
    // `excluded_payment_method_types`, …" (the PaymentIntent wording of the same parameter:
    // <https://docs.stripe.com/changelog/dahlia/2026-07-29/allowed-payment-method-types-parameter>).
    let allow_listed = !p.allowed_payment_method_types.is_empty() || !p.payment_method_types.is_empty();
    if allow_listed && !p.excluded_payment_method_types.is_empty() {
        return err(
            "excluded_payment_method_types",
            "cannot be combined with a list of allowed payment method types",
        );
    }
    let endive_types = if endive { ENDIVE_PAYMENT_METHOD_TYPES } else { &[] };
    for (name, list, known) in [
        ("payment_method_types", &p.payment_method_types, PAYMENT_METHOD_TYPES),
        (
            "allowed_payment_method_types",
            &p.allowed_payment_method_types,
            PAYMENT_METHOD_TYPES,
        ),
        (
            "excluded_payment_method_types",
            &p.excluded_payment_method_types,
            EXCLUDED_PAYMENT_METHOD_TYPES,
        ),
    ] {
        for (i, t) in list.iter().enumerate() {
            if t.is_empty()
                || t.len() > 64
                || !t
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return err(format!("{name}[{i}]"), "expected a type such as card or klarna");
            }
            let listed = known.contains(&t.as_str()) || endive_types.contains(&t.as_str());
            if !listed && !is_after_pinned(version) {
                return err(
                    format!("{name}[{i}]"),
                    format!(
                        "`{t}` is not one of the types Stripe takes in {name} at {version} (Stripe's list of {SPEC_VERSION} \
                         and endive's additions{}); for a type Stripe added later, set ClientConfig.stripe_version to the \
                         version that added it",
                        if name == "excluded_payment_method_types" && PAYMENT_METHOD_TYPES.contains(&t.as_str()) {
                            format!("; {t} cannot be excluded")
                        } else {
                            String::new()
                        }
                    ),
                );
            }
        }
    }
    Ok(())
}

/// Whether `version` is later than [`PINNED_STRIPE_VERSION`], whose lists the library knows.
/// Versions compare by their date; one without a date is not later.
fn is_after_pinned(version: &str) -> bool {
    version_date(version)
        .zip(version_date(PINNED_STRIPE_VERSION))
        .is_some_and(|(v, pinned)| v > pinned)
}

/// Tax, address, phone and tax ID collection.
fn collection(p: &CreateSessionParams) -> R {
    if let Some(acct) = p.automatic_tax.as_ref().and_then(|t| t.liable_account.as_ref()) {
        if !acct.starts_with("acct_") {
            return err(
                "automatic_tax[liability][account]",
                "expected a connected account ID (acct_…)",
            );
        }
        opaque_id("automatic_tax[liability][account]", acct)?;
    }
    if let Some(crate::params::BillingAddressCollection::Unknown { .. }) = p.billing_address_collection {
        return err("billing_address_collection", "must be auto or required");
    }
    if let Some(sac) = &p.shipping_address_collection {
        if sac.allowed_countries.is_empty() {
            return err(
                "shipping_address_collection[allowed_countries]",
                "name at least one country",
            );
        }
        for (i, c) in sac.allowed_countries.iter().enumerate() {
            if c.len() != 2 || !SHIPPING_COUNTRIES.split(' ').any(|k| k == c) {
                return err(
                    format!("shipping_address_collection[allowed_countries][{i}]"),
                    "is not a country Stripe ships to (two uppercase letters such as US or DE)",
                );
            }
        }
    }
    if p.phone_number_collection.is_some() {
        // "Can only be set in `payment` and `subscription` mode." — [node].
        mode_only(
            p,
            "phone_number_collection",
            &[CheckoutMode::Payment, CheckoutMode::Subscription],
        )?;
    }
    if let Some(crate::params::TaxIdRequirement::Unknown { .. }) =
        p.tax_id_collection.as_ref().and_then(|t| t.required.as_ref())
    {
        return err("tax_id_collection[required]", "must be if_supported or never");
    }
    Ok(())
}

/// `shipping_options`: at most 5, each a Shipping Rate ID or a fixed-amount inline rate in the
/// session's currency ("Shipping rates only support fixed amount values for the entire
/// order": <https://docs.stripe.com/payments/during-payment/charge-shipping>).
fn shipping(p: &CreateSessionParams, currency: Option<&str>) -> R {
    if p.shipping_options.len() > MAX_SHIPPING_OPTIONS {
        return err(
            "shipping_options",
            format!("at most {MAX_SHIPPING_OPTIONS} shipping options"),
        );
    }
    for (i, o) in p.shipping_options.iter().enumerate() {
        match o {
            ShippingOption::Rate { id } => opaque_id(&format!("shipping_options[{i}][shipping_rate]"), id)?,
            ShippingOption::Inline {
                display_name,
                amount,
                currency: c,
                tax_behavior,
                tax_code,
                delivery_estimate,
            } => {
                let f = |k: &str| format!("shipping_options[{i}][shipping_rate_data][{k}]");
                text(&f("display_name"), display_name, 1, 100)?;
                if !(0..=MAX_LINE_AMOUNT).contains(amount) {
                    return err(
                        f("fixed_amount][amount"),
                        "must be 0 or a positive amount in minor units",
                    );
                }
                currency_code(&f("fixed_amount][currency"), c)?;
                if currency.is_some_and(|s| s != c) {
                    return err(f("fixed_amount][currency"), "must be the line items' currency");
                }
                if let Some(crate::params::TaxBehavior::Unknown { .. }) = tax_behavior {
                    return err(f("tax_behavior"), "must be exclusive, inclusive or unspecified");
                }
                if let Some(code) = tax_code {
                    opaque_id(&f("tax_code"), code)?;
                }
                if let Some(est) = delivery_estimate {
                    for (k, bound) in [("minimum", &est.minimum), ("maximum", &est.maximum)] {
                        let Some(b) = bound else { continue };
                        // "Must be greater than 0." — [node] `delivery_estimate.*.value`.
                        if b.value <= 0 {
                            return err(f(&format!("delivery_estimate][{k}][value")), "must be greater than 0");
                        }
                        if let crate::params::DeliveryUnit::Unknown { .. } = b.unit {
                            return err(
                                f(&format!("delivery_estimate][{k}][unit")),
                                "must be business_day, day, hour, month or week",
                            );
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn discounts(p: &CreateSessionParams) -> R {
    if p.discounts.len() > MAX_DISCOUNTS {
        return err("discounts", "Stripe accepts one discount per session");
    }
    // Stripe answers "You may only specify one of these parameters: allow_promotion_codes,
    // discounts." (reported verbatim in stripe/stripe-node issue #2248).
    if p.allow_promotion_codes.is_some() && !p.discounts.is_empty() {
        return err("discounts", "set either discounts or allow_promotion_codes, not both");
    }
    for (i, d) in p.discounts.iter().enumerate() {
        match d {
            Discount::Coupon { id } => opaque_id(&format!("discounts[{i}][coupon]"), id)?,
            Discount::PromotionCode { id } => opaque_id(&format!("discounts[{i}][promotion_code]"), id)?,
        }
    }
    Ok(())
}

/// `subscription_data`, `payment_intent_data`, `setup_intent_data`: each belongs to its mode
/// ("A subset of parameters to be passed to … creation for Checkout Sessions in `payment` /
/// `setup` / `subscription` mode" — \[node\]).
fn intent_data(p: &CreateSessionParams) -> R {
    if let Some(s) = &p.subscription_data {
        mode_only(p, "subscription_data", &[CheckoutMode::Subscription])?;
        if s.trial_period_days.is_some_and(|d| !(1..=MAX_TRIAL_DAYS).contains(&d)) {
            return err(
                "subscription_data[trial_period_days]",
                format!("must be 1 to {MAX_TRIAL_DAYS} days"),
            );
        }
        if let Some(d) = &s.description {
            text("subscription_data[description]", d, 1, 500)?;
        }
        metadata("subscription_data[metadata]", &s.metadata)?;
    }
    if let Some(pi) = &p.payment_intent_data {
        mode_only(p, "payment_intent_data", &[CheckoutMode::Payment])?;
        if let Some(crate::params::SetupFutureUsage::Unknown { .. }) = pi.setup_future_usage {
            return err(
                "payment_intent_data[setup_future_usage]",
                "must be off_session or on_session",
            );
        }
        if let Some(d) = &pi.description {
            text("payment_intent_data[description]", d, 1, 1000)?;
        }
        if let Some(e) = &pi.receipt_email {
            email("payment_intent_data[receipt_email]", e)?;
        }
        if let Some(s) = &pi.statement_descriptor_suffix {
            statement_descriptor_suffix("payment_intent_data[statement_descriptor_suffix]", s)?;
        }
        metadata("payment_intent_data[metadata]", &pi.metadata)?;
    }
    if let Some(si) = &p.setup_intent_data {
        mode_only(p, "setup_intent_data", &[CheckoutMode::Setup])?;
        if let Some(d) = &si.description {
            text("setup_intent_data[description]", d, 1, 1000)?;
        }
        metadata("setup_intent_data[metadata]", &si.metadata)?;
    }
    Ok(())
}

/// Statement descriptors: "only Latin characters … at least one letter … must not contain
/// `<` `>` `\` `'` `"` `*`", at most 22 characters
/// (<https://docs.stripe.com/get-started/account/statement-descriptors>). The suffix is
/// appended to the account's prefix, which the device does not know, so the 5-character
/// minimum of the whole descriptor is Stripe's to check.
fn statement_descriptor_suffix(field: &str, s: &str) -> R {
    text(field, s, 1, 22)?;
    if s.chars().any(|c| !c.is_ascii() || "<>\\'\"*".contains(c)) || !s.chars().any(|c| c.is_ascii_alphabetic()) {
        return err(
            field,
            "needs at least one letter and only Latin characters other than < > \\ ' \" *",
        );
    }
    Ok(())
}

/// The page: `submit_type`, `consent_collection`, `custom_text`, `saved_payment_method_options`.
fn page(p: &CreateSessionParams) -> R {
    if let Some(s) = &p.submit_type {
        // "can only be specified on Checkout Sessions in `payment` or `subscription` mode" — [node].
        mode_only(p, "submit_type", &[CheckoutMode::Payment, CheckoutMode::Subscription])?;
        if let crate::params::SubmitType::Unknown { .. } = s {
            return err("submit_type", "must be auto, book, donate, pay or subscribe");
        }
    }
    if let Some(cc) = &p.consent_collection {
        if let Some(crate::params::PromotionsConsent::Unknown { .. }) = cc.promotions {
            return err("consent_collection[promotions]", "must be auto or none");
        }
        if let Some(crate::params::TermsOfServiceConsent::Unknown { .. }) = cc.terms_of_service {
            return err("consent_collection[terms_of_service]", "must be none or required");
        }
        if let Some(crate::params::ReuseAgreementPosition::Unknown { .. }) = cc.payment_method_reuse_agreement {
            return err(
                "consent_collection[payment_method_reuse_agreement][position]",
                "must be auto or hidden",
            );
        }
    }
    if let Some(CustomText {
        after_submit,
        shipping_address,
        submit,
        terms_of_service_acceptance,
    }) = &p.custom_text
    {
        for (k, v) in [
            ("after_submit", after_submit),
            ("shipping_address", shipping_address),
            ("submit", submit),
            ("terms_of_service_acceptance", terms_of_service_acceptance),
        ] {
            if let Some(m) = v {
                text(&format!("custom_text[{k}][message]"), m, 1, MAX_CUSTOM_TEXT)?;
            }
        }
    }
    if let Some(s) = &p.saved_payment_method_options {
        // "Only available in `payment` and `subscription` mode." — [node].
        mode_only(
            p,
            "saved_payment_method_options",
            &[CheckoutMode::Payment, CheckoutMode::Subscription],
        )?;
        for (i, f) in s.allow_redisplay_filters.iter().enumerate() {
            if let crate::params::AllowRedisplay::Unknown { .. } = f {
                return err(
                    format!("saved_payment_method_options[allow_redisplay_filters][{i}]"),
                    "must be always, limited or unspecified",
                );
            }
        }
    }
    Ok(())
}

/// Metadata: "up to 50 keys, with key names up to 40 characters long and values up to 500
/// characters long … you can't use square brackets ([ and ]) in keys" —
/// <https://docs.stripe.com/api/metadata>.
fn metadata(field: &str, m: &std::collections::HashMap<String, String>) -> R {
    if m.len() > MAX_METADATA_KEYS {
        return err(field, format!("at most {MAX_METADATA_KEYS} keys"));
    }
    for (k, v) in m {
        if k.is_empty() {
            return err(field, "keys must not be empty");
        }
        if k.chars().count() > MAX_METADATA_KEY_LEN {
            return err(
                format!("{field}[{k}]"),
                format!("keys must be at most {MAX_METADATA_KEY_LEN} characters"),
            );
        }
        // Brackets would be read as nesting by the form encoding on the other side.
        if k.contains(['[', ']']) || k.chars().any(char::is_control) {
            return err(
                format!("{field}[{k}]"),
                "keys must not contain brackets or control characters",
            );
        }
        if v.chars().count() > MAX_METADATA_VALUE_LEN {
            return err(
                format!("{field}[{k}]"),
                format!("values must be at most {MAX_METADATA_VALUE_LEN} characters"),
            );
        }
    }
    Ok(())
}

/// `Idempotency-Key` rules: 1..=255 printable ASCII characters (it travels as a header).
pub fn idempotency_key(k: &str) -> R {
    if k.is_empty() || k.len() > MAX_IDEMPOTENCY_KEY_LEN || !k.bytes().all(|b| b.is_ascii_graphic()) {
        return err(
            "idempotency_key",
            format!("must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} printable ASCII characters"),
        );
    }
    Ok(())
}

/// Opaque Stripe IDs: at most 255 characters of `[A-Za-z0-9_-]`, so an ID can never change
/// the request path (no `/`, `..`, `?` or `%`).
pub fn opaque_id(field: &str, id: &str) -> R {
    if !is_opaque_id(id) {
        return err(field, "must be 1 to 255 characters of letters, digits, '_' or '-'");
    }
    Ok(())
}

/// The rule behind [`opaque_id`], also applied to session IDs in return links.
pub(crate) fn is_opaque_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 255 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn currency_code(field: &str, c: &str) -> R {
    if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_lowercase()) {
        return err(field, "must be a three-letter lowercase ISO code such as usd");
    }
    Ok(())
}

fn email(field: &str, e: &str) -> R {
    text(field, e, 3, 512)?;
    if !e.contains('@') || e.contains(char::is_whitespace) {
        return err(field, "is not an email address");
    }
    Ok(())
}

fn text(field: &str, s: &str, min: usize, max: usize) -> R {
    let n = s.chars().count();
    if n < min || n > max {
        return err(field, format!("must be {min} to {max} characters"));
    }
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return err(field, "must not contain control characters");
    }
    Ok(())
}

fn absolute_url(field: &str, u: &str) -> R {
    if u.len() > MAX_URL_LEN {
        return err(field, format!("must be at most {MAX_URL_LEN} characters"));
    }
    if u.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return err(field, "must not contain spaces or control characters");
    }
    match url::Url::parse(u) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_none() => {
            err(field, "must have a host")
        }
        Ok(parsed) if parsed.cannot_be_a_base() => {
            err(field, "must be a hierarchical URL such as https://… or myapp://…")
        }
        Ok(_) => Ok(()),
        Err(e) => err(field, format!("must be an absolute URL ({e})")),
    }
}
