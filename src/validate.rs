//! Local validation of [`CreateSessionParams`], mirroring Stripe's own limits.
//!
//! Checking on the device turns a network round trip and a generic 400 into an immediate,
//! typed [`CheckoutError::InvalidInput`] naming the exact field.

use crate::error::CheckoutError;
use crate::model::{CheckoutMode, CreateSessionParams, LineItemPrice};

/// Stripe's maximum number of line items in one session.
pub const MAX_LINE_ITEMS: usize = 100;
/// Largest quantity Stripe accepts on a line item.
pub const MAX_QUANTITY: i64 = 999_999;
/// Session lifetime bounds, in seconds after creation.
pub const MIN_EXPIRY_SECS: i64 = 30 * 60;
/// See [`MIN_EXPIRY_SECS`].
pub const MAX_EXPIRY_SECS: i64 = 24 * 60 * 60;
const MAX_URL_LEN: usize = 5000;
const MAX_IMAGES: usize = 8;
const MAX_METADATA_KEYS: usize = 50;
const MAX_METADATA_KEY_LEN: usize = 40;
const MAX_METADATA_VALUE_LEN: usize = 500;
const MAX_CLIENT_REFERENCE_LEN: usize = 200;
/// Longest `Idempotency-Key` Stripe accepts.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

type R = Result<(), CheckoutError>;

fn err(field: impl Into<String>, reason: impl Into<String>) -> R {
    Err(CheckoutError::invalid(field, reason))
}

