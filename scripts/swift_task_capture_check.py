#!/usr/bin/env python3
"""Flags one Swift 6 strict-concurrency mistake in Swift files, with tree-sitter (no compiler).

    python scripts/swift_task_capture_check.py FILE.swift [FILE.swift ...]

The pattern (and only this one; it is a narrow textual check, not a concurrency checker):

    { [weak self] … in                       // a closure capturing self weakly
        Task { @MainActor in self?.x = nil }  // a Task inside it reading that capture
    }

A weak capture is a mutable variable; the Task's closure runs concurrently, and referring to a
captured `var` from concurrently-executing code is an error in the Swift 6 language mode (and
under the `StrictConcurrency` feature). The fix is to capture `self` in the Task itself:
`Task { @MainActor [weak self] in self?.x = nil }`.

Reported: a call to `Task` or `Task.detached` whose trailing closure
  - has no `self` in its own capture list,
  - uses `self?` or `self!` (optional self, i.e. an enclosing weak capture), and
  - sits inside a closure whose nearest capture of `self` is `[weak self]`.
Not reported: anything else (other captured weak variables, `unowned`, Tasks in methods,
`Task.init(operation:)` spelled out, closures passed in parentheses). Prints
FILE:LINE:COLUMN for each finding; exits 1 if any file has one, 2 on a usage or I/O problem,
0 otherwise.
"""
from __future__ import annotations

import re
import sys

import tree_sitter_swift
from tree_sitter import Language, Parser

OPTIONAL_SELF = re.compile(rb"\bself\s*[?!]")


def self_capture(lambda_node) -> str | None:
    """'weak', 'unowned', 'strong' for the lambda's own capture of `self`, or None."""
    for child in lambda_node.children:
        if child.type != "capture_list":
            continue
        for item in child.children:
            if item.type != "capture_list_item":
                continue
            names = [c for c in item.children if c.type == "simple_identifier"]
            # `[weak self]`, `[self]`: the item is exactly `self` (not `[s = self]`).
            if len(names) == 1 and names[0].text == b"self" and all(c.type != "=" for c in item.children):
                modifier = next((c for c in item.children if c.type == "ownership_modifier"), None)
                return modifier.text.decode() if modifier is not None else "strong"
    return None


def is_task_call(call) -> bool:
    callee = call.children[0] if call.children else None
    if callee is None:
        return False
    return callee.text in (b"Task", b"Task.detached")


def trailing_lambda(call):
    for suffix in call.children:
        if suffix.type == "call_suffix":
            for c in suffix.children:
                if c.type == "lambda_literal":
                    return c
    return None


def findings(tree) -> list[tuple[int, int]]:
    found = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.type != "call_expression" or not is_task_call(node):
            continue
        body = trailing_lambda(node)
        if body is None or self_capture(body) is not None or not OPTIONAL_SELF.search(body.text):
            continue
        outer = node.parent
        while outer is not None:
            if outer.type == "lambda_literal" and self_capture(outer) is not None:
                break
            outer = outer.parent
        if outer is not None and self_capture(outer) == "weak":
            found.append((body.start_point.row + 1, body.start_point.column + 1))
    return sorted(found)


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    parser = Parser(Language(tree_sitter_swift.language()))
    bad = 0
    for path in paths:
        try:
            with open(path, "rb") as f:
                source = f.read()
        except OSError as e:
            print(f"{path}: cannot read: {e}", file=sys.stderr)
            return 2
        hits = findings(parser.parse(source))
        if hits:
            bad += 1
            for line, col in hits:
                print(f"{path}:{line}:{col}: Task closure reads the enclosing closure's weak `self`; "
                      "capture it in the Task: `Task { [weak self] in … }`")
        else:
            print(f"{path}: ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
