#!/usr/bin/env python3
"""Checks that the code in README.md's Kotlin or Swift blocks uses names that exist (Kotlin: also docs/*.md).

    python3 scripts/readme_api_names.py kotlin OUT_DIR   (also writes each app block to OUT_DIR/DocsKotlinN.kt)
    python3 scripts/readme_api_names.py swift [DOC.md ...]   (default README.md; e.g. docs/ios.md)

Kotlin: every `flow.name(` and `returns.name(` call and every capitalised type must exist in the
generated bindings or the Android layer. Swift: every `name(label:` call must exist in the
generated Swift or the iOS layer (for a type of the iOS layer, as an `init(label:`; names the
snippets declare themselves are the app's), and every
`checkout.member` (the guides' CheckoutModel) must be a method or property of CheckoutModel.
Exits 1 when a name is missing or too few were found.
"""
import pathlib
import re
import sys


def kotlin(text: str, out: pathlib.Path) -> tuple[list[str], int]:
    blocks = re.findall(r"```kotlin\n(.*?)```", text, re.S)
    app_blocks = [b for b in blocks if "import io.checkoutbridge" in b]  # the app code, not Gradle snippets
    kt = "\n".join(blocks)
    bk = open("bindings/kotlin/io/checkoutbridge/checkout_bridge.kt").read()
    layer = "".join(f.read_text() for d in ("android/src/main/kotlin", "kotlin-support", "kotlin-okhttp") for f in pathlib.Path(d).rglob("*.kt"))
    bad, seen = [], 0
    for name in sorted(set(re.findall(r"\bflow\.(\w+)\(", kt))):
        seen += 1
        if f"fun `{name}`" not in bk and f"fun CheckoutFlow.{name}(" not in layer:
            bad.append(f"Kotlin flow.{name}")
    for name in sorted(set(re.findall(r"\breturns\.(\w+)\(", kt))):
        seen += 1
        if not re.search(rf"\bfun {name}\(", layer):
            bad.append(f"Kotlin returns.{name}")
    own = set(re.findall(r"\b(?:fun|class|object) ([A-Z]\w+)", kt))  # declared by the docs' own code
    for name in sorted(set(re.findall(r"\b([A-Z]\w+)[(.]", kt))):
        seen += 1
        if name in ("ComponentActivity", "Application", "Bundle", "Intent", "Button", "Text", "OkHttpClient") or name in own:  # Android / AndroidX / OkHttp
            continue
        if not re.search(rf"\b(class|object) `?{name}`?\b", bk + layer):
            bad.append(f"Kotlin type {name}")
    if not app_blocks:
        bad.append("no Kotlin app code block")
    for i, block in enumerate(app_blocks):
        (out / f"DocsKotlin{i}.kt").write_text(block)
    return bad, seen


def swift(text: str) -> tuple[list[str], int]:
    sw = "\n".join(re.findall(r"```swift\n(.*?)```", text, re.S))
    bs = open("bindings/swift/CheckoutBridge.swift").read()
    layer = "".join(f.read_text() for f in pathlib.Path("ios/Sources").rglob("*.swift"))
    bad, seen = [], 0
    # Types and functions the snippets declare themselves (the app's own code).
    app = set(re.findall(r"\b(?:struct|class|enum|actor|func) (\w+)", sw)) | {"init"}
    for name, label in sorted(set(re.findall(r"\b(\w+)\((\w+):", sw))):
        seen += 1
        if name in ("urls",) or name in app:  # Foundation, or declared by the snippet
            continue
        if name in ("ClientConfig", "SimpleCheckout", "CheckoutClient", "CheckoutFlow"):
            ok = re.search(rf"\b{label}: ", bs) is not None
        elif layer_type(layer, name):  # a type of the iOS layer: an init whose first label is this
            ok = re.search(rf"\binit\(\s*{label}:", layer_type(layer, name)) is not None
        elif name[0].isupper():  # a Record's memberwise init: the struct must have that field
            decl = re.search(rf"^public struct {name}\b.*?^}}", bs, re.S | re.M)
            ok = decl is not None and re.search(rf"public var {label}: ", decl.group(0)) is not None
        else:
            ok = (re.search(rf"func {name}\({label}:", bs + layer) is not None
                  or re.search(rf"case {name}\(\s*(/\*\*.*?\*/)?\s*{label}:", bs, re.S) is not None
                  or f"case {name}({label}:" in layer)
        if not ok:
            bad.append(f"Swift {name}({label}:")
    model = layer_type(layer, "CheckoutModel")
    for member in sorted(set(re.findall(r"\bcheckout\.(\w+)\b", sw))):
        seen += 1
        if not re.search(rf"\b(func {member}\(|var {member}\b|let {member}\b)", model):
            bad.append(f"Swift checkout.{member} (CheckoutModel has no such member)")
    return bad, seen


def layer_type(layer: str, name: str) -> str:
    """The declaration of type `name` in the iOS layer's sources, or ""."""
    m = re.search(rf"^(?:[@\w]+ )*(?:class|struct|enum|actor) {name}\b.*?^}}", layer, re.S | re.M)
    return m.group(0) if m else ""


def main(argv: list[str]) -> int:
    if argv[1:2] == ["kotlin"] and len(argv) == 3:
        text = open("README.md").read()
        guides = sorted(pathlib.Path("docs").glob("*.md"))
        for g in guides:  # a guide moved to docs/NAME.md supersedes README's "## Name" section
            text = re.sub(rf"^## {re.escape(g.stem)}\n.*?(?=^## |\Z)", "", text, flags=re.S | re.M | re.I)
        bad, seen = kotlin(text + "".join(g.read_text() for g in guides), pathlib.Path(argv[2]))
    elif argv[1:2] == ["swift"]:
        bad, seen = swift("\n".join(open(f).read() for f in (argv[2:] or ["README.md"])))
    else:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    for b in bad:
        print("not in the bindings / platform layer:", b)
    print(f"{seen} names checked")
    return 1 if bad or seen < 5 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
