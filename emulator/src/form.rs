//! Bracket-notation form parsing (`a[b][c]=v`, `a[0][b]=v`, `a[]=v`) into a nested tree.
//!
//! The emulator deliberately shares no code with the library's encoder: this is an independent
//! reading of Stripe's wire format.

use std::collections::BTreeMap;

/// Deepest bracket nesting accepted (Stripe's own tree is at most 6 deep).
const MAX_DEPTH: usize = 16;

/// One node of a decoded form.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A plain value.
    Str(String),
    /// Keyed children; arrays sent with explicit indexes (`a[0]`) are maps with numeric keys.
    Map(BTreeMap<String, Node>),
    /// Values appended with `a[]=v`.
    List(Vec<String>),
}

/// A malformed key, reported against the offending key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FormError {
    pub param: String,
    pub message: String,
}

/// Decodes `application/x-www-form-urlencoded` bytes into ordered (name, value) pairs.
pub(crate) fn decode_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

/// Splits `a[b][c]` into `["a", "b", "c"]` and reports whether it ends in `[]` (append).
fn split_key(key: &str) -> Result<(Vec<String>, bool), FormError> {
    let bad = |why: &str| FormError {
        param: key.to_owned(),
        message: format!("Invalid parameter name: {key} ({why})."),
    };
    let (first, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    if first.is_empty() {
        return Err(bad("empty name"));
    }
    if first.contains(']') {
        return Err(bad("unbalanced brackets"));
    }
    let mut segs = vec![first.to_owned()];
    let mut append = false;
    while !rest.is_empty() {
        if append {
            return Err(bad("`[]` must come last"));
        }
        let inner = rest
            .strip_prefix('[')
            .ok_or_else(|| bad("text after a closing bracket"))?;
        let close = inner.find(']').ok_or_else(|| bad("unclosed bracket"))?;
        let seg = &inner[..close];
        if seg.contains('[') {
            return Err(bad("nested opening bracket"));
        }
        if seg.is_empty() {
            append = true;
        } else {
            segs.push(seg.to_owned());
        }
        rest = &inner[close + 1..];
        if segs.len() > MAX_DEPTH {
            return Err(bad("nested too deeply"));
        }
    }
    Ok((segs, append))
}

/// Builds the nested tree. A later plain value for the same name replaces an earlier one;
/// mixing a value and an object (or list) under one name is an error.
pub(crate) fn build_tree(pairs: &[(String, String)]) -> Result<BTreeMap<String, Node>, FormError> {
    let mut root: BTreeMap<String, Node> = BTreeMap::new();
    for (key, value) in pairs {
        let (segs, append) = split_key(key)?;
        let conflict = || FormError {
            param: key.clone(),
            message: format!("Invalid parameter {key}: it was given both as a value and as an object."),
        };
        let Some((last, parents)) = segs.split_last() else {
            continue;
        };
        let mut map = &mut root;
        for seg in parents {
            let entry = map.entry(seg.clone()).or_insert_with(|| Node::Map(BTreeMap::new()));
            map = match entry {
                Node::Map(m) => m,
                _ => return Err(conflict()),
            };
        }
        if append {
            let entry = map.entry(last.clone()).or_insert_with(|| Node::List(Vec::new()));
            match entry {
                Node::List(list) => list.push(value.clone()),
                _ => return Err(conflict()),
            }
        } else {
            match map.get_mut(last) {
                None => {
                    map.insert(last.clone(), Node::Str(value.clone()));
                }
                Some(Node::Str(s)) => *s = value.clone(),
                Some(_) => return Err(conflict()),
            }
        }
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(body: &str) -> Result<BTreeMap<String, Node>, FormError> {
        build_tree(&decode_pairs(body.as_bytes()))
    }

    #[test]
    fn nested_and_lists() {
        let t = tree("mode=payment&line_items[0][price_data][currency]=usd&payment_method_types[]=card&payment_method_types[]=link&metadata[note]=x+y")
            .expect("parses");
        assert_eq!(t.get("mode"), Some(&Node::Str("payment".into())));
        let Some(Node::Map(li)) = t.get("line_items") else {
            panic!("line_items")
        };
        let Some(Node::Map(first)) = li.get("0") else {
            panic!("0")
        };
        let Some(Node::Map(pd)) = first.get("price_data") else {
            panic!("pd")
        };
        assert_eq!(pd.get("currency"), Some(&Node::Str("usd".into())));
        assert_eq!(
            t.get("payment_method_types"),
            Some(&Node::List(vec!["card".into(), "link".into()]))
        );
        let Some(Node::Map(meta)) = t.get("metadata") else {
            panic!("metadata")
        };
        assert_eq!(meta.get("note"), Some(&Node::Str("x y".into())));
        // An encoded bracket inside a key is still a bracket once decoded: "a[b" is unclosed.
        assert!(tree("metadata[a%5Bb]=x").is_err());
    }

    #[test]
    fn malformed_keys() {
        for bad in [
            "a[b=1",
            "a]=1",
            "[a]=1",
            "a[b]c=1",
            "a[][b]=1",
            "=1",
            "a[b]=1&a=2",
            "a=1&a[b]=2",
            "a=1&a[]=2",
        ] {
            assert!(tree(bad).is_err(), "{bad} should fail");
        }
        let deep = format!("a{}=1", "[x]".repeat(40));
        assert!(tree(&deep).is_err());
    }

    #[test]
    fn last_value_wins() {
        let t = tree("mode=setup&mode=payment").expect("parses");
        assert_eq!(t.get("mode"), Some(&Node::Str("payment".into())));
    }
}
