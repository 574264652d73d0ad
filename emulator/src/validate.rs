//! Validation of `POST /v1/checkout/sessions` parameters, with Stripe's error codes and params.

use std::collections::{BTreeMap, HashMap};

use crate::error::ApiError;
use crate::form::Node;
use crate::ids::random_id;
use crate::session::{CreateParams, PriceInfo};

/// Every top-level create parameter of the current API (create_params.txt, section B).
/// The ones not modelled are accepted and ignored.
const TOP_LEVEL: &[&str] = &[
    "adaptive_pricing",
    "after_expiration",
    "allow_promotion_codes",
    "automatic_tax",
    "billing_address_collection",
    "branding_settings",
    "cancel_url",
    "client_reference_id",
    "consent_collection",
    "currency",
    "customer",
    "customer_account",
    "customer_creation",
    "customer_email",
    "customer_update",
    "custom_fields",
    "custom_text",
    "discounts",
    "excluded_payment_method_types",
    "expand",
    "expires_at",
    "integration_identifier",
    "invoice_creation",
    "line_items",
    "locale",
    "managed_payments",
    "metadata",
    "mode",
    "name_collection",
    "optional_items",
    "origin_context",
    "payment_intent_data",
    "payment_method_collection",
    "payment_method_configuration",
    "payment_method_data",
    "payment_method_options",
    "payment_method_types",
    "permissions",
    "phone_number_collection",
    "redirect_on_completion",
    "return_url",
    "saved_payment_method_options",
    "setup_intent_data",
    "shipping_address_collection",
    "shipping_options",
    "submit_type",
    "subscription_data",
    "success_url",
    "tax_id_collection",
    "ui_mode",
    "wallet_options",
];
const LINE_ITEM: &[&str] = &[
    "adjustable_quantity",
    "metadata",
    "price",
    "price_data",
    "quantity",
    "tax_rates",
];
const PRICE_DATA: &[&str] = &[
    "currency",
    "product",
    "product_data",
    "recurring",
    "tax_behavior",
    "unit_amount",
    "unit_amount_decimal",
];
const PRODUCT_DATA: &[&str] = &["description", "images", "metadata", "name", "tax_code", "unit_label"];
const RECURRING: &[&str] = &["interval", "interval_count"];

/// Seconds of clock slack allowed around the `expires_at` window.
const EXPIRES_SLACK: i64 = 10;
/// Smallest payment-mode total, in minor units.
const MIN_AMOUNT: i64 = 50;
/// Largest total, in minor units (Stripe's eight digits).
const MAX_AMOUNT: i64 = 99_999_999;

type R<T> = Result<T, ApiError>;

/// A view of one object of the form tree, knowing its full bracketed name.
#[derive(Clone)]
pub(crate) struct Obj<'a> {
    map: &'a BTreeMap<String, Node>,
    prefix: Option<String>,
}

impl<'a> Obj<'a> {
    /// The root of a request.
    pub fn root(map: &'a BTreeMap<String, Node>) -> Obj<'a> {
        Obj { map, prefix: None }
    }

    fn name(&self, key: &str) -> String {
        match &self.prefix {
            None => key.to_owned(),
            Some(p) => format!("{p}[{key}]"),
        }
    }

    /// Rejects keys outside `known` with `parameter_unknown`.
    pub fn check_known(&self, known: &[&str]) -> R<()> {
        match self.map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(ApiError::unknown(self.name(k))),
            None => Ok(()),
        }
    }