/// Validates `p` as of unix time `now` (seconds), as [`crate::CheckoutClient::create_session`]
/// does before sending.
///
/// # Errors
///
/// [`CheckoutError::InvalidInput`] naming the first offending field in Stripe's bracket
/// notation (`line_items[0][quantity]`) and the rule it breaks.
pub fn validate_create_params(p: &CreateSessionParams, now: i64) -> R {
    if let CheckoutMode::Unknown { .. } = p.mode {
        return err("mode", "must be payment, subscription or setup");
    }
    let needs_items = !matches!(p.mode, CheckoutMode::Setup);
    if needs_items && p.line_items.is_empty() {
        return err(
            "line_items",
            "at least one line item is required in payment and subscription modes",
        );
    }
    if p.line_items.len() > MAX_LINE_ITEMS {
        return err("line_items", format!("at most {MAX_LINE_ITEMS} line items"));
    }
    let mut currency: Option<&str> = None;
    let mut any_recurring = false;
    let mut all_inline = true;
    for (i, item) in p.line_items.iter().enumerate() {
        let f = |k: &str| format!("line_items[{i}][{k}]");
        if !(1..=MAX_QUANTITY).contains(&item.quantity) {
            return err(f("quantity"), format!("must be between 1 and {MAX_QUANTITY}"));
        }
        match &item.price {
            LineItemPrice::Price { id } => {
                all_inline = false;
                opaque_id(&f("price"), id)?;
            }
            LineItemPrice::Inline {
                currency: c,
                unit_amount,
                product_name,
                description,
                images,
                recurring,
            } => {
                let pf = |k: &str| format!("line_items[{i}][price_data][{k}]");
                currency_code(&pf("currency"), c)?;
                if let Some(prev) = currency {
                    if prev != c {
                        return err(pf("currency"), "all line items must use the same currency");
                    }
                }
                currency = Some(c);
                if *unit_amount <= 0 {
                    return err(pf("unit_amount"), "must be a positive amount in minor units");
                }
                if unit_amount
                    .checked_mul(item.quantity)
                    .is_none_or(|t| t > 99_999_999_999)
                {
                    return err(pf("unit_amount"), "amount × quantity is too large");
                }
                text(&pf("product_data][name"), product_name, 1, 5000)?;
                if let Some(d) = description {
                    text(&pf("product_data][description"), d, 1, 40_000)?;
                }
                if images.len() > MAX_IMAGES {
                    return err(pf("product_data][images"), format!("at most {MAX_IMAGES} images"));
                }
                for (j, img) in images.iter().enumerate() {
                    absolute_url(&format!("line_items[{i}][price_data][product_data][images][{j}]"), img)?;
                }
                if let Some(r) = recurring {
                    any_recurring = true;
                    if matches!(p.mode, CheckoutMode::Payment) {
                        return err(pf("recurring"), "recurring prices need subscription mode");
                    }
                    if let crate::model::RecurringInterval::Unknown { .. } = r.interval {
                        return err(pf("recurring][interval"), "must be day, week, month or year");
                    }
                    if r.interval_count.is_some_and(|c| !(1..=1000).contains(&c)) {
                        return err(pf("recurring][interval_count"), "must be between 1 and 1000");
                    }
                }
            }
        }
    }
    if matches!(p.mode, CheckoutMode::Subscription) && all_inline && !any_recurring {
        return err("line_items", "subscription mode needs at least one recurring price");
    }
    if matches!(p.mode, CheckoutMode::Setup) && !p.line_items.is_empty() {
        return err("line_items", "setup mode takes no line items");
    }
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
        text("customer_email", e, 3, 512)?;
        if !e.contains('@') || e.contains(char::is_whitespace) {
            return err("customer_email", "is not an email address");
        }
    }
    if let Some(r) = &p.client_reference_id {
        text("client_reference_id", r, 1, MAX_CLIENT_REFERENCE_LEN)?;
    }
    if p.metadata.len() > MAX_METADATA_KEYS {
        return err("metadata", format!("at most {MAX_METADATA_KEYS} keys"));
    }
    for (k, v) in &p.metadata {
        if k.is_empty() || k.chars().count() > MAX_METADATA_KEY_LEN {
            return err(
                "metadata",
                format!("keys must be 1 to {MAX_METADATA_KEY_LEN} characters"),
            );
        }
        // Brackets would be read as nesting by the form encoding on the other side.
        if k.contains(['[', ']']) || k.chars().any(char::is_control) {
            return err(
                format!("metadata[{k}]"),
                "keys must not contain brackets or control characters",
            );
        }
        if v.chars().count() > MAX_METADATA_VALUE_LEN {
            return err(
                format!("metadata[{k}]"),
                format!("values must be at most {MAX_METADATA_VALUE_LEN} characters"),
            );
        }
    }
    if let Some(t) = p.expires_at {
        if t < now + MIN_EXPIRY_SECS || t > now + MAX_EXPIRY_SECS {
            return err("expires_at", "must be between 30 minutes and 24 hours from now");
        }
    }
    if let Some(l) = &p.locale {
        if l.is_empty() || l.len() > 16 || !l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return err("locale", "expected a locale such as auto, en or pt-BR");
        }
    }
    for (i, t) in p.payment_method_types.iter().enumerate() {
        if t.is_empty()
            || t.len() > 64
            || !t
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return err(format!("payment_method_types[{i}]"), "expected a type such as card");
        }
    }
    if let Some(crate::model::OriginContext::Unknown { .. }) = p.origin_context {
        return err("origin_context", "must be mobile_app or web");
    }
    if let Some(k) = &p.idempotency_key {
        idempotency_key(k)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    const NOW: i64 = 1_800_000_000;

    fn inline(amount: i64) -> LineItemParams {
        LineItemParams {
            price: LineItemPrice::Inline {
                currency: "usd".into(),
                unit_amount: amount,
                product_name: "Tea".into(),
                description: None,
                images: vec![],
                recurring: None,
            },
            quantity: 1,
        }
    }

    fn valid() -> CreateSessionParams {
        let mut p = CreateSessionParams::new(CheckoutMode::Payment);
        p.line_items.push(inline(500));
        p.success_url = Some("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}".into());
        p.cancel_url = Some("https://shop.example/cancel".into());
        p
    }

    fn field_of(p: &CreateSessionParams) -> String {
        match validate_create_params(p, NOW) {
            Err(CheckoutError::InvalidInput { field, .. }) => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn valid_params_pass() {
        assert_eq!(validate_create_params(&valid(), NOW), Ok(()));
        let mut p = valid();
        p.expires_at = Some(NOW + MIN_EXPIRY_SECS);
        assert_eq!(validate_create_params(&p, NOW), Ok(()));
        p.expires_at = Some(NOW + MAX_EXPIRY_SECS);
        assert_eq!(validate_create_params(&p, NOW), Ok(()));
    }

    #[test]
    fn each_violation_names_its_field() {
        type Mutation = Box<dyn Fn(&mut CreateSessionParams)>;
        let cases: Vec<(&str, Mutation)> = vec![
            ("line_items", Box::new(|p| p.line_items.clear())),
            ("line_items", Box::new(|p| p.line_items = vec![inline(100); 101])),
            ("line_items[0][quantity]", Box::new(|p| p.line_items[0].quantity = 0)),
            (
                "line_items[0][quantity]",
                Box::new(|p| p.line_items[0].quantity = 1_000_000),
            ),
            (
                "line_items[0][price_data][unit_amount]",
                Box::new(|p| p.line_items[0] = inline(0)),
            ),
            (
                "line_items[0][price_data][unit_amount]",
                Box::new(|p| p.line_items[0] = inline(-5)),
            ),
            (
                "line_items[0][price_data][currency]",
                Box::new(|p| {
                    if let LineItemPrice::Inline { currency, .. } = &mut p.line_items[0].price {
                        *currency = "USD".into()
                    }
                }),
            ),
            (
                "line_items[0][price_data][currency]",
                Box::new(|p| {
                    if let LineItemPrice::Inline { currency, .. } = &mut p.line_items[0].price {
                        *currency = "usdx".into()
                    }
                }),
            ),
            (
                "line_items[0][price]",
                Box::new(|p| {
                    p.line_items[0].price = LineItemPrice::Price {
                        id: "../v1/charges".into(),
                    }
                }),
            ),
            (
                "success_url",
                Box::new(|p| p.success_url = Some("/relative/path".into())),
            ),
            (
                "cancel_url",
                Box::new(|p| p.cancel_url = Some("mailto:someone@example.com".into())),
            ),
            (
                "expires_at",
                Box::new(|p| p.expires_at = Some(NOW + MIN_EXPIRY_SECS - 1)),
            ),
            (
                "expires_at",
                Box::new(|p| p.expires_at = Some(NOW + MAX_EXPIRY_SECS + 1)),
            ),
            (
                "metadata",
                Box::new(|p| p.metadata = (0..51).map(|i| (format!("k{i}"), "v".into())).collect()),
            ),
            (
                "metadata",
                Box::new(|p| {
                    p.metadata.insert("k".repeat(41), "v".into());
                }),
            ),
            (
                "metadata[k]",
                Box::new(|p| {
                    p.metadata.insert("k".into(), "v".repeat(501));
                }),
            ),
            (
                "metadata[a[b]]",
                Box::new(|p| {
                    p.metadata.insert("a[b]".into(), "v".into());
                }),
            ),
            (
                "customer_email",
                Box::new(|p| {
                    p.customer = Some("cus_1".into());
                    p.customer_email = Some("a@b.c".into());
                }),
            ),
            (
                "client_reference_id",
                Box::new(|p| p.client_reference_id = Some("x".repeat(201))),
            ),
            (
                "idempotency_key",
                Box::new(|p| p.idempotency_key = Some("k".repeat(256))),
            ),
            (
                "idempotency_key",
                Box::new(|p| p.idempotency_key = Some("has space".into())),
            ),
            (
                "mode",
                Box::new(|p| p.mode = CheckoutMode::Unknown { value: "x".into() }),
            ),
            (
                "line_items[0][price_data][recurring]",
                Box::new(|p| {
                    if let LineItemPrice::Inline { recurring, .. } = &mut p.line_items[0].price {
                        *recurring = Some(Recurring {
                            interval: RecurringInterval::Month,
                            interval_count: None,
                        });
                    }
                }),
            ),
            ("line_items", Box::new(|p| p.mode = CheckoutMode::Subscription)),
        ];
        for (want, mutate) in cases {
            let mut p = valid();
            mutate(&mut p);
            assert_eq!(field_of(&p), want, "case {want}");
        }
    }

    #[test]
    fn setup_mode_needs_no_items() {
        let mut p = CreateSessionParams::new(CheckoutMode::Setup);
        p.success_url = Some("https://x.example/s".into());
        assert_eq!(validate_create_params(&p, NOW), Ok(()));
    }
}
