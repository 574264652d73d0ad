"""The command line shared by the scripts/swift_*_check.py checkers and swift_privacy_manifest.py.

    sys.exit(run(__doc__, sys.argv, 2, check))

`check(*arguments)` returns (problems, summary). `run` prints the usage line (the docstring's
third line) and returns 2 when the argument count is wrong (`count` None: at least one) or a file
cannot be read; prints each problem and returns 1 when there are any or when `check` raises one
of `invalid` (a file that does not parse); otherwise prints the summary and returns 0.
"""
from __future__ import annotations

import sys
from typing import Callable


def run(doc: str, argv: list[str], count: int | None, check: Callable[..., tuple[list[str], str]],
        invalid: tuple[type[BaseException], ...] = ()) -> int:
    arguments = argv[1:]
    if (count is None and not arguments) or (count is not None and len(arguments) != count):
        print(doc.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        problems, summary = check(*arguments)
    except OSError as e:
        print(f"cannot read: {e}", file=sys.stderr)
        return 2
    except invalid as e:
        print(f"{arguments[0]}: does not parse: {type(e).__name__}: {e}")
        return 1
    for problem in problems:
        print(problem)
    if not problems:
        print(summary)
    return 1 if problems else 0