    /// A non-empty string.
    pub fn str(&self, key: &str) -> R<Option<&'a str>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Node::Str(s)) if s.is_empty() => Err(empty(&self.name(key))),
            Some(Node::Str(s)) => Ok(Some(s)),
            Some(_) => Err(
                ApiError::invalid(format!("Invalid string: {} must be a string", self.name(key))).at(self.name(key)),
            ),
        }
    }

    pub fn int(&self, key: &str) -> R<Option<i64>> {
        let Some(s) = self.str(key)? else { return Ok(None) };
        let digits = s.strip_prefix('-').unwrap_or(s);
        match s.parse::<i64>() {
            Ok(n) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(n)),
            _ => Err(ApiError::param(
                "parameter_invalid_integer",
                self.name(key),
                format!("Invalid integer: {s}"),
            )),
        }
    }

    pub fn bool(&self, key: &str) -> R<Option<bool>> {
        match self.str(key)? {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(s) => Err(ApiError::param(
                "parameter_invalid_boolean",
                self.name(key),
                format!("Invalid boolean: {s}"),
            )),
        }
    }

    /// A nested object.
    pub fn obj(&self, key: &str) -> R<Option<Obj<'a>>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Node::Map(m)) => Ok(Some(Obj {
                map: m,
                prefix: Some(self.name(key)),
            })),
            Some(_) => Err(ApiError::invalid("Invalid hash").at(self.name(key))),
        }
    }

    /// An array: `k[]=v` lists, or maps with numeric keys (`k[0]`, `k[1]`) in index order.
    fn array(&self, key: &str) -> R<Option<Vec<(String, &'a Node)>>> {
        let invalid = || ApiError::invalid("Invalid array").at(self.name(key));
        match self.map.get(key) {
            None => Ok(None),
            Some(Node::List(_)) => Ok(None), // handled by str_array
            Some(Node::Str(_)) => Err(invalid()),
            Some(Node::Map(m)) => {
                let mut items = Vec::with_capacity(m.len());
                for (k, v) in m {
                    let n: u64 = k.parse().map_err(|_| invalid())?;
                    items.push((n, k, v));
                }
                items.sort_by_key(|(n, _, _)| *n);
                Ok(Some(
                    items
                        .into_iter()
                        .map(|(_, k, v)| (format!("{}[{k}]", self.name(key)), v))
                        .collect(),
                ))
            }
        }
    }

    /// An array of non-empty strings.
    pub fn str_array(&self, key: &str) -> R<Option<Vec<(String, &'a str)>>> {
        if let Some(Node::List(list)) = self.map.get(key) {
            let name = format!("{}[]", self.name(key));
            if list.iter().any(String::is_empty) {
                return Err(empty(&name));
            }
            return Ok(Some(list.iter().map(|s| (name.clone(), s.as_str())).collect()));
        }
        let Some(items) = self.array(key)? else { return Ok(None) };
        items
            .into_iter()
            .map(|(name, node)| match node {
                Node::Str(s) if s.is_empty() => Err(empty(&name)),
                Node::Str(s) => Ok((name, s.as_str())),
                _ => Err(ApiError::invalid(format!("Invalid string: {name} must be a string")).at(name)),
            })
            .collect::<R<Vec<_>>>()
            .map(Some)
    }

    /// A `map<string,string>` such as metadata; empty values are dropped.
    pub fn string_map(&self, key: &str) -> R<Option<BTreeMap<String, String>>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Node::Str(s)) if s.is_empty() => Ok(None),
            Some(Node::Map(m)) => {
                let mut out = BTreeMap::new();
                for (k, v) in m {
                    match v {
                        Node::Str(s) if s.is_empty() => {}
                        Node::Str(s) => {
                            out.insert(k.clone(), s.clone());
                        }
                        _ => {
                            return Err(ApiError::invalid("Invalid metadata: values must be strings")
                                .at(format!("{}[{k}]", self.name(key))))
                        }
                    }
                }
                Ok(Some(out))
            }
            Some(_) => Err(ApiError::invalid("Invalid hash").at(self.name(key))),
        }
    }
}

fn empty(name: &str) -> ApiError {
    ApiError::param(
        "parameter_invalid_empty",
        name,
        format!("You passed an empty string for '{name}'. We assume empty values are an attempt to unset a parameter; however '{name}' cannot be unset. You should remove '{name}' from your request or supply a non-empty value."),
    )
}

fn too_long(name: &str, value: &str, max: usize) -> R<()> {
    if value.chars().count() > max {
        return Err(ApiError::invalid(format!("Invalid string: {name} must be at most {max} characters")).at(name));
    }
    Ok(())
}

fn range(name: &str, n: i64, min: i64, max: i64) -> R<i64> {
    if n < min {
        return Err(ApiError::param(
            "parameter_invalid_integer",
            name,
            format!("This value must be greater than or equal to {min}."),
        ));
    }
    if n > max {
        return Err(ApiError::param(
            "parameter_invalid_integer",
            name,
            format!("This value must be less than or equal to {max}."),
        ));
    }
    Ok(n)
}

