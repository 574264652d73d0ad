//! `line_items[N][…]`: prices from the catalogue or inline `price_data`, quantities, adjustable
//! quantities, tax rates and metadata. Sources: [node] = stripe/stripe-node
//! `src/resources/Checkout/Sessions.ts`, `SessionCreateParams.LineItem` (API 2026-07-29.dahlia).

use crate::catalogue::{Catalogue, PriceInfo};
use crate::error::ApiError;
use crate::ids::random_id;
use crate::limits::{max_interval_count, ADJUSTABLE_DEFAULT_MAX, MAX_AMOUNT, MAX_QUANTITY};
use crate::money::Decimal;
use crate::params::ItemParams;
use crate::params_view::{exclusive, is_valid_url, Obj, R};

/// (param name of the item, validated item) for each `line_items[N]`, or None when absent.
pub(crate) fn line_items(root: &Obj<'_>, catalogue: &Catalogue) -> R<Option<Vec<(String, ItemParams)>>> {
    let Some(items) = root.obj_array("line_items")? else {
        return Ok(None);
    };
    items
        .iter()
        .map(|item| Ok((item.own_name(), line_item(item, catalogue)?)))
        .collect::<R<Vec<_>>>()
        .map(Some)
}

fn line_item(item: &Obj<'_>, catalogue: &Catalogue) -> R<ItemParams> {
    // "One of `price` or `price_data` is required." — [node]
    let price = match (item.str("price")?, item.has("price_data")) {
        (Some(_), true) => return Err(exclusive("price", "price_data", &item.name("price"))),
        (None, false) => return Err(ApiError::missing(item.name("price"))),
        (Some(id), false) => catalogue.prices.get(id).cloned().ok_or_else(|| {
            ApiError::param("resource_missing", item.name("price"), format!("No such price: '{id}'")).executing()
        })?,
        (None, true) => {
            let pd = item
                .obj("price_data")?
                .ok_or_else(|| ApiError::invalid("Invalid hash").at(item.name("price_data")))?;
            price_data(&pd, catalogue)?
        }
    };
    let quantity = match item.int("quantity")? {
        // "Quantity should not be defined when `recurring.usage_type=metered`." — [node]
        Some(_) if price.metered() => {
            return Err(ApiError::invalid(format!(
                "Quantity should not be defined for a metered price ('{}'): usage is reported after checkout.",
                price.id
            ))
            .at(item.name("quantity"))
            .executing())
        }
        None if price.metered() => None,
        None => return Err(ApiError::missing(item.name("quantity"))),
        Some(q) => Some(crate::params_view::range(&item.name("quantity"), q, 1, MAX_QUANTITY)?),
    };
    let adjustable = match item.obj("adjustable_quantity")? {
        None => None,
        Some(adj) => adjustable(&adj, quantity)?,
    };
    let mut tax_rates = Vec::new();
    for (name, id) in item.str_array("tax_rates")?.unwrap_or_default() {
        let rate = catalogue.tax_rates.get(id).cloned().ok_or_else(|| {
            ApiError::param("resource_missing", name, format!("No such tax rate: '{id}'")).executing()
        })?;
        tax_rates.push(rate);
    }
    Ok(ItemParams {
        price,
        quantity,
        adjustable,
        tax_rates,
        metadata: item.metadata("metadata")?,
    })
}

/// `adjustable_quantity[enabled]` is required in the object; `minimum` defaults to 0, `maximum` to
/// 99 and may go up to 999999; "When using adjustable quantities with a line_items quantity
/// greater than 99 … set adjustable_quantity.maximum to be greater than or equal to that item's
/// quantity" (<https://stripe.com/docs/payments/checkout/adjustable-quantity>).
fn adjustable(adj: &Obj<'_>, quantity: Option<i64>) -> R<Option<(i64, i64)>> {
    let enabled = adj.required_bool("enabled")?;
    let min = adj.int_in("minimum", 0, MAX_QUANTITY)?.unwrap_or(0);
    let max = adj
        .int_in("maximum", 1, MAX_QUANTITY)?
        .unwrap_or(ADJUSTABLE_DEFAULT_MAX);
    if !enabled {
        return Ok(None);
    }
    if min > max {
        return Err(ApiError::invalid(
            "The `adjustable_quantity[minimum]` must be less than or equal to `adjustable_quantity[maximum]`.",
        )
        .at(adj.name("minimum")));
    }
    let Some(q) = quantity else {
        return Err(
            ApiError::invalid("Adjustable quantities are not available for metered prices.")
                .at(adj.name("enabled"))
                .executing(),
        );
    };
    if q < min || q > max {
        return Err(ApiError::invalid(format!(
            "The line item quantity ({q}) must be between `adjustable_quantity[minimum]` ({min}) and `adjustable_quantity[maximum]` ({max})."
        ))
        .at(adj.name("maximum")));
    }
    Ok(Some((min, max)))
}

