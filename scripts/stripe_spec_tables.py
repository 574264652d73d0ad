#!/usr/bin/env python3
"""Writes the tables the emulator and the library derive from Stripe's OpenAPI spec.

Usage: stripe_spec_tables.py SPEC3_JSON STRIPE_MOCK_VERSION [--check]
       stripe_spec_tables.py SPEC3_JSON STRIPE_MOCK_VERSION --endive-spec OUT_JSON

SPEC3_JSON is the spec stripe-mock embeds (`embedded/openapi/spec3.json` of the
github.com/stripe/stripe-mock module at the pinned version; scripts/stripe-mock.sh finds it).
Two files are generated from its `POST /v1/checkout/sessions` form schema:

  emulator/src/spec_table.rs      every create parameter as one row (bracketed path, shape,
                                  required keys, enum values, maximum length, whether "" unsets it)
  src/payment_method_types.rs     the payment-method type enums of the create parameters

With --check nothing is written: the script exits 1 when a committed file differs from what the
spec gives (the test command runs it so that the tables cannot silently drift from the pin).

The spec is 2026-08-26.dahlia; the library pins a later, endive, version. The differences
between them that touch Checkout Session create are named in ENDIVE below, each with its
source, and written into both tables; --endive-spec writes a copy of the spec with them applied
(`allowed_payment_method_types` on create, endive's payment method types in the enums), which is
what scripts/stripe-mock.sh starts stripe-mock with, so that stripe-mock judges the requests the
library sends at its pinned version. Nothing else in the copy differs from stripe-mock's own.

Paths: `a[b]` for an object's key, `a[]` for an array's items, `a[*]` for the values of a map
(`metadata[*]`). The spec's `anyOf: [X, {"enum": [""]}]` is X that an empty string unsets; any
enum that lists "" is read the same way. Any other anyOf, or a construct this script does not know, stops it (so the next spec that brings
one is noticed here, not misread).
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMULATOR_TABLE = ROOT / "emulator" / "src" / "spec_table.rs"
LIBRARY_TABLE = ROOT / "src" / "payment_method_types.rs"
OPERATION = ("/v1/checkout/sessions", "post")
CONTENT = "application/x-www-form-urlencoded"

# The shapes the emulator's walker knows (emulator/src/spec_check.rs), by (type, format).
SCALARS = {
    ("string", None): "Str",
    ("string", "currency"): "Str",
    ("string", "decimal"): "Decimal",
    ("integer", None): "Int",
    ("integer", "unix-time"): "Int",
    ("number", None): "Number",
    ("boolean", None): "Bool",
}
# 2026-09-30.endive, for Checkout Session create:
#  - "Removes the payment_method_types parameter … or the new allowed_payment_method_types
#    parameter to specify a set of payment methods. The allowed_payment_method_types parameter
#    accepts an array of payment method type[s]"
#    https://docs.stripe.com/changelog/endive/2026-09-30/remove-payment-method-types-checkout-sessions
#    (read here: allowed_payment_method_types takes the names payment_method_types took);
#  - "Adds support for SeQura … You can use SeQura with Checkout Sessions"
#    https://docs.stripe.com/changelog/endive/2026-09-30/sequra-payments
ENDIVE = {
    "since": "2026-09-30",
    "replaces": ("payment_method_types", "allowed_payment_method_types"),
    "payment_method_types": ["sequra"],
}
IGNORED_KEYS = {"description", "title", "x-stripeBypassValidation", "x-stripeParam", "x-stableId"}


class SpecError(Exception):
    pass


def form_schema(spec):
    path, verb = OPERATION
    try:
        body = spec["paths"][path][verb]["requestBody"]["content"][CONTENT]["schema"]
    except KeyError as e:
        raise SpecError(f"{verb.upper()} {path} has no {CONTENT} body schema ({e})") from e
    return body


def unwrap(path, node):
    """(schema, emptyable): the one real alternative of an anyOf with the empty string."""
    if "anyOf" not in node:
        return node, False
    real = [a for a in node["anyOf"] if a.get("enum") != [""]]
    if len(real) != 1 or len(node["anyOf"]) != 2:
        raise SpecError(f"{path}: an anyOf other than [X, \"\"] ({json.dumps(node)[:200]})")
    return real[0], True


def rows_of(path, node, rows):
    node, emptyable = unwrap(path, node)
    unknown = set(node) - IGNORED_KEYS - {
        "type", "format", "enum", "maxLength", "properties", "required", "additionalProperties", "items",
    }
    if unknown:
        raise SpecError(f"{path}: unknown schema keys {sorted(unknown)}")
    kind = node.get("type")
    row = {"path": path, "emptyable": emptyable, "required": [], "values": [], "max": 0}
    if kind == "object":
        props = node.get("properties", {})
        extra = node.get("additionalProperties")
        if props and extra not in (None, False):
            raise SpecError(f"{path}: an object with both properties and additionalProperties")
        if isinstance(extra, dict):
            row["shape"] = "Map"
            rows.append(row)
            rows_of(f"{path}[*]", extra, rows)
            return
        row["shape"] = "Object"
        row["required"] = sorted(node.get("required", []))
        rows.append(row)
        for key, child in props.items():
            rows_of(f"{path}[{key}]", child, rows)
        return
    if kind == "array":
        row["shape"] = "Array"
        rows.append(row)
        rows_of(f"{path}[]", node["items"], rows)
        return
    shape = SCALARS.get((kind, node.get("format")))
    if shape is None:
        raise SpecError(f"{path}: type {kind!r} format {node.get('format')!r} is not known to the emulator")
    if "enum" in node:
        if shape != "Str":
            raise SpecError(f"{path}: an enum of type {kind}")
        shape = "Enum"
        # An enum that lists "" (`paypal[capture_method]`: "", manual) takes the empty string
        # to unset the parameter, as the anyOf form says elsewhere.
        row["values"] = [v for v in node["enum"] if v != ""]
        row["emptyable"] = emptyable or "" in node["enum"]
        if not row["values"]:
            raise SpecError(f"{path}: an enum of the empty string only")
    row["shape"] = shape
    row["max"] = node.get("maxLength", 0)
    rows.append(row)


def create_rows(spec):
    schema = form_schema(spec)
    if schema.get("additionalProperties") is not False:
        raise SpecError("the create body allows additional properties")
    rows = []
    for key, node in schema["properties"].items():
        rows_of(key, node, rows)
    rows.sort(key=lambda r: r["path"])
    if schema.get("required"):
        # Kept for the walker: the root's required keys (none at 2026-08-26.dahlia).
        rows.insert(0, {"path": "", "shape": "Object", "required": sorted(schema["required"]),
                        "values": [], "max": 0, "emptyable": False})
    return rows


def rust_str(s):
    return json.dumps(s, ensure_ascii=False)


def rust_list(items):
    return "&[" + ", ".join(rust_str(i) for i in items) + "]"


def header(source, stripe_mock_version, spec_version):
    return (
        f"//! GENERATED by scripts/stripe_spec_tables.py from the `spec3.json` of stripe-mock "
        f"{stripe_mock_version}\n"
        f"//! (Stripe API {spec_version}). Do not edit: change the pin in scripts/stripe-mock.sh and run\n"
        f"//! `scripts/stripe-mock.sh tables`. {source}\n"
    )


def emulator_table(rows, stripe_mock_version, spec_version):
    enums = {}
    for r in rows:
        if r["values"]:
            enums.setdefault(tuple(r["values"]), f"E{len(enums)}")
    out = [header("The form parameters of `POST /v1/checkout/sessions`, one row each.",
                  stripe_mock_version, spec_version)]
    out.append(f'''
/// The stripe-mock release whose spec this table comes from.
pub const STRIPE_MOCK_VERSION: &str = {rust_str(stripe_mock_version)};
/// The Stripe API version of that spec: the version the emulator's parameter rules follow.
pub const SPEC_VERSION: &str = {rust_str(spec_version)};
/// Payment method types 2026-09-30.endive added to Checkout Session create (named in the
/// generator, with its source: `sequra`, <https://docs.stripe.com/changelog/endive/2026-09-30/sequra-payments>).
pub(crate) const ENDIVE_PAYMENT_METHOD_TYPES: &[&str] = {rust_list(ENDIVE["payment_method_types"])};

/// What a parameter holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {{
    /// Named keys (`rows` hold each `path[key]`).
    Object,
    /// Any keys, each value as `path[*]` (metadata).
    Map,
    /// Indexed items, each as `path[]`.
    Array,
    /// A string.
    Str,
    /// A string from `values`.
    Enum,
    /// A decimal number written as a string (`unit_amount_decimal`).
    Decimal,
    /// An integer (unix times too).
    Int,
    /// A number, fractions allowed (`application_fee_percent`).
    Number,
    /// `true` or `false`.
    Bool,
}}

/// One parameter of the spec.
#[derive(Debug)]
pub(crate) struct Param {{
    /// Bracketed path: `a[b]` for an object's key, `a[]` for items, `a[*]` for a map's values.
    pub path: &'static str,
    pub shape: Shape,
    /// Keys an object must have.
    pub required: &'static [&'static str],
    /// The closed list of an `Enum`.
    pub values: &'static [&'static str],
    /// Maximum length in characters (0: none given).
    pub max_len: usize,
    /// Whether an empty string is accepted (it unsets the parameter).
    pub emptyable: bool,
}}

/// A row of the table (one line each, so that a regeneration diffs by parameter).
const fn p(
    path: &'static str,
    shape: Shape,
    required: &'static [&'static str],
    values: &'static [&'static str],
    max_len: usize,
    emptyable: bool,
) -> Param {{
    Param {{ path, shape, required, values, max_len, emptyable }}
}}

''')
    for values, name in enums.items():
        out.append(f"const {name}: &[&str] = {rust_list(values)};\n")
    out.append("\n/// `POST /v1/checkout/sessions`, sorted by path.\n#[rustfmt::skip]\n")
    out.append("pub(crate) const CREATE_CHECKOUT_SESSION: &[Param] = &[\n")
    for r in rows:
        values = enums[tuple(r["values"])] if r["values"] else "&[]"
        out.append(
            f"    p({rust_str(r['path'])}, Shape::{r['shape']}, {rust_list(r['required'])}, {values}, "
            f"{r['max']}, {'true' if r['emptyable'] else 'false'}),\n"
        )
    out.append("];\n")
    return "".join(out)


def library_table(rows, stripe_mock_version, spec_version):
    by_path = {r["path"]: r for r in rows}

    def enum(path):
        row = by_path.get(path)
        if row is None or not row["values"]:
            raise SpecError(f"{path}: not an enum in the spec")
        return row["values"]

    out = [header("Stripe's payment-method type names per create parameter.", stripe_mock_version, spec_version)]
    out.append(f'''
/// The API version these lists are from.
pub(crate) const SPEC_VERSION: &str = {rust_str(spec_version)};

/// `payment_method_types[]` (up to dahlia; endive's `allowed_payment_method_types[]` takes the
/// same names, see `validate.rs`).
pub(crate) const PAYMENT_METHOD_TYPES: &[&str] = {rust_list(enum("payment_method_types[]"))};

/// `excluded_payment_method_types[]`.
pub(crate) const EXCLUDED_PAYMENT_METHOD_TYPES: &[&str] = {rust_list(enum("excluded_payment_method_types[]"))};

/// Types 2026-09-30.endive added to both lists (named in the generator, with its source:
/// `sequra`, <https://docs.stripe.com/changelog/endive/2026-09-30/sequra-payments>).
pub(crate) const ENDIVE_PAYMENT_METHOD_TYPES: &[&str] = {rust_list(ENDIVE["payment_method_types"])};
''')
    return "".join(out)


def endive_spec(spec):
    """The spec with ENDIVE applied to Checkout Session create (a copy; the input is changed)."""
    props = form_schema(spec)["properties"]
    old, new = ENDIVE["replaces"]
    if new in props or old not in props:
        raise SpecError(f"the spec already has {new} or lacks {old}: update ENDIVE")
    added = ENDIVE["payment_method_types"]
    for name in (old, "excluded_payment_method_types"):
        enum = props[name]["items"]["enum"]
        if any(t in enum for t in added):
            raise SpecError(f"{name} already lists {added}: update ENDIVE")
    props[new] = json.loads(json.dumps(props[old]))
    props[new]["description"] = (
        "2026-09-30.endive (named in scripts/stripe_spec_tables.py): the payment method types "
        + old + " took, and endive's additions."
    )
    for name in (new, "excluded_payment_method_types"):
        props[name]["items"]["enum"] = sorted(props[name]["items"]["enum"] + added)
    spec["info"]["version"] = f"{ENDIVE['since']}.endive (stripe-mock's {spec['info']['version']} spec and ENDIVE)"
    return spec


def rustfmt(text, path):
    """The file as `cargo fmt` would leave it, so that --check compares like with like."""
    done = subprocess.run(
        ["rustfmt", "--edition", "2021", "--config-path", str(ROOT / "rustfmt.toml"), "--emit", "stdout", "-q"],
        input=text, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise SpecError(f"rustfmt failed on the generated {path}: {done.stderr.strip()[:500]}")
    return done.stdout


def main(argv):
    ok_args = len(argv) == 3 or (len(argv) == 4 and argv[3] == "--check")
    if len(argv) == 5 and argv[3] == "--endive-spec":
        try:
            spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
            Path(argv[4]).write_text(json.dumps(endive_spec(spec)), encoding="utf-8")
        except (OSError, ValueError, KeyError, SpecError) as e:
            print(f"stripe_spec_tables: {e}", file=sys.stderr)
            return 1
        print(f"wrote {argv[4]}")
        return 0
    if not ok_args:
        print("\n".join(__doc__.strip().splitlines()[2:4]), file=sys.stderr)
        return 2
    spec_path, stripe_mock_version = argv[1], argv[2]
    check = len(argv) == 4
    try:
        spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
        spec_version = spec["info"]["version"]
        rows = create_rows(spec)
        outputs = {
            EMULATOR_TABLE: rustfmt(emulator_table(rows, stripe_mock_version, spec_version), EMULATOR_TABLE),
            LIBRARY_TABLE: rustfmt(library_table(rows, stripe_mock_version, spec_version), LIBRARY_TABLE),
        }
    except (OSError, ValueError, KeyError, SpecError) as e:
        print(f"stripe_spec_tables: {e}", file=sys.stderr)
        return 1
    stale = []
    for path, text in outputs.items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if check:
            stale.append(path.relative_to(ROOT))
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print(f"stale (spec {spec_version}, stripe-mock {stripe_mock_version}): "
              + ", ".join(map(str, stale)) + "; run scripts/stripe-mock.sh tables", file=sys.stderr)
        return 1
    print(f"{len(rows)} create parameters of {spec_version} (stripe-mock {stripe_mock_version})"
          + (": tables current" if check else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
