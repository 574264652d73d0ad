#!/usr/bin/env python3
"""Checks the Swift code blocks of a guide the way an app would paste them.

    python scripts/swift_docs_check.py DOC.md [DOC.md ...]

For every ```swift block:
- it parses with tree-sitter-swift (scripts/swift_syntax_check.py's parser and workarounds);
- it is made only of declarations: imports, types (struct / class / enum / extension / actor),
  protocols, functions, type aliases, comments. A top-level statement (`for …`, a call) or a
  global `let`/`var` compiles only as main.swift, never in a SwiftUI or UIKit source file.
Errors are reported as DOC.md:LINE:COLUMN.

Between `<!-- README snippet -->` and `<!-- /README snippet -->` (at most one such block), the
first ```swift block is the app code the root README shows; it must have at most 10 lines of
Swift (not counting blank lines and comments) and the snippet must state that count as
"N lines of Swift".

Exits 1 on any problem, 2 on a usage or I/O error.
"""
from __future__ import annotations

import re
import sys

import tree_sitter_swift
from tree_sitter import Language, Parser

from swift_check_cli import run
from swift_syntax_check import preprocess
from tree_sitter_problems import problems

DECLARATIONS = {"import_declaration", "class_declaration", "protocol_declaration", "function_declaration",
                "typealias_declaration", "comment", "multiline_comment"}
SNIPPET = re.compile(r"<!-- README snippet -->(.*?)<!-- /README snippet -->", re.S)
MAX_SNIPPET_LINES = 10


def blocks(text: str) -> list[tuple[int, str]]:
    """(line number of the block's first code line, code) for each ```swift block."""
    found = []
    for m in re.finditer(r"^```swift[ \t]*\n(.*?)^```", text, re.S | re.M):
        found.append((text.count("\n", 0, m.start(1)) + 1, m.group(1)))
    return found


def swift_lines(code: str) -> int:
    """Lines of Swift: not blank, not only a comment."""
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.S)
    return sum(1 for line in code.splitlines() if line.strip() and not line.strip().startswith("//"))


def check(path: str, parser: Parser) -> tuple[list[str], str]:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    bad = []
    found = blocks(text)
    if not found:
        bad.append(f"{path}: no ```swift blocks")
    for first, code in found:
        source, _, _ = preprocess(code)
        tree = parser.parse(source.encode("utf-8"))
        for line, col, what in problems(tree):
            bad.append(f"{path}:{first + line - 1}:{col}: {what}")
        for node in tree.root_node.children:
            if node.type not in DECLARATIONS and node.type != "ERROR":
                snippet = (node.text or b"").decode("utf-8", "replace").splitlines()[0][:60]
                bad.append(f"{path}:{first + node.start_point.row}:{node.start_point.column + 1}: "
                           f"top-level {node.type} `{snippet}` (legal only in main.swift; put it inside a type)")
    snippets = SNIPPET.findall(text)
    if len(snippets) > 1:
        bad.append(f"{path}: more than one README snippet block")
    for snippet in snippets:
        app = blocks(snippet)
        if not app:
            bad.append(f"{path}: the README snippet has no ```swift block")
            continue
        n = swift_lines(app[0][1])
        stated = re.findall(r"(\d+) lines of Swift", snippet)
        if n > MAX_SNIPPET_LINES:
            bad.append(f"{path}: the README snippet's app code has {n} lines of Swift (at most {MAX_SNIPPET_LINES})")
        if stated != [str(n)]:
            bad.append(f"{path}: the README snippet states {stated or 'no'} 'N lines of Swift'; its app code has {n}")
        else:
            print(f"{path}: README snippet: {n} lines of Swift")
    return bad, f"{path}: ok ({len(found)} Swift blocks, declarations only)"


def main(argv: list[str]) -> int:
    parser = Parser(Language(tree_sitter_swift.language()))

    def run_check(*paths: str) -> tuple[list[str], str]:
        bad, summaries = [], []
        for path in paths:
            problems, summary = check(path, parser)
            bad += problems
            summaries.append(summary)
        return bad, "\n".join(summaries)
    return run(__doc__, argv, None, run_check, invalid=(UnicodeDecodeError,))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