fn price_data(pd: &Obj<'_>, catalogue: &Catalogue) -> R<PriceInfo> {
    let cur = pd
        .currency("currency")?
        .ok_or_else(|| ApiError::missing(pd.name("currency")))?;
    // "A non-negative integer in cents … One of `unit_amount` or `unit_amount_decimal` is
    // required." / "at most 12 decimal places. Only one of `unit_amount` and
    // `unit_amount_decimal` can be set." — [node]. 0 is a valid unit amount.
    let unit = match (pd.int("unit_amount")?, pd.str("unit_amount_decimal")?) {
        (Some(_), Some(_)) => {
            return Err(exclusive(
                "unit_amount",
                "unit_amount_decimal",
                &pd.name("unit_amount_decimal"),
            ))
        }
        (None, None) => return Err(ApiError::missing(pd.name("unit_amount"))),
        (Some(a), None) => Decimal::from_int(crate::params_view::range(&pd.name("unit_amount"), a, 0, MAX_AMOUNT)?),
        (None, Some(d)) => {
            let dec = Decimal::parse(d).ok_or_else(|| {
                ApiError::invalid(format!(
                    "Invalid decimal: {d} (a non-negative number with at most 12 decimal places)"
                ))
                .at(pd.name("unit_amount_decimal"))
            })?;
            if dec.cmp_int(MAX_AMOUNT).is_gt() {
                return Err(
                    ApiError::invalid(format!("This value must be less than or equal to {MAX_AMOUNT}."))
                        .at(pd.name("unit_amount_decimal")),
                );
            }
            dec
        }
    };
    let tax_behavior = pd.str("tax_behavior")?.unwrap_or("unspecified").to_owned();
    // "One of `product` or `product_data` is required." — [node]
    let (product_id, product_name, description) = match (pd.obj("product_data")?, pd.str("product")?) {
        (Some(_), Some(_)) => return Err(exclusive("product", "product_data", &pd.name("product"))),
        (None, None) => return Err(ApiError::missing(pd.name("product_data"))),
        (None, Some(id)) => {
            let p = catalogue.products.get(id).ok_or_else(|| {
                ApiError::param(
                    "resource_missing",
                    pd.name("product"),
                    format!("No such product: '{id}'"),
                )
                .executing()
            })?;
            (p.id.clone(), p.name.clone(), None)
        }
        (Some(prod), None) => {
            let name = prod.required_str("name")?;
            let description = prod.str("description")?;
            let images = prod.str_array("images")?.unwrap_or_default();
            // "up to 8 URLs" — [node] `ProductData.images`.
            if images.len() > 8 {
                return Err(ApiError::invalid("You can pass up to 8 images.").at(prod.name("images")));
            }
            for (img_name, url) in images {
                if url.len() > 2048 || !is_valid_url(url) {
                    return Err(ApiError::param("url_invalid", img_name, "Not a valid URL"));
                }
            }
            prod.metadata("metadata")?;
            prod.str("tax_code")?;
            prod.str("unit_label")?;
            (random_id("prod_", 14), name.to_owned(), description.map(str::to_owned))
        }
    };
    let recurring = match pd.obj("recurring")? {
        None => None,
        Some(rec) => {
            let interval = rec.required_str("interval")?;
            let count = rec
                .int_in("interval_count", 1, max_interval_count(interval))?
                .unwrap_or(1);
            Some((interval.to_owned(), count))
        }
    };
    Ok(PriceInfo {
        id: random_id("price_", 24),
        currency: cur,
        unit,
        product_id,
        product_name,
        description,
        recurring,
        usage_type: "licensed".into(),
        tax_behavior,
    })
}
