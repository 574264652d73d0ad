//! Rules about the source itself, checked by reading `src/*.rs`, so that they cannot regress
//! silently: the direction of `crate::` imports between modules, and the `#[uniffi(default = …)]`
//! literals that repeat Rust constants (UniFFI accepts only literals there).

use std::collections::BTreeMap;
use std::path::Path;

/// Each module's layer. A module may use only modules on a strictly lower layer, so the
/// dependency graph has no cycles and runs one way:
/// flow → client → transport → form/validate → params → model/error, with store and return_url
/// below client, the HTTP seam (`http`, and the built-in `reqwest_transport` on it) below
/// transport, and the OS seam (`os`: randomness and the clock) under everything but the error type it returns.
/// A new file must be given a layer here.
const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("hex", 0),
    // Generated from Stripe's spec (scripts/stripe_spec_tables.py): data only.
    ("payment_method_types", 0),
    ("os", 1),
    ("http", 1),
    ("tls", 1),
    ("model", 1),
    ("config", 2),
    ("params", 2),
    ("purchase", 2),
    ("reqwest_transport", 2),
    ("form", 3),
    ("validate", 3),
    ("return_url", 4),
    ("store", 4),
    ("transport", 5),
    ("client", 6),
    ("flow", 7),
    // Test-only: this file names every module.
    ("source_rules", 8),
];

fn src_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))
}

/// Every `.rs` file directly in `src/` except the crate root, as (module name, source).
fn modules() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(src_dir()).expect("src/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_stem().expect("file name").to_string_lossy().into_owned();
            if name != "lib" {
                out.push((name, std::fs::read_to_string(&path).expect("source is readable")));
            }
        }
    }
    out.sort();
    out
}

/// The modules a source file names as `crate::module…` or `crate::{module, …}`, outside comments.
fn crate_uses(source: &str) -> Vec<String> {
    let mut used = Vec::new();
    for line in source.lines().map(str::trim_start).filter(|l| !l.starts_with("//")) {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            // `$crate::` and `other_crate::` are not ours.
            let before = rest[..at].chars().next_back();
            rest = &rest[at + "crate::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                used.extend(group.split(',').map(leading_ident).filter(|s| !s.is_empty()));
            } else {
                used.push(leading_ident(rest));
            }
        }
    }
    used
}

fn leading_ident(s: &str) -> String {
    s.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// `from → to` edges that do not go strictly down, plus modules missing from [`LAYERS`].
fn violations(modules: &[(String, String)]) -> Vec<String> {
    let layer: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let mut problems = Vec::new();
    for (name, source) in modules {
        let Some(&from) = layer.get(name.as_str()) else {
            problems.push(format!("src/{name}.rs has no layer in LAYERS"));
            continue;
        };
        for used in crate_uses(source) {
            // Items re-exported at the crate root (`crate::CheckoutError`) are not module edges.
            if let Some(&to) = layer.get(used.as_str()) {
                if to >= from {
                    problems.push(format!(
                        "src/{name}.rs (layer {from}) uses crate::{used} (layer {to}): imports must go to a lower layer"
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn crate_imports_only_run_downwards() {
    let modules = modules();
    let problems = violations(&modules);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for (name, _) in LAYERS {
        assert!(
            modules.iter().any(|(m, _)| m == name),
            "LAYERS names src/{name}.rs, which does not exist"
        );
    }
}

#[test]
fn the_layer_check_catches_an_upward_import() {
    let m = |name: &str, src: &str| (name.to_owned(), src.to_owned());
    let found = violations(&[
        m("store", "use crate::client::unix_now;"),
        m("transport", "use crate::{config::ClientConfig, flow::CheckoutFlow};"),
        m(
            "form",
            "fn f() { crate::form::x(); } // same layer is not allowed either",
        ),
        m(
            "model",
            "// use crate::flow; in a comment is fine\nuse crate::CheckoutError; // a root re-export",
        ),
        m("brand_new", ""),
    ]);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found[0].contains("src/store.rs (layer 4) uses crate::client (layer 6)"));
    assert!(found[1].contains("uses crate::flow"));
    assert!(found[2].contains("src/form.rs (layer 3) uses crate::form (layer 3)"));
    assert!(found[3].contains("src/brand_new.rs has no layer"));
}

/// Every `#[uniffi(default = LITERAL)]` in `src/`, as (module, field, literal).
fn uniffi_default_literals() -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (module, source) in modules().into_iter().filter(|(m, _)| m != "source_rules") {
        let mut pending: Option<String> = None;
        for line in source.lines().map(str::trim) {
            if let Some(at) = line.find("uniffi(default = ") {
                // `#[uniffi(default = X)]`, or `#[cfg_attr(feature = "ffi", uniffi(default = X))]`,
                // where X may hold parentheses itself (`Some(1)`): it ends at the `)` that
                // closes `uniffi(`.
                let rest = &line[at + "uniffi(default = ".len()..];
                let mut depth = 0i32;
                let end = rest
                    .char_indices()
                    .find(|&(_, c)| {
                        depth += match c {
                            '(' => 1,
                            ')' => -1,
                            _ => 0,
                        };
                        depth < 0
                    })
                    .map_or(rest.len(), |(i, _)| i);
                pending = Some(rest[..end].to_owned());
            } else if let (Some(lit), Some(decl)) = (&pending, line.strip_prefix("pub ")) {
                let field = decl.split(':').next().unwrap_or_default().trim().to_owned();
                out.push((module.clone(), field, lit.clone()));
                pending = None;
            }
        }
    }
    out
}

#[test]
fn uniffi_default_literals_match_the_rust_constants() {
    use crate::{simple_checkout_params, ClientConfig, Credential, SimpleCheckout};
    let config = ClientConfig::new(Credential::backend("t"));
    let item = simple_checkout_params(SimpleCheckout {
        amount: 100,
        currency: "usd".into(),
        name: "n".into(),
        description: None,
        success_url: None,
        cancel_url: None,
        customer_email: None,
    })
    .line_items
    .remove(0);
    // What Kotlin and Swift get by default must be what Rust's constructors give.
    assert_eq!(config.base_url, crate::STRIPE_API_BASE);
    assert_eq!(config.timeout_ms, crate::DEFAULT_TIMEOUT_MS);
    assert_eq!(config.max_retries, crate::DEFAULT_MAX_RETRIES);
    assert_eq!(item.quantity, Some(crate::DEFAULT_QUANTITY));
    let mut expected = vec![
        ("config", "base_url", format!("{:?}", crate::STRIPE_API_BASE)),
        ("config", "timeout_ms", crate::DEFAULT_TIMEOUT_MS.to_string()),
        ("config", "max_retries", crate::DEFAULT_MAX_RETRIES.to_string()),
        ("params", "quantity", format!("Some({})", crate::DEFAULT_QUANTITY)),
    ];
    let mut found = uniffi_default_literals();
    expected.sort();
    found.sort();
    let found: Vec<(&str, &str, String)> = found
        .iter()
        .map(|(m, f, l)| (m.as_str(), f.as_str(), l.clone()))
        .collect();
    assert_eq!(
        found, expected,
        "a #[uniffi(default = …)] literal differs from its Rust constant, or is new: update both together"
    );
}
