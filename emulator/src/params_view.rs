//! A typed view over one object of a decoded form, knowing its full bracketed name, and the
//! checks every parameter shares (types, enums, lengths, URLs, currencies, metadata) with the
//! error codes Stripe documents at <https://docs.stripe.com/error-codes>.

use std::collections::BTreeMap;

use crate::error::ApiError;
use crate::form::Node;
use crate::limits::{METADATA_KEYS, METADATA_KEY_LEN, METADATA_VALUE_LEN};

pub(crate) type R<T> = Result<T, ApiError>;

/// A view of one object of the form tree.
#[derive(Clone)]
pub(crate) struct Obj<'a> {
    pub map: &'a BTreeMap<String, Node>,
    prefix: Option<String>,
}

impl<'a> Obj<'a> {
    /// The root of a request.
    pub fn root(map: &'a BTreeMap<String, Node>) -> Obj<'a> {
        Obj { map, prefix: None }
    }

    /// The full bracketed name of a key of this object.
    pub fn name(&self, key: &str) -> String {
        match &self.prefix {
            None => key.to_owned(),
            Some(p) => format!("{p}[{key}]"),
        }
    }

    /// This object's own name (`""` for the root).
    pub fn own_name(&self) -> String {
        self.prefix.clone().unwrap_or_default()
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
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

    /// A required non-empty string.
    pub fn required_str(&self, key: &str) -> R<&'a str> {
        self.str(key)?.ok_or_else(|| ApiError::missing(self.name(key)))
    }

    /// A string of at most `max` characters.
    pub fn str_max(&self, key: &str, max: usize) -> R<Option<&'a str>> {
        let v = self.str(key)?;
        if let Some(s) = v {
            too_long(&self.name(key), s, max)?;
        }
        Ok(v)
    }

    pub fn int(&self, key: &str) -> R<Option<i64>> {
        self.str(key)?.map(|s| parse_int(&self.name(key), s)).transpose()
    }

    /// An integer in `min..=max`.
    pub fn int_in(&self, key: &str, min: i64, max: i64) -> R<Option<i64>> {
        match self.int(key)? {
            None => Ok(None),
            Some(n) => range(&self.name(key), n, min, max).map(Some),
        }
    }

    pub fn bool(&self, key: &str) -> R<Option<bool>> {
        self.str(key)?.map(|s| parse_bool(&self.name(key), s)).transpose()
    }

    pub fn required_bool(&self, key: &str) -> R<bool> {
        self.bool(key)?.ok_or_else(|| ApiError::missing(self.name(key)))
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

    /// A nested object that an empty string unsets (`custom_text[submit]=`): Ok(None) then.
    pub fn emptyable_obj(&self, key: &str) -> R<Option<Obj<'a>>> {
        match self.map.get(key) {
            Some(Node::Str(s)) if s.is_empty() => Ok(None),
            _ => self.obj(key),
        }
    }

