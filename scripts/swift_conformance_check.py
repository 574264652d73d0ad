#!/usr/bin/env python3
"""Checks that each generated type whose `description` is Rust's Display is CustomStringConvertible once.

    python3 scripts/swift_conformance_check.py BINDINGS.swift SOURCES_DIR

uniffi 0.32 generates `public var description: String { … }` (Rust's `Display`, exported with
`#[uniffi::export(Display)]`) into records, enums and errors, and declares `CustomStringConvertible`
on records and enums but not on error enums: `CheckoutError.localizedDescription` (its
`errorDescription` is `String(reflecting: self)`), `"\\(error)"` and `print(error)` then show a dump
of the enum case instead of the library's sentence. The iOS layer (SOURCES_DIR, ios/Sources, without
its git-ignored Generated/ copy of the bindings) declares the missing conformance.

For every type of BINDINGS.swift with such a computed `description`: exactly one of the generated
declaration and SOURCES_DIR's `extension TYPE: CustomStringConvertible` must declare the
conformance. None: the dump again. Both: a redundant conformance, which does not compile (the day a
uniffi upgrade adds it, delete the extension). An extension for a type without a generated
`description` does not compile either. Exits 1 on any problem, 2 on a usage or I/O error.
"""
from __future__ import annotations

import pathlib
import re
import sys

from swift_check_cli import run

# A top-level type declaration (`public` may stand on the line before, as uniffi writes errors).
DECLARATION = re.compile(r"^(?:(?:public|open)\s+)*(?:indirect\s+)?(?:enum|struct|class)\s+(\w+)\s*(?::\s*([^{]*))?\{",
                         re.M)
DISPLAY = re.compile(r"^\s*public var description: String\s*\{", re.M)


def conforms(conformances: str) -> bool:
    return re.search(r"\bCustomStringConvertible\b", conformances) is not None


def generated(bindings: str) -> dict[str, bool]:
    """type -> whether its declaration lists CustomStringConvertible, for types with a Display `description`"""
    found = {}
    declarations = list(DECLARATION.finditer(bindings))
    for i, m in enumerate(declarations):
        end = declarations[i + 1].start() if i + 1 < len(declarations) else len(bindings)
        if DISPLAY.search(bindings, m.end(), end):
            name = m.group(1)
            extension = re.search(rf"^extension\s+{name}\s*:[^{{]*\bCustomStringConvertible\b", bindings, re.M)
            found[name] = conforms(m.group(2) or "") or extension is not None
    return found


def check(bindings_path: str, sources: str) -> tuple[list[str], str]:
    bindings = pathlib.Path(bindings_path).read_text(encoding="utf-8")
    layer = {}
    for path in sorted(pathlib.Path(sources).rglob("*.swift")):
        if "Generated" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"^extension\s+(\w+)\s*:([^{]*)\{", text, re.M):
            if conforms(m.group(2)):
                line = text.count("\n", 0, m.start()) + 1
                layer.setdefault(m.group(1), []).append(f"{path}:{line}")
    display = generated(bindings)
    problems = []
    for name, declared in sorted(display.items()):
        extensions = layer.get(name, [])
        if declared and extensions:
            problems.append(f"{name}: the generated Swift declares CustomStringConvertible and so does "
                            f"{', '.join(extensions)} (a redundant conformance does not compile: delete the extension)")
        elif not declared and len(extensions) != 1:
            problems.append(f"{name}: its `description` is Rust's Display but it is not CustomStringConvertible "
                            f"({len(extensions)} extensions in {sources}; need exactly one): localizedDescription "
                            f"and \"\\(error)\" show a dump of the case")
    for name, extensions in sorted(layer.items()):
        if name not in display and re.search(rf"^(?:(?:public|open)\s+)*(?:enum|struct|class)\s+{name}\b", bindings, re.M):
            problems.append(f"{', '.join(extensions)}: {name} has no generated `description` to conform with")
    done = [n for n, declared in sorted(display.items()) if not declared]
    return problems, (f"{len(display)} generated types have a computed `description`, each CustomStringConvertible "
                      f"once; the iOS layer declares it for {', '.join(done) or 'none'}")


def main(argv: list[str]) -> int:
    return run(__doc__, argv, 2, check)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
