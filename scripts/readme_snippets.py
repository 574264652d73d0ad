#!/usr/bin/env python3
"""The root README shows each platform guide's counted integration code exactly as the guide does.

docs/android.md and docs/ios.md each end with a marked "README snippet" whose code blocks are the
complete integration their checks count (android: ModuleLayoutTests, ios: swift_docs_check.py).
This check keeps README.md in step with them: every fenced code block inside each guide's
snippet markers must appear in README.md verbatim, so the counted lines are the lines a
newcomer reads. Usage: readme_snippets.py [README GUIDE...] (defaults: the repository's).
Ends with `readme-snippets: N passed, M failed`; exits 1 on any failure.
"""
from __future__ import annotations

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The two marker spellings the guides use (each guide's own checker reads its own).
MARKERS = re.compile(
    r"<!-- README snippet(?:: start)? -->(?P<body>.*?)<!-- (?:/README snippet|README snippet: end) -->", re.S
)
FENCE = re.compile(r"^```[a-z]*\n(?P<code>.*?)^```$", re.S | re.M)


def blocks(guide: str) -> list[str]:
    return [m.group("code") for s in MARKERS.finditer(guide) for m in FENCE.finditer(s.group("body"))]


def main(argv: list[str]) -> int:
    readme_path = pathlib.Path(argv[0]) if argv else ROOT / "README.md"
    guides = [pathlib.Path(a) for a in argv[1:]] or [ROOT / "docs/android.md", ROOT / "docs/ios.md"]
    readme_blocks = {m.group("code") for m in FENCE.finditer(readme_path.read_text())}
    passed = failed = 0
    for guide in guides:
        found = blocks(guide.read_text())
        if not found:
            print(f"{guide}: no code block between README snippet markers")
            failed += 1
            continue
        for code in found:
            if code in readme_blocks:
                passed += 1
            else:
                first = code.strip().splitlines()[0] if code.strip() else "(empty)"
                print(f"{guide}: the snippet block starting `{first}` is not in {readme_path} verbatim")
                failed += 1
    print(f"readme-snippets: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
