"""The tree-sitter syntax check shared by scripts/swift_syntax_check.py and
scripts/kotlin_syntax_check.py: finding ERROR/MISSING nodes and the per-file report."""

from __future__ import annotations

import sys
from typing import Callable

from tree_sitter import Language, Parser

def problems(tree) -> list[tuple[int, int, str]]:
    """(line, column, description) of every ERROR / MISSING node, 1-based, in source order."""
    found = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_missing:
            found.append((node.start_point.row + 1, node.start_point.column + 1, f"MISSING {node.type}"))
        elif node.is_error:
            snippet = (node.text or b"").decode("utf-8", "replace").splitlines()
            first = snippet[0].strip()[:60] if snippet else ""
            found.append((node.start_point.row + 1, node.start_point.column + 1, f"ERROR near `{first}`"))
        if node.has_error:
            stack.extend(reversed(node.children))
    return sorted(found)


def check_files(language, paths: list[str], prepare: Callable[[str], tuple[str, str]]) -> int:
    """Parses each file (after `prepare(text) -> (source, note)`) and prints `ok` or every
    problem as `path:line:col`. Returns 0 when all parse, 1 when any fails, 2 on unreadable input."""
    parser = Parser(Language(language))
    bad_files = 0
    for path in paths:
        try:
            with open(path, encoding="utf-8", newline="") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            print(f"{path}: cannot read: {e}", file=sys.stderr)
            return 2
        source, note = prepare(text)
        found = problems(parser.parse(source.encode("utf-8")))
        if found:
            bad_files += 1
            print(f"{path}: FAIL, {len(found)} syntax error(s) ({note})")
            for line, col, what in found:
                print(f"  {path}:{line}:{col}: {what}")
        else:
            print(f"{path}: ok ({note})")
    return 1 if bad_files else 0
