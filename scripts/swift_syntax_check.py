#!/usr/bin/env python3
"""Syntax-checks Swift files with tree-sitter (no Swift toolchain needed).

    python scripts/swift_syntax_check.py FILE.swift [FILE.swift ...]

Parses each file with the `tree-sitter-swift` grammar and prints every ERROR or MISSING node
as FILE:LINE:COLUMN (1-based). Exits 1 if any file has one, 2 on a usage or I/O problem, 0
otherwise.

tree-sitter-swift is a good but not perfect Swift grammar. Two constructs that the Swift
compiler accepts, and that UniFFI's generated bindings contain, are misread by it (checked with
tree-sitter 0.26.1 / tree-sitter-swift 0.7.4). Each is rewritten *narrowly* before parsing,
keeping every line and column where it was, so that any other error is still reported at its
real position. Nothing else is ignored: an ERROR or MISSING node anywhere fails the file.

1. A `#if swift(>=5.8)` block wrapping exactly one attribute line, as in

       #if swift(>=5.8)
       @_documentation(visibility: private)
       #endif

   The grammar cannot attach an attribute inside `#if` to the declaration after the `#endif`.
   Exactly such 3-line blocks (the `#if` line, one well-formed `@attribute` or
   `@attribute(...)` line, the `#endif` line) are blanked. A block with anything else in it,
   or a malformed attribute, is parsed as written.

2. A one-line closure whose whole body is the empty tuple, `let name = { () }` (UniFFI's
   `writeReturn` for callback-interface methods returning nothing). The grammar takes the `()`
   for a closure signature missing its `in`. On exactly such lines `()` is replaced by `[]`
   (same width; an array literal, which it parses as a closure body).
"""
from __future__ import annotations

import re
import sys

from tree_sitter_problems import check_files
import tree_sitter_swift

IF_SWIFT_58 = re.compile(r"^[ \t]*#if swift\(>=5\.8\)[ \t]*$")
ATTRIBUTE_LINE = re.compile(r"^[ \t]*@[A-Za-z_][A-Za-z0-9_]*(\([^()\n]*\))?[ \t]*$")
ENDIF = re.compile(r"^[ \t]*#endif[ \t]*$")
EMPTY_TUPLE_CLOSURE = re.compile(r"^([ \t]*(?:let|var) [A-Za-z_][A-Za-z0-9_]* = \{ )\(\)( \}[ \t]*)$")


def _blank(line: str) -> str:
    # Keep the line ending (if any) so line numbers do not move.
    return "\n" if line.endswith("\n") else ""


def preprocess(text: str) -> tuple[str, int, int]:
    """Returns (text to parse, #if-attribute blocks blanked, `{ () }` closures rewritten)."""
    lines = text.splitlines(keepends=True)
    blocks = closures = 0
    i = 0
    while i < len(lines):
        if (
            i + 2 < len(lines)
            and IF_SWIFT_58.match(lines[i].rstrip("\r\n"))
            and ATTRIBUTE_LINE.match(lines[i + 1].rstrip("\r\n"))
            and ENDIF.match(lines[i + 2].rstrip("\r\n"))
        ):
            for j in range(i, i + 3):
                lines[j] = _blank(lines[j])
            blocks += 1
            i += 3
            continue
        body = lines[i].rstrip("\r\n")
        m = EMPTY_TUPLE_CLOSURE.match(body)
        if m:
            lines[i] = m.group(1) + "[]" + m.group(2) + lines[i][len(body):]
            closures += 1
        i += 1
    return "".join(lines), blocks, closures


def prepare(text: str) -> tuple[str, str]:
    source, blocks, closures = preprocess(text)
    lines = len(text.splitlines())
    return source, f"{lines} lines; workarounds: {blocks} #if-attribute blocks, {closures} `{{ () }}` closures"


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    return check_files(tree_sitter_swift.language(), argv[1:], prepare)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
