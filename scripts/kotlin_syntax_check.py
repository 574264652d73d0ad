#!/usr/bin/env python3
"""Syntax-checks Kotlin files with tree-sitter (no Kotlin or Android toolchain needed).

    python scripts/kotlin_syntax_check.py FILE.kt [FILE.kt ...]

Parses each file with the `tree-sitter-kotlin` grammar and prints every ERROR or MISSING node
as FILE:LINE:COLUMN (1-based). Exits 1 if any file has one, 2 on a usage or I/O problem, 0
otherwise. The counterpart of scripts/swift_syntax_check.py, for the Kotlin files of android/
(the Gradle scripts among them) and the Kotlin code in README.md.

No construct is rewritten or ignored before parsing (checked with tree-sitter 0.26.1 /
tree-sitter-kotlin 1.1.0 on android/ and on the generated bindings/kotlin): an ERROR or MISSING
node anywhere fails the file. A syntax check does not resolve names or types; the .kt files
are also compiled for real (scripts/android-check.sh, scripts/kotlin-tests.sh).
"""
from __future__ import annotations

import sys

from tree_sitter_problems import check_files
import tree_sitter_kotlin


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    return check_files(tree_sitter_kotlin.language(), argv[1:], lambda text: (text, f"{len(text.splitlines())} lines"))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
