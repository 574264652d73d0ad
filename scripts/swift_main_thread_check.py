#!/usr/bin/env python3
"""Checks that CheckoutModel never calls into the library on the main actor (issue 27).

    python3 scripts/swift_main_thread_check.py MODEL.swift PROVIDER.swift BINDINGS.swift

A narrow reading of the source (the XCTest CheckoutModelTests checks the warm-up's thread at run
time, on a Mac):

- MODEL.swift (a @MainActor type): every call of a library function or constructor (the top-level
  `public func`s and the classes of BINDINGS.swift, e.g. `simpleCheckoutParams(`, `CheckoutFlow(`)
  sits inside a closure literal opened earlier on the same line (`start { simpleCheckoutParams(…) }`),
  i.e. it is handed to FlowProvider to run off the main actor; and every public initializer is
  `nonisolated` (creating the model in a @StateObject initializer makes no call);
- PROVIDER.swift: the warm-up is started with `Task.detached` in `init`, and the function it runs
  makes the first call, `uniffiEnsureCheckoutBridgeInitialized()`.
Prints FILE:LINE: problem for each; exits 1 if any, 2 on a usage or I/O error.
"""
from __future__ import annotations

import re
import sys

from swift_check_cli import run


def strip_comments(line: str) -> str:
    return re.sub(r"//.*", "", re.sub(r'"(?:[^"\\]|\\.)*"', '""', line))


def library_names(bindings: str) -> list[str]:
    functions = re.findall(r"^public func ([a-z]\w*)\(", bindings, re.M)
    classes = re.findall(r"^open class (\w+)", bindings, re.M)
    return [f for f in functions if not f.startswith("Ffi")] + classes


def check(model_path: str, provider_path: str, bindings_path: str) -> list[str]:
    with open(bindings_path, encoding="utf-8") as f:
        names = library_names(f.read())
    if len(names) < 5:
        return [f"{bindings_path}: found only {names} as library functions and classes"]
    call = re.compile(rf"(?<![\w.])({'|'.join(map(re.escape, names))})\s*[(.]")
    problems = []
    with open(model_path, encoding="utf-8") as f:
        model = f.read().splitlines()
    for n, raw in enumerate(model, 1):
        line = strip_comments(raw)
        for m in call.finditer(line):
            if "{" not in line[:m.start()]:
                problems.append(f"{model_path}:{n}: `{m.group(1)}` called on the main actor, not in a closure for FlowProvider")
        if re.search(r"\bpublic\b.*\binit\(", line) and "nonisolated" not in line:
            problems.append(f"{model_path}:{n}: a public initializer without `nonisolated`")
    with open(provider_path, encoding="utf-8") as f:
        provider = f.read()
    init = re.search(r"\n    init\(.*?\n    }\n", provider, re.S)
    started = re.search(r"Task\.detached\([^)]*\)\s*\{\s*try Self\.(\w+)\(", init.group(0)) if init else None
    if not started:
        problems.append(f"{provider_path}: init does not start the warm-up with `Task.detached {{ try Self.…( }}`")
    else:
        body = re.search(rf"static func {started.group(1)}\(.*?\n    }}\n", provider, re.S)
        if not body or "uniffiEnsureCheckoutBridgeInitialized()" not in body.group(0):
            problems.append(f"{provider_path}: {started.group(1)} does not call uniffiEnsureCheckoutBridgeInitialized()")
    return problems


def main(argv: list[str]) -> int:
    def run_check(model: str, provider: str, bindings: str) -> tuple[list[str], str]:
        return check(model, provider, bindings), (f"{model}: library calls only in closures for FlowProvider; "
                                                  f"initializers nonisolated; {provider}: detached warm-up makes the first call")
    return run(__doc__, argv, 3, run_check)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
