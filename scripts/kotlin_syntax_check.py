#!/usr/bin/env python3
"""Syntax-checks Kotlin files with tree-sitter (no Kotlin or Android toolchain needed).

    python scripts/kotlin_syntax_check.py FILE.kt [FILE.kt ...]

Parses each file with the `tree-sitter-kotlin` grammar and prints every ERROR or MISSING node
as FILE:LINE:COLUMN (1-based). Exits 1 if any file has one, 2 on a usage or I/O problem, 0
otherwise. The counterpart of scripts/swift_syntax_check.py, for the Kotlin files of android/
that use Android APIs and therefore cannot be compiled on the desktop JVM here.

No construct is rewritten or ignored before parsing (checked with tree-sitter 0.26.1 /
tree-sitter-kotlin 1.1.0 on android/ and on the generated bindings/kotlin): an ERROR or MISSING
node anywhere fails the file. A syntax check does not resolve names or types; the files that
can be compiled are compiled (scripts/platform-check.sh).
"""
from __future__ import annotations

import sys

from tree_sitter import Language, Parser

from tree_sitter_problems import problems
import tree_sitter_kotlin


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    parser = Parser(Language(tree_sitter_kotlin.language()))
    bad_files = 0
    for path in argv[1:]:
        try:
            with open(path, "rb") as f:
                data = f.read()
            data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            print(f"{path}: cannot read: {e}", file=sys.stderr)
            return 2
        tree = parser.parse(data)
        found = problems(tree)
        note = f"{len(data.splitlines())} lines"
        if found:
            bad_files += 1
            print(f"{path}: FAIL, {len(found)} syntax error(s) ({note})")
            for line, col, what in found:
                print(f"  {path}:{line}:{col}: {what}")
        else:
            print(f"{path}: ok ({note})")
    return 1 if bad_files else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