fn one_of<'s>(name: &str, value: &'s str, allowed: &[&str]) -> R<&'s str> {
    if allowed.contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::invalid(format!("Invalid {name}: must be one of {}", allowed.join(", "))).at(name))
    }
}

/// Whether `url` is an absolute URL: a scheme, and for http(s) a host. Custom schemes are fine.
pub(crate) fn is_valid_url(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    if !scheme_ok || rest.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
        let Some(after) = rest.strip_prefix("//") else {
            return false;
        };
        let authority = after.split(['/', '?', '#']).next().unwrap_or("");
        let host_port = authority.rsplit('@').next().unwrap_or("");
        let host = match host_port.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => host_port.split(':').next().unwrap_or(""),
        };
        return !host.is_empty();
    }
    true
}

fn url_param(root: &Obj<'_>, key: &str) -> R<Option<String>> {
    let Some(url) = root.str(key)? else { return Ok(None) };
    if url.len() > 5000 || !is_valid_url(url) {
        return Err(ApiError::param("url_invalid", key, "Not a valid URL"));
    }
    Ok(Some(url.to_owned()))
}

/// Validates create parameters against the price catalogue at time `now`.
pub(crate) fn create_params(
    tree: &BTreeMap<String, Node>,
    catalogue: &HashMap<String, PriceInfo>,
    now: i64,
) -> R<CreateParams> {
    let root = Obj::root(tree);
    root.check_known(TOP_LEVEL)?;
    let mode = root.str("mode")?.ok_or_else(|| ApiError::missing("mode"))?;
    let mode = one_of("mode", mode, &["payment", "setup", "subscription"])?.to_owned();

    let mut p = CreateParams {
        mode: mode.clone(),
        ..CreateParams::default()
    };
    p.success_url = url_param(&root, "success_url")?;
    p.cancel_url = url_param(&root, "cancel_url")?;
    p.customer = root.str("customer")?.map(str::to_owned);
    if let Some(c) = &p.customer {
        if !c.starts_with("cus_") {
            return Err(ApiError::param(
                "resource_missing",
                "customer",
                format!("No such customer: '{c}'"),
            ));
        }
    }
    if let Some(email) = root.str("customer_email")? {
        too_long("customer_email", email, 800)?;
        if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
            return Err(ApiError::param(
                "email_invalid",
                "customer_email",
                format!("Invalid email address: {email}"),
            ));
        }
        if p.customer.is_some() {
            return Err(
                ApiError::invalid("You may only specify one of these parameters: customer, customer_email.")
                    .code("parameters_exclusive")
                    .at("customer_email"),
            );
        }
        p.customer_email = Some(email.to_owned());
    }
    if let Some(id) = root.str("client_reference_id")? {
        too_long("client_reference_id", id, 200)?;
        p.client_reference_id = Some(id.to_owned());
    }
    if let Some(meta) = root.string_map("metadata")? {
        if meta.len() > 50 {
            return Err(ApiError::invalid("Invalid metadata: metadata can have up to 50 keys").at("metadata"));
        }
        for (k, v) in &meta {
            if k.chars().count() > 40 {
                return Err(
                    ApiError::invalid("Metadata keys can have up to 40 characters").at(format!("metadata[{k}]"))
                );
            }
            if v.chars().count() > 500 {
                return Err(
                    ApiError::invalid("Metadata values can have up to 500 characters").at(format!("metadata[{k}]"))
                );
            }
        }
        p.metadata = meta;
    }
    if let Some(at) = root.int("expires_at")? {
        if at < now + 1800 - EXPIRES_SLACK {
            return Err(ApiError::param(
                "parameter_invalid_integer",
                "expires_at",
                "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
            ));
        }
        if at > now + 86_400 + EXPIRES_SLACK {
            return Err(ApiError::param(
                "parameter_invalid_integer",
                "expires_at",
                "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
            ));
        }
        p.expires_at = Some(at);
    }
    if let Some(locale) = root.str("locale")? {
        too_long("locale", locale, 16)?;
        p.locale = Some(locale.to_owned());
    }
    if let Some(types) = root.str_array("payment_method_types")? {
        p.payment_method_types = Some(types.into_iter().map(|(_, t)| t.to_owned()).collect());
    }
    p.allow_promotion_codes = root.bool("allow_promotion_codes")?;
    if let Some(oc) = root.str("origin_context")? {
        p.origin_context = Some(one_of("origin_context", oc, &["mobile_app", "web"])?.to_owned());
    }
    p.ui_mode = root.str("ui_mode")?.map(str::to_owned);
    p.integration_identifier = root.str("integration_identifier")?.map(str::to_owned);
    if let Some(c) = root.str("currency")? {
        p.currency = Some(currency("currency", c)?);
    }

    let items = line_items(&root, catalogue)?;
    match (mode.as_str(), items) {
        ("setup", Some(_)) => {
            return Err(ApiError::invalid("You cannot pass `line_items` in `setup` mode.").at("line_items"))
        }
        ("setup", None) => {}
        (_, None) => return Err(ApiError::missing("line_items")),
        (_, Some(items)) => {
            let first_currency = items.first().map(|(_, price, _)| price.currency.clone());
            for (name, price, _) in &items {
                if Some(&price.currency) != first_currency.as_ref() {
                    return Err(
                        ApiError::invalid("All line items must use the same currency.").at(format!("{name}[price]"))
                    );
                }
                if mode == "payment" && price.recurring.is_some() {
                    return Err(ApiError::invalid("You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.").at(format!("{name}[price]")));
                }
            }
            if mode == "subscription" && !items.iter().any(|(_, price, _)| price.recurring.is_some()) {
                return Err(ApiError::invalid(
                    "You must provide at least one recurring price in `subscription` mode when using prices.",
                )
                .at("line_items"));
            }
            let total = items.iter().try_fold(0i64, |acc, (_, price, q)| {
                price.unit_amount.checked_mul(*q).and_then(|a| acc.checked_add(a))
            });
            let currency = first_currency.unwrap_or_default();
            match total {
                Some(t) if !(0..=MAX_AMOUNT).contains(&t) => return Err(too_large()),
                None => return Err(too_large()),
                Some(t) if mode == "payment" && t < MIN_AMOUNT => {
                    return Err(ApiError::invalid(format!(
                        "The Checkout Session's total amount due must add up to at least $0.50 {currency}"
                    ))
                    .code("amount_too_small"));
                }
                _ => {}
            }
            p.line_items = items.into_iter().map(|(_, price, q)| (price, q)).collect();
        }
    }
    Ok(p)
}