    /// An array of objects: maps with numeric keys (`k[0][a]`, `k[1][a]`) in index order.
    pub fn obj_array(&self, key: &str) -> R<Option<Vec<Obj<'a>>>> {
        let invalid = || ApiError::invalid("Invalid array").at(self.name(key));
        match self.map.get(key) {
            None => Ok(None),
            Some(Node::List(_)) | Some(Node::Str(_)) => Err(invalid()),
            Some(Node::Map(m)) => {
                let mut items = Vec::with_capacity(m.len());
                for (k, v) in m {
                    let n: u64 = k.parse().map_err(|_| invalid())?;
                    let Node::Map(inner) = v else {
                        return Err(ApiError::invalid("Invalid hash").at(format!("{}[{k}]", self.name(key))));
                    };
                    items.push((n, k, inner));
                }
                items.sort_by_key(|(n, _, _)| *n);
                Ok(Some(
                    items
                        .into_iter()
                        .map(|(_, k, inner)| Obj {
                            map: inner,
                            prefix: Some(format!("{}[{k}]", self.name(key))),
                        })
                        .collect(),
                ))
            }
        }
    }

    /// An array of non-empty strings: `k[]=v` lists or `k[0]=v` maps in index order.
    pub fn str_array(&self, key: &str) -> R<Option<Vec<(String, &'a str)>>> {
        let invalid = || ApiError::invalid("Invalid array").at(self.name(key));
        match self.map.get(key) {
            None => Ok(None),
            Some(Node::List(list)) => {
                let name = format!("{}[]", self.name(key));
                if list.iter().any(String::is_empty) {
                    return Err(empty(&name));
                }
                Ok(Some(list.iter().map(|s| (name.clone(), s.as_str())).collect()))
            }
            Some(Node::Str(_)) => Err(invalid()),
            Some(Node::Map(m)) => {
                let mut items = Vec::with_capacity(m.len());
                for (k, v) in m {
                    let n: u64 = k.parse().map_err(|_| invalid())?;
                    let name = format!("{}[{k}]", self.name(key));
                    match v {
                        Node::Str(s) if s.is_empty() => return Err(empty(&name)),
                        Node::Str(s) => items.push((n, name, s.as_str())),
                        _ => return Err(ApiError::invalid(format!("Invalid string: {name} must be a string")).at(name)),
                    }
                }
                items.sort_by_key(|(n, _, _)| *n);
                Ok(Some(items.into_iter().map(|(_, name, s)| (name, s)).collect()))
            }
        }
    }

    /// An array of strings, owned (enum values are the spec's to check: `spec_check`).
    pub fn str_list(&self, key: &str) -> R<Option<Vec<String>>> {
        Ok(self
            .str_array(key)?
            .map(|items| items.into_iter().map(|(_, v)| v.to_owned()).collect()))
    }

    /// A `map<string,string>` such as metadata; empty values are dropped (they unset a key).
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

    /// Metadata with Stripe's limits (see `limits::METADATA_*`).
    pub fn metadata(&self, key: &str) -> R<BTreeMap<String, String>> {
        let Some(meta) = self.string_map(key)? else {
            return Ok(BTreeMap::new());
        };
        let name = self.name(key);
        if meta.len() > METADATA_KEYS {
            return Err(ApiError::invalid(format!(
                "Invalid metadata: metadata can have up to {METADATA_KEYS} keys"
            ))
            .at(name));
        }
        for (k, v) in &meta {
            if k.chars().count() > METADATA_KEY_LEN {
                return Err(
                    ApiError::invalid(format!("Metadata keys can have up to {METADATA_KEY_LEN} characters"))
                        .at(format!("{name}[{k}]")),
                );
            }
            if v.chars().count() > METADATA_VALUE_LEN {
                return Err(ApiError::invalid(format!(
                    "Metadata values can have up to {METADATA_VALUE_LEN} characters"
                ))
                .at(format!("{name}[{k}]")));
            }
        }
        Ok(meta)
    }

    /// An absolute URL (see [`is_valid_url`]) of at most 5000 characters.
    pub fn url(&self, key: &str) -> R<Option<String>> {
        let Some(url) = self.str(key)? else { return Ok(None) };
        if url.len() > 5000 || !is_valid_url(url) {
            return Err(ApiError::param("url_invalid", self.name(key), "Not a valid URL"));
        }
        Ok(Some(url.to_owned()))
    }

    /// A three-letter lowercase currency code.
    pub fn currency(&self, key: &str) -> R<Option<String>> {
        match self.str(key)? {
            None => Ok(None),
            Some(c) => currency(&self.name(key), c).map(Some),
        }
    }

    /// An email address of at most 800 characters.
    pub fn email(&self, key: &str) -> R<Option<&'a str>> {
        let Some(email) = self.str_max(key, 800)? else {
            return Ok(None);
        };
        if !email.contains('@') || email.starts_with('@') || email.ends_with('@') || email.contains(char::is_whitespace)
        {
            return Err(ApiError::param(
                "email_invalid",
                self.name(key),
                format!("Invalid email address: {email}"),
            ));
        }
        Ok(Some(email))
    }
}

/// `parameter_invalid_empty`.
pub(crate) fn empty(name: &str) -> ApiError {
    ApiError::param(
        "parameter_invalid_empty",
        name,
        format!("You passed an empty string for '{name}'. We assume empty values are an attempt to unset a parameter; however '{name}' cannot be unset. You should remove '{name}' from your request or supply a non-empty value."),
    )
}

/// Parameter `name`'s value as Stripe reads an integer: optional `-`, then digits, within `i64`.
pub(crate) fn parse_int(name: &str, s: &str) -> R<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    match s.parse::<i64>() {
        Ok(n) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(ApiError::param(
            "parameter_invalid_integer",
            name,
            format!("Invalid integer: {s}"),
        )),
    }
}

/// Parameter `name`'s value as Stripe reads a boolean: `true` or `false`, nothing else.
pub(crate) fn parse_bool(name: &str, s: &str) -> R<bool> {
    match s {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::param(
            "parameter_invalid_boolean",
            name,
            format!("Invalid boolean: {s}"),
        )),
    }
}

pub(crate) fn too_long(name: &str, value: &str, max: usize) -> R<()> {
    if value.chars().count() > max {
        return Err(ApiError::invalid(format!("Invalid string: {name} must be at most {max} characters")).at(name));
    }
    Ok(())
}

pub(crate) fn range(name: &str, n: i64, min: i64, max: i64) -> R<i64> {
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

/// A value of a closed list: 400 "Invalid NAME: must be one of a, b, or c" (no code).
pub(crate) fn one_of<'s>(name: &str, value: &'s str, allowed: &[&str]) -> R<&'s str> {
    if allowed.contains(&value) {
        return Ok(value);
    }
    let list = match allowed {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{}, or {last}", init.join(", ")),
    };
    Err(ApiError::invalid(format!("Invalid {name}: must be one of {list}")).at(name))
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

/// A three-letter lowercase ISO code, else `invalid_currency`.
pub(crate) fn currency(name: &str, c: &str) -> R<String> {
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

/// `You may only specify one of these parameters: a, b.` (`parameters_exclusive`). The wording is
/// the one public integrations quote for `allow_promotion_codes` + `discounts` (e.g.
/// stripe/stripe-node issue #2248) and `customer` + `customer_email`.
pub(crate) fn exclusive(a: &str, b: &str, param: &str) -> ApiError {
    ApiError::invalid(format!("You may only specify one of these parameters: {a}, {b}."))
        .code("parameters_exclusive")
        .at(param)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn enum_messages() {
        let e = one_of("mode", "x", &["payment", "setup", "subscription"])
            .err()
            .map(|e| e.message);
        assert_eq!(
            e.as_deref(),
            Some("Invalid mode: must be one of payment, setup, or subscription")
        );
    }
}
