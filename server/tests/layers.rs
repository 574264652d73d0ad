//! The server's layers, checked by reading `src/` (as the library's `src/source_rules.rs` does
//! for its own): every module has a layer, and a module may name (`crate::…`, `super::…`) only
//! modules on a strictly lower layer, so the imports have no cycles and run one way. A folder's
//! `mod.rs` sits above the files in it (it re-exports them), so a file cannot import its own
//! folder's `mod.rs`; and no module may use the crate root (`lib.rs` only assembles). Test code
//! (from `#[cfg(test)]` on) may use anything.
//!
//! A new file must be given a layer in [`LAYERS`]; the README's architecture section draws the
//! same picture.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each module's layer (0 is the bottom). Folders are the parts: `base` and `telemetry` under
/// everything; Stripe's wire and the policy on pure values; the store; links, configuration and
/// fulfilment on top of them; the shared state; the HTTP handlers last.
const LAYERS: &[(&str, u8)] = &[
    ("base", 0),
    ("base::clock", 0),
    ("base::digest", 0),
    ("base::config_error", 0),
    ("base::refusal", 0),
    ("telemetry", 0),
    ("telemetry::metrics", 0),
    ("store::error", 0),
    ("fulfilment::purchase", 0),
    ("http::rate_limit", 0),
    ("http::client_addr", 1),
    ("http::serve", 2),
    ("store::pg_tls", 1),
    ("wire::webhook", 1),
    ("wire::create_form", 1),
    ("policy::group", 1),
    ("policy::minimums", 1),
    ("store::db", 2),
    ("wire", 2),
    ("policy::customer", 2),
    ("policy::discounts", 2),
    ("policy::intents", 2),
    ("policy::metadata", 2),
    ("policy::modes", 2),
    ("policy::page", 2),
    ("policy::payment_methods", 2),
    ("policy::prices", 2),
    ("policy::return_urls", 2),
    ("policy::shipping", 2),
    ("policy::tax", 2),
    ("store::migrations", 3),
    ("store::events", 3),
    ("store::ledger", 3),
    ("store::return_links", 3),
    ("policy", 3),
    ("store", 4),
    ("links::config", 4),
    ("fulfilment::error", 5),
    ("links::well_known", 5),
    ("fulfilment::fulfil", 6),
    ("fulfilment::sink", 6),
    ("config", 6),
    ("http::readiness", 6),
    ("fulfilment::outbox", 7),
    ("fulfilment::reconcile", 7),
    ("http::auth", 7),
    ("fulfilment::workers", 8),
    ("http::error", 8),
    ("fulfilment", 9),
    ("http::body", 9),
    ("http::access_log", 9),
    ("state", 10),
    ("http::app_user", 11),
    ("http::health", 11),
    ("links::return_page", 11),
    ("links", 12),
    ("http::sessions", 12),
    ("http::purchases", 12),
    ("http::webhook", 12),
    ("http::ops", 12),
    ("http::address_limit", 13),
    ("http", 14),
];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir` but the crate root and the binary, as (module path, source):
/// `policy/prices.rs` is `policy::prices`, `policy/mod.rs` is `policy`.
fn modules(dir: &Path) -> Vec<(String, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap_or(&path).with_extension("");
                let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
                let parts: Vec<&str> = parts.iter().map(String::as_str).filter(|p| *p != "mod").collect();
                let name = parts.join("::");
                if name != "lib" && name != "main" {
                    out.push((name, std::fs::read_to_string(&path).unwrap_or_default()));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn is_mod_rs(dir: &Path, module: &str) -> bool {
    dir.join(module.replace("::", "/")).join("mod.rs").exists()
}

/// The source before its tests.
fn non_test(source: &str) -> &str {
    source.find("#[cfg(test)]").map_or(source, |i| &source[..i])
}

fn ident(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// The paths after `prefix` at `rest`: `a::b::c`, or each path in `a::{b, c::{d}}`.
fn paths(prefix: Vec<String>, rest: &str, out: &mut Vec<Vec<String>>) {
    let mut segs = prefix;
    let mut rest = rest;
    loop {
        if let Some(group) = rest.strip_prefix('{') {
            // Up to the matching brace, split at top-level commas.
            let (mut depth, mut start) = (0usize, 0usize);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        paths(segs.clone(), group[start..i].trim(), out);
                        return;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        paths(segs.clone(), group[start..i].trim(), out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            return;
        }
        let id = ident(rest);
        if id.is_empty() {
            break;
        }
        segs.push(id.to_owned());
        rest = &rest[id.len()..];
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => break,
        }
    }
    if !segs.is_empty() {
        out.push(segs);
    }
}

/// Every module path a source names, absolute (`super::` resolved against `module`).
fn uses(module: &str, is_dir_module: bool, source: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for line in non_test(source)
        .lines()
        .map(str::trim_start)
        .filter(|l| !l.starts_with("//"))
    {
        for anchor in ["crate::", "super::"] {
            let mut rest = line;
            while let Some(at) = rest.find(anchor) {
                let before = rest[..at].chars().next_back();
                let after = &rest[at + anchor.len()..];
                rest = after;
                // `$crate::`, `other_crate::`, and `super::` inside `super::super::` or
                // `x::super::` are not starts of paths.
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == ':') {
                    continue;
                }
                let base: Vec<String> = if anchor == "crate::" {
                    Vec::new()
                } else {
                    let mut own: Vec<String> = module.split("::").map(str::to_owned).collect();
                    if !is_dir_module {
                        own.pop();
                    }
                    // `super` of a folder's mod.rs (or of a file) is one level up from its module.
                    if is_dir_module {
                        own.pop();
                    }
                    own
                };
                paths(base, after, &mut out);
            }
        }
    }
    out
}

/// Edges against the layers, modules without a layer, and uses of the crate root.
fn violations(dir: &Path, modules: &[(String, String)]) -> Vec<String> {
    let layer: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let tops: Vec<&str> = LAYERS.iter().map(|(m, _)| m.split("::").next().unwrap_or(m)).collect();
    let mut problems = Vec::new();
    for (name, source) in modules {
        let Some(&from) = layer.get(name.as_str()) else {
            problems.push(format!("{name} has no layer in LAYERS"));
            continue;
        };
        for path in uses(name, is_mod_rs(dir, name), source) {
            if path.first().is_some_and(|p| !tops.contains(&p.as_str())) || path.is_empty() {
                problems.push(format!(
                    "{name} uses crate::{}: the crate root only assembles; name the module",
                    path.join("::")
                ));
                continue;
            }
            // The longest prefix that is a module.
            let Some(target) = (1..=path.len())
                .rev()
                .map(|n| path[..n].join("::"))
                .find(|m| layer.contains_key(m.as_str()))
            else {
                continue;
            };
            if &target == name {
                continue;
            }
            let to = layer[target.as_str()];
            if to >= from {
                problems.push(format!(
                    "{name} (layer {from}) uses {target} (layer {to}): imports must go to a lower layer"
                ));
            }
        }
    }
    problems
}

#[test]
fn server_imports_only_run_downwards() {
    let dir = src_dir();
    let modules = modules(&dir);
    let problems = violations(&dir, &modules);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for (name, _) in LAYERS {
        assert!(
            modules.iter().any(|(m, _)| m == name),
            "LAYERS names {name}, which does not exist"
        );
    }
}

/// A copy of `src/` with one wrong import is refused, naming it; so are the crate root, a file
/// that imports its own folder's `mod.rs`, and a file without a layer.
#[test]
fn the_layer_check_catches_a_wrong_import_in_a_copy_of_the_source() {
    let copy = std::env::temp_dir().join(format!(
        "cb-layers-{}",
        checkout_bridge::new_idempotency_key().unwrap_or_default()
    ));
    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("read src").flatten() {
            let (p, t) = (entry.path(), to.join(entry.file_name()));
            if p.is_dir() {
                copy_dir(&p, &t);
            } else {
                std::fs::copy(&p, &t).expect("copy");
            }
        }
    }
    copy_dir(&src_dir(), &copy);
    assert!(violations(&copy, &modules(&copy)).is_empty(), "the copy starts clean");
    let edit = |file: &str, line: &str| {
        let path = copy.join(file);
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, format!("{line}\n{text}")).expect("write");
    };
    // The store reaching up into a request handler.
    edit("store/db.rs", "use crate::http::sessions::create;");
    // A policy group importing its folder's mod.rs (which re-exports it: a cycle).
    edit("policy/prices.rs", "use super::Policy;");
    // A module reaching for something in lib.rs.
    edit(
        "fulfilment/reconcile.rs",
        "fn f() { let _ = crate::RunningServer::base_url; }",
    );
    std::fs::write(copy.join("http/brand_new.rs"), "").expect("new file");
    let found = violations(&copy, &modules(&copy));
    let _ = std::fs::remove_dir_all(&copy);
    assert_eq!(found.len(), 4, "{found:#?}");
    let all = found.join("\n");
    for want in [
        "store::db (layer 2) uses http::sessions (layer 12)",
        "policy::prices (layer 2) uses policy (layer 3)",
        "fulfilment::reconcile uses crate::RunningServer::base_url: the crate root only assembles",
        "http::brand_new has no layer",
    ] {
        assert!(all.contains(want), "missing {want:?} in\n{all}");
    }
}

#[test]
fn paths_in_groups_and_super_resolve() {
    let src = "use crate::{a::b, c::{d, e::f}};\nuse super::g::h;\n// use crate::ignored;\nlet x = $crate::no;";
    let got: Vec<String> = uses("p::q", false, src).iter().map(|p| p.join("::")).collect();
    assert_eq!(got, ["a::b", "c::d", "c::e::f", "p::g::h"]);
    let from_mod: Vec<String> = uses("p", true, "use super::x;").iter().map(|p| p.join("::")).collect();
    assert_eq!(from_mod, ["x"]);
}