fn too_large() -> ApiError {
    ApiError::invalid("The Checkout Session's total amount due must be no more than 99999999.").code("amount_too_large")
}

fn currency(name: &str, c: &str) -> R<String> {
    if c.len() == 3 && c.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(c.to_owned())
    } else {
        Err(ApiError::param(
            "invalid_currency",
            name,
            format!("Invalid currency: {c}. Stripe currencies are three-letter ISO codes in lowercase."),
        ))
    }
}

/// (param name of the item, resolved price, quantity) for each line item.
fn line_items(root: &Obj<'_>, catalogue: &HashMap<String, PriceInfo>) -> R<Option<Vec<(String, PriceInfo, i64)>>> {
    let Some(nodes) = root.array("line_items")? else {
        if matches!(root.map.get("line_items"), Some(Node::List(_))) {
            return Err(ApiError::invalid("Invalid array").at("line_items"));
        }
        return Ok(None);
    };
    if nodes.len() > 100 {
        return Err(ApiError::invalid("You may only specify up to 100 line items.").at("line_items"));
    }
    let mut out = Vec::with_capacity(nodes.len());
    for (name, node) in nodes {
        let Node::Map(map) = node else {
            return Err(ApiError::invalid("Invalid hash").at(name));
        };
        let item = Obj {
            map,
            prefix: Some(name.clone()),
        };
        item.check_known(LINE_ITEM)?;
        let price = match (item.str("price")?, item.map.get("price_data")) {
            (Some(_), Some(_)) => {
                return Err(
                    ApiError::invalid("You may only specify one of these parameters: price, price_data.")
                        .code("parameters_exclusive")
                        .at(format!("{name}[price]")),
                )
            }
            (None, None) => return Err(ApiError::missing(format!("{name}[price]"))),
            (Some(id), None) => catalogue.get(id).cloned().ok_or_else(|| {
                ApiError::param(
                    "resource_missing",
                    format!("{name}[price]"),
                    format!("No such price: '{id}'"),
                )
            })?,
            (None, Some(_)) => {
                let pd = item
                    .obj("price_data")?
                    .ok_or_else(|| ApiError::invalid("Invalid hash"))?;
                price_data(&pd)?
            }
        };
        let quantity = item
            .int("quantity")?
            .ok_or_else(|| ApiError::missing(format!("{name}[quantity]")))?;
        let quantity = range(&format!("{name}[quantity]"), quantity, 1, 999_999)?;
        item.str_array("tax_rates")?;
        item.string_map("metadata")?;
        out.push((name, price, quantity));
    }
    Ok(Some(out))
}

