//! The merchant's rules, applied to typed params before anything reaches Stripe.

use checkout_bridge::{CreateSessionParams, LineItemPrice};

use crate::config::Policy;
use crate::stripe_error::ApiError;

/// Metadata key that keeps an app's own `client_reference_id`, since the server forces that
/// field to the authenticated user.
pub const APP_REFERENCE_KEY: &str = "app_client_reference_id";

/// Checks `p` against `policy` and forces the fields the server owns. On success the params
/// are ready to forward.
pub fn enforce(policy: &Policy, user: &str, p: &mut CreateSessionParams) -> Result<(), ApiError> {
    let mut inline_total: i64 = 0;
    for (i, item) in p.line_items.iter().enumerate() {
        match &item.price {
            LineItemPrice::Price { id } => {
                if !policy.allowed_prices.iter().any(|a| a == id) {
                    return Err(ApiError::forbidden(
                        format!("Price {id} is not sold through this app."),
                        Some(&format!("line_items[{i}][price]")),
                    ));
                }
            }
            LineItemPrice::Inline {
                currency, unit_amount, ..
            } => {
                let field = format!("line_items[{i}][price_data]");
                if !policy.allow_inline_prices {
                    return Err(ApiError::forbidden(
                        "Inline prices are not allowed; use a configured price ID.",
                        Some(&field),
                    ));
                }
                if !policy.allowed_currencies.iter().any(|c| c == currency) {
                    return Err(ApiError::forbidden(
                        format!("Currency {currency} is not allowed."),
                        Some(&format!("{field}[currency]")),
                    ));
                }
                inline_total = unit_amount
                    .checked_mul(item.quantity)
                    .and_then(|t| t.checked_add(inline_total))
                    .unwrap_or(i64::MAX);
            }
        }
    }
    if inline_total > policy.max_amount {
        return Err(ApiError::forbidden(
            format!(
                "The total of inline-priced items exceeds the maximum of {} minor units.",
                policy.max_amount
            ),
            Some("line_items"),
        ));
    }
    let allowed = |u: &str| {
        policy
            .return_url_prefixes
            .iter()
            .any(|prefix| u.starts_with(prefix.as_str()))
    };
    match &p.success_url {
        None => {
            return Err(ApiError::invalid(
                "Missing required param: success_url.",
                Some("success_url"),
                Some("parameter_missing"),
            ))
        }
        Some(u) if !allowed(u) => {
            return Err(ApiError::forbidden(
                "success_url is not an allowed return URL.",
                Some("success_url"),
            ))
        }
        _ => {}
    }
    if let Some(u) = &p.cancel_url {
        if !allowed(u) {
            return Err(ApiError::forbidden(
                "cancel_url is not an allowed return URL.",
                Some("cancel_url"),
            ));
        }
    }
    if p.customer.is_some() {
        // A customer ID from the app could attach another customer's saved payment methods.
        return Err(ApiError::forbidden(
            "customer cannot be chosen by the app.",
            Some("customer"),
        ));
    }
    if let Some(own) = p.client_reference_id.take() {
        p.metadata.insert(APP_REFERENCE_KEY.to_owned(), own);
    }
    p.client_reference_id = Some(user.to_owned());
    Ok(())
}
