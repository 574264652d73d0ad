//! Stripe's form encoding: `application/x-www-form-urlencoded` with nested keys in brackets
//! (`line_items[0][price_data][currency]=usd`), arrays indexed, booleans `true`/`false`, unset
//! fields omitted.
//!
//! Brackets in keys are written literally, as Stripe's official SDKs do; every key segment and
//! value is percent-encoded, so user text can never add or change a key.

use url::form_urlencoded::byte_serialize;

use crate::model::{CreateSessionParams, LineItemPrice};

/// Builds a form body one field at a time.
pub struct FormBody {
    out: String,
}

impl Default for FormBody {
    fn default() -> Self {
        Self::new()
    }
}

impl FormBody {
    /// An empty body.
    pub fn new() -> Self {
        FormBody {
            out: String::with_capacity(512),
        }
    }

    /// Appends `key=value`, where `key` is given as its path segments
    /// (`["line_items", "0", "quantity"]` becomes `line_items[0][quantity]`).
    pub fn push(&mut self, key: &[&str], value: &str) {
        if !self.out.is_empty() {
            self.out.push('&');
        }
        for (i, seg) in key.iter().enumerate() {
            if i > 0 {
                self.out.push('[');
            }
            self.out.extend(byte_serialize(seg.as_bytes()));
            if i > 0 {
                self.out.push(']');
            }
        }
        self.out.push('=');
        self.out.extend(byte_serialize(value.as_bytes()));
    }

    /// Appends the field only when `value` is set.
    pub fn push_opt(&mut self, key: &[&str], value: Option<&str>) {
        if let Some(v) = value {
            self.push(key, v);
        }
    }

    /// The encoded body.
    pub fn finish(self) -> String {
        self.out
    }
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// Encodes the body of `POST /v1/checkout/sessions`. Metadata keys are emitted in sorted order
/// so that the same params always give the same body (idempotent replays compare bodies).
pub fn encode_create_params(p: &CreateSessionParams) -> String {
    let mut f = FormBody::new();
    f.push(&["mode"], p.mode.as_str());
    let mut num = itoa_buf();
    for (i, item) in p.line_items.iter().enumerate() {
        let idx = i.to_string();
        let li = ["line_items", idx.as_str()];
        match &item.price {
            LineItemPrice::Price { id } => f.push(&[li[0], li[1], "price"], id),
            LineItemPrice::Inline {
                currency,
                unit_amount,
                product_name,
                description,
                images,
                recurring,
            } => {
                f.push(&[li[0], li[1], "price_data", "currency"], currency);
                f.push(
                    &[li[0], li[1], "price_data", "unit_amount"],
                    fmt_i64(&mut num, *unit_amount),
                );
                f.push(&[li[0], li[1], "price_data", "product_data", "name"], product_name);
                f.push_opt(
                    &[li[0], li[1], "price_data", "product_data", "description"],
                    description.as_deref(),
                );
                for (j, img) in images.iter().enumerate() {
                    let j = j.to_string();
                    f.push(&[li[0], li[1], "price_data", "product_data", "images", &j], img);
                }
                if let Some(r) = recurring {
                    f.push(
                        &[li[0], li[1], "price_data", "recurring", "interval"],
                        r.interval.as_str(),
                    );
                    if let Some(c) = r.interval_count {
                        f.push(
                            &[li[0], li[1], "price_data", "recurring", "interval_count"],
                            &c.to_string(),
                        );
                    }
                }
            }
        }
        f.push(&[li[0], li[1], "quantity"], fmt_i64(&mut num, item.quantity));
    }
    f.push_opt(&["success_url"], p.success_url.as_deref());
    f.push_opt(&["cancel_url"], p.cancel_url.as_deref());
    f.push_opt(&["customer_email"], p.customer_email.as_deref());
    f.push_opt(&["customer"], p.customer.as_deref());
    f.push_opt(&["client_reference_id"], p.client_reference_id.as_deref());
    let mut keys: Vec<&String> = p.metadata.keys().collect();
    keys.sort_unstable();
    for k in keys {
        f.push(&["metadata", k], &p.metadata[k]);
    }
    if let Some(t) = p.expires_at {
        f.push(&["expires_at"], fmt_i64(&mut num, t));
    }
    f.push_opt(&["locale"], p.locale.as_deref());
    for (i, t) in p.payment_method_types.iter().enumerate() {
        f.push(&["payment_method_types", &i.to_string()], t);
    }
    if let Some(b) = p.allow_promotion_codes {
        f.push(&["allow_promotion_codes"], bool_str(b));
    }
    if let Some(o) = &p.origin_context {
        f.push(&["origin_context"], o.as_str());
    }
    f.finish()
}

/// A small reusable buffer for integer formatting on the hot path.
fn itoa_buf() -> String {
    String::with_capacity(20)
}

fn fmt_i64(buf: &mut String, v: i64) -> &str {
    use std::fmt::Write;
    buf.clear();
    let _ = write!(buf, "{v}");
    buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    #[test]
    fn brackets_indexes_and_escaping() {
        let mut p = CreateSessionParams::new(CheckoutMode::Subscription);
        p.line_items.push(LineItemParams {
            price: LineItemPrice::Price { id: "price_1".into() },
            quantity: 2,
        });
        p.line_items.push(LineItemParams {
            price: LineItemPrice::Inline {
                currency: "eur".into(),
                unit_amount: 1250,
                product_name: "Tea & cake=good".into(),
                description: Some("50% off [today]".into()),
                images: vec!["https://img.example/a.png".into()],
                recurring: Some(Recurring {
                    interval: RecurringInterval::Month,
                    interval_count: Some(3),
                }),
            },
            quantity: 1,
        });
        p.success_url = Some("myapp://c/success?session_id={CHECKOUT_SESSION_ID}&state=ab".into());
        p.metadata.insert("order".into(), "42".into());
        p.metadata.insert("a&b".into(), "x=y".into());
        p.allow_promotion_codes = Some(false);
        p.payment_method_types = vec!["card".into(), "sepa_debit".into()];
        p.origin_context = Some(OriginContext::MobileApp);
        let body = encode_create_params(&p);
        let expected = [
            "mode=subscription",
            "line_items[0][price]=price_1",
            "line_items[0][quantity]=2",
            "line_items[1][price_data][currency]=eur",
            "line_items[1][price_data][unit_amount]=1250",
            "line_items[1][price_data][product_data][name]=Tea+%26+cake%3Dgood",
            "line_items[1][price_data][product_data][description]=50%25+off+%5Btoday%5D",
            "line_items[1][price_data][product_data][images][0]=https%3A%2F%2Fimg.example%2Fa.png",
            "line_items[1][price_data][recurring][interval]=month",
            "line_items[1][price_data][recurring][interval_count]=3",
            "line_items[1][quantity]=1",
            "success_url=myapp%3A%2F%2Fc%2Fsuccess%3Fsession_id%3D%7BCHECKOUT_SESSION_ID%7D%26state%3Dab",
            "metadata[a%26b]=x%3Dy",
            "metadata[order]=42",
            "payment_method_types[0]=card",
            "payment_method_types[1]=sepa_debit",
            "allow_promotion_codes=false",
            "origin_context=mobile_app",
        ]
        .join("&");
        assert_eq!(body, expected);
    }

    #[test]
    fn unset_fields_are_omitted() {
        assert_eq!(
            encode_create_params(&CreateSessionParams::new(CheckoutMode::Setup)),
            "mode=setup"
        );
    }
}
