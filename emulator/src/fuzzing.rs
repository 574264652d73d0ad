//! Entry points for the cargo-fuzz targets in `fuzz/` (issue 11 item 14), hidden from the docs:
//! not part of the emulator's API. They run, without HTTP, what `POST /v1/checkout/sessions`
//! runs on a request body: the form parser, then validation and the new session's JSON.

use serde_json::Value;

use crate::catalogue::Catalogue;
use crate::form::{build_tree, decode_pairs, Node};
use crate::session::Session;
use crate::validate::create_params;
use crate::version::ApiVersion;

/// The leaves of the decoded form, in tree order: each as its bracket path and value; a value
/// appended with `a[]=v` has a last segment `[]` (one leaf per value).
///
/// # Errors
///
/// The message the API would answer for a malformed key.
pub fn form_leaves(body: &[u8]) -> Result<Vec<(Vec<String>, String)>, String> {
    fn walk(node: &Node, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
        match node {
            Node::Str(s) => out.push((path.clone(), s.clone())),
            Node::List(items) => {
                path.push("[]".to_owned());
                out.extend(items.iter().map(|v| (path.clone(), v.clone())));
                path.pop();
            }
            Node::Map(m) => {
                for (k, child) in m {
                    path.push(k.clone());
                    walk(child, path, out);
                    path.pop();
                }
            }
        }
    }
    let tree = build_tree(&decode_pairs(body)).map_err(|e| e.message)?;
    let mut out = Vec::new();
    for (k, child) in &tree {
        walk(child, &mut vec![k.clone()], &mut out);
    }
    Ok(out)
}

/// What create answers for `body` under API version `version` at unix time `now`: the new
/// session's JSON, or the error's status and message.
///
/// # Errors
///
/// The HTTP status and message of the refusal.
pub fn create_session(body: &[u8], version: &str, now: i64) -> Result<Value, (u16, String)> {
    let refuse = |e: crate::error::ApiError| (e.status, e.message);
    let version = ApiVersion::parse(version).map_err(refuse)?;
    let tree = build_tree(&decode_pairs(body)).map_err(|e| (400, e.message))?;
    let params = create_params(&tree, &Catalogue::with_defaults(), &version, now).map_err(refuse)?;
    Ok(Session::new(params, false, now, version.era()).to_json("http://127.0.0.1:1"))
}