fn price_data(pd: &Obj<'_>) -> R<PriceInfo> {
    pd.check_known(PRICE_DATA)?;
    let cur = pd
        .str("currency")?
        .ok_or_else(|| ApiError::missing(pd.name("currency")))?;
    let cur = currency(&pd.name("currency"), cur)?;
    let unit_amount = pd
        .int("unit_amount")?
        .ok_or_else(|| ApiError::missing(pd.name("unit_amount")))?;
    let unit_amount = range(&pd.name("unit_amount"), unit_amount, 0, MAX_AMOUNT)?;
    let product_data = pd.obj("product_data")?;
    let product = pd.str("product")?;
    let (product_id, product_name, description) = match (product_data, product) {
        (Some(_), Some(_)) => {
            return Err(
                ApiError::invalid("You may only specify one of these parameters: product, product_data.")
                    .code("parameters_exclusive")
                    .at(pd.name("product")),
            )
        }
        (None, None) => return Err(ApiError::missing(pd.name("product_data"))),
        (None, Some(id)) => (id.to_owned(), id.to_owned(), None),
        (Some(prod), None) => {
            prod.check_known(PRODUCT_DATA)?;
            let name = prod.str("name")?.ok_or_else(|| ApiError::missing(prod.name("name")))?;
            too_long(&prod.name("name"), name, 5000)?;
            let description = prod.str("description")?;
            if let Some(d) = description {
                too_long(&prod.name("description"), d, 40_000)?;
            }
            for (img_name, url) in prod.str_array("images")?.unwrap_or_default() {
                if url.len() > 2048 || !is_valid_url(url) {
                    return Err(ApiError::param("url_invalid", img_name, "Not a valid URL"));
                }
            }
            prod.string_map("metadata")?;
            (random_id("prod_", 14), name.to_owned(), description.map(str::to_owned))
        }
    };
    let recurring = match pd.obj("recurring")? {
        None => None,
        Some(rec) => {
            rec.check_known(RECURRING)?;
            let interval = rec
                .str("interval")?
                .ok_or_else(|| ApiError::missing(rec.name("interval")))?;
            let interval = one_of(&rec.name("interval"), interval, &["day", "week", "month", "year"])?;
            let count = rec.int("interval_count")?.unwrap_or(1);
            let count = range(&rec.name("interval_count"), count, 1, 365)?;
            Some((interval.to_owned(), count))
        }
    };
    Ok(PriceInfo {
        id: random_id("price_", 24),
        currency: cur,
        unit_amount,
        product_id,
        product_name,
        description,
        recurring,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{build_tree, decode_pairs};

    fn check(body: &str) -> R<CreateParams> {
        let tree = build_tree(&decode_pairs(body.as_bytes())).map_err(|e| ApiError::invalid(e.message))?;
        create_params(&tree, &HashMap::new(), 1_700_000_000)
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
            "mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=99999999&line_items[0][price_data][product_data][name]=x&line_items[0][quantity]=999999",
        ] {
            assert!(check(body).is_err(), "{body} should be rejected");
        }
        let ok = check("mode=setup&metadata=&success_url=myapp://done&payment_method_types[0]=card").expect("valid");
        assert!(ok.metadata.is_empty());
        assert_eq!(ok.payment_method_types, Some(vec!["card".to_owned()]));
    }

    #[test]
    fn urls() {
        for good in [
            "https://a.example/x?y={CHECKOUT_SESSION_ID}",
            "myapp://checkout/success?s=1",
            "http://127.0.0.1:8080/",
            "https://[::1]/",
            "com.example.app:/cb",
        ] {
            assert!(is_valid_url(good), "{good}");
        }
        for bad in [
            "",
            "no-scheme",
            "https://",
            "https:///path",
            "http:x",
            "https://a b.example/",
            "1http://x",
            "://x",
        ] {
            assert!(!is_valid_url(bad), "{bad}");
        }
    }
}
