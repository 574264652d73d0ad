#!/usr/bin/env python3
"""Checks that the Kotlin and Swift code blocks of the documentation use names that exist.

    python3 scripts/readme_api_names.py kotlin OUT_DIR   (also writes each app block to OUT_DIR/DocsKotlin*.kt)
    python3 scripts/readme_api_names.py swift [DOC.md ...]

The documentation is README.md, docs/*.md and server/README.md (DOCS below), or the files named
after `swift`. Each file is read on its own, and a missing name is reported with its file. Kotlin: every `flow.name(` and `returns.name(` call and every capitalised type must exist in the
generated bindings or the Android layer. Swift: every `name(label:` call must exist in the
generated Swift or the iOS layer (for a type of the iOS layer, as an `init(label:`; names the
snippets declare themselves are the app's), and every
`checkout.member` (the guides' CheckoutModel) must be a method or property of CheckoutModel.
Exits 1 when a name is missing, a file of DOCS is gone, or too few names were found.
"""
import pathlib
import re
import sys

# The files whose code blocks apps copy from; docs/*.md is globbed, so a new guide is checked too.
DOCS = ["README.md", "docs/*.md", "server/README.md"]


def kotlin(text: str, out: pathlib.Path, stem: str) -> tuple[list[str], int]:
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
    for i, block in enumerate(app_blocks):
        (out / f"DocsKotlin{stem}{i}.kt").write_text(block)
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
        if name in ("urls", "package", "product") or name in app:  # Foundation, Package.swift, or the snippet's own
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


def doc_files(patterns: list[str]) -> list[pathlib.Path]:
    files = []
    for pattern in patterns:
        # A file named outright (absolute too: the checks' broken copies), else a glob from here.
        path = pathlib.Path(pattern)
        found = [path] if path.is_file() else [] if path.is_absolute() else sorted(pathlib.Path(".").glob(pattern))
        if not found:
            print(f"{pattern}: no such documentation file")
            sys.exit(1)
        files += found
    return files


def main(argv: list[str]) -> int:
    if not ((argv[1:2] == ["kotlin"] and len(argv) == 3) or argv[1:2] == ["swift"]):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    patterns = argv[2:] if argv[1] == "swift" and argv[2:] else DOCS
    bad, seen, app_code = [], 0, False
    for path in doc_files(patterns):
        text = path.read_text()
        if argv[1] == "kotlin":
            # The stem keeps the written files apart: README.md and server/README.md both have one.
            b, n = kotlin(text, pathlib.Path(argv[2]), re.sub(r"\W", "_", str(path.with_suffix(""))))
            app_code = app_code or "import io.checkoutbridge" in "".join(re.findall(r"```kotlin\n(.*?)```", text, re.S))
        else:
            b, n = swift(text)
        bad += [f"{path}: {x}" for x in b]
        seen += n
    if argv[1] == "kotlin" and not app_code:
        bad.append("no Kotlin app code block (one that imports io.checkoutbridge)")
    for b in bad:
        print("not in the bindings / platform layer:", b)
    print(f"{seen} names checked in {', '.join(patterns)}")
    return 1 if bad or seen < 5 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
