#!/usr/bin/env python3
"""Figures in BENCHMARKS.md, written by the scripts that measure them (issue 26 item 5).

Every figure lives in a marked block that only a measuring script writes:

    <!-- figures:NAME begin: written by `COMMAND`; do not edit by hand -->
    ...the script's table...
    _Measured ..., commit ..., load before/after (`uptime`) ..._
    <!-- figures:NAME end -->

Commands:

  figures.py write NAME FILE --load-before TEXT --load-after TEXT [--inputs HASH]
      Replaces block NAME with FILE's contents and a provenance line: the date (UTC), the
      commit (with "+ uncommitted changes" when the tree differs from it), the machine's load
      before and after, and for build-size figures the hash of the build's inputs.
  figures.py size-inputs
      Prints the hash that identifies what a size figure measures (see `size_inputs`).
  figures.py check
      Checks every block: present, written by a script (has its provenance line), and for the
      size block, measured on the current tree's build inputs. Ends with
      `figures: N passed, M failed`; exits 1 on any failure.

Why a hash of the inputs instead of rebuilding: the release LTO builds the size figure needs
take minutes on two cores, too long for the test command, while the inputs that decide the
library's bytes are cheap to read: the library's own sources (src/), its resolved dependency
graph with versions and features for both measured builds (`cargo tree`, which reads
Cargo.lock), the release profile, and the measuring and linking scripts. Other workspace crates'
dependencies do not make the size figure stale. The toolchain is recorded next to the figure but
not hashed: a newer rustc on the checking machine says nothing about the committed tree.
Timings cannot be checked that way (they depend on the machine and its load); their blocks
record the date and the commit, and the check only requires that a script wrote them.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import pathlib
import re
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "BENCHMARKS.md"

# The blocks BENCHMARKS.md must hold, and the script that writes each.
BLOCKS = {
    "size": "scripts/size.sh --write",
    "cold-start": "scripts/cold-start.sh --write",
    "kotlin-bench": "scripts/kotlin-bench.sh --write",
    "wire": "scripts/bench.sh wire --write",
    "overhead": "scripts/bench.sh overhead --write",
    "memory": "scripts/bench.sh memory --write",
    "flow": "scripts/bench.sh flow --write",
    "server_load": "scripts/bench.sh server_load --write",
    "webhook": "scripts/bench.sh webhook --write",
    "fulfilment": "scripts/bench.sh fulfilment --write",
    "fuzz": "scripts/fuzz.sh --seconds N --write",
}

# The library builds a size figure describes: (label, cargo feature arguments).
SIZE_BUILDS = [
    ("default", ["--features", "ffi"]),
    ("without reqwest", ["--no-default-features", "--features", "ffi"]),
]

BEGIN = re.compile(r"<!-- figures:(?P<name>[a-z0-9_-]+) begin[^>]*-->")
PROVENANCE = re.compile(r"^_Measured (?P<when>[^,]+), commit (?P<commit>[0-9a-f]{7,40})")
INPUTS = re.compile(r"build inputs `(?P<hash>sha256:[0-9a-f]{64})`")


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def size_inputs() -> str:
    """sha256 over what decides the size of the library builds in SIZE_BUILDS."""
    h = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        h.update(f"{label}\0{len(data)}\0".encode())
        h.update(data)

    for path in sorted((ROOT / "src").rglob("*.rs")):
        add(str(path.relative_to(ROOT)), path.read_bytes())
    manifest = tomllib.loads((ROOT / "Cargo.toml").read_text())
    add("profile.release", repr(sorted(manifest.get("profile", {}).get("release", {}).items())).encode())
    add("lib", repr(sorted(manifest.get("lib", {}).items())).encode())
    add("features", repr(sorted(manifest.get("features", {}).items())).encode())
    for script in ("scripts/size.sh", "scripts/link-cdylib.sh"):
        add(script, (ROOT / script).read_bytes())
    for label, features in SIZE_BUILDS:
        tree = subprocess.run(
            ["cargo", "tree", "--locked", "-p", "checkout-bridge", *features, "-e", "normal",
             "--prefix", "none", "--format", "{p} {f}"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout
        # Paths of local packages differ between checkouts; names, versions and features do not.
        lines = sorted({re.sub(r" \((/|[A-Za-z]:\\).*?\)", "", line) for line in tree.splitlines() if line.strip()})
        add(f"cargo tree {label}", "\n".join(lines).encode())
    return "sha256:" + h.hexdigest()


def find_block(text: str, name: str) -> tuple[int, int] | None:
    """(start of the begin marker, end of the end marker) of block NAME."""
    begin = re.search(rf"<!-- figures:{re.escape(name)} begin[^>]*-->", text)
    end = re.search(rf"<!-- figures:{re.escape(name)} end -->", text)
    if not begin or not end or end.start() < begin.end():
        return None
    return begin.start(), end.end()


def write(args: argparse.Namespace) -> int:
    name = args.name
    if name not in BLOCKS:
        print(f"unknown block {name!r}; known: {', '.join(BLOCKS)}", file=sys.stderr)
        return 2
    body = pathlib.Path(args.file).read_text().rstrip("\n")
    commit = git("rev-parse", "--short=12", "HEAD")
    # BENCHMARKS.md itself changes with every --write of a session: not a change to what is measured.
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!BENCHMARKS.md")
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    line = f"_Measured {when}, commit {commit}" + (" + uncommitted changes" if dirty else "")
    if args.inputs:
        line += f", build inputs `{args.inputs}`"
    line += f"; load before: `{args.load_before.strip()}`; after: `{args.load_after.strip()}`._"
    block = (
        f"<!-- figures:{name} begin: written by `{BLOCKS[name]}`; do not edit by hand -->\n"
        f"{body}\n\n{line}\n<!-- figures:{name} end -->"
    )
    text = BENCHMARKS.read_text()
    span = find_block(text, name)
    if span is None:
        print(f"BENCHMARKS.md has no block figures:{name}: add its begin and end markers first", file=sys.stderr)
        return 1
    BENCHMARKS.write_text(text[: span[0]] + block + text[span[1]:])
    print(f"BENCHMARKS.md: block figures:{name} written ({line})")
    return 0


def check(_: argparse.Namespace) -> int:
    text = BENCHMARKS.read_text()
    passed = failed = 0

    def result(ok: bool, message: str) -> None:
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"PASS: {message}")
        else:
            failed += 1
            print(f"FAIL: {message}")

    names_in_file = [m.group("name") for m in BEGIN.finditer(text)]
    for stray in sorted(set(names_in_file) - set(BLOCKS)):
        result(False, f"BENCHMARKS.md has a block figures:{stray} that no script writes")
    current_inputs = None
    for name, command in BLOCKS.items():
        span = find_block(text, name)
        if span is None:
            result(False, f"figures:{name}: no block in BENCHMARKS.md")
            continue
        block = text[span[0]: span[1]]
        provenance = next((m for m in map(PROVENANCE.match, block.splitlines()) if m), None)
        if provenance is None:
            result(False, f"figures:{name}: not measured yet, or edited by hand: run `{command}`")
            continue
        if name != "size":
            result(True, f"figures:{name}: written by `{command}` ({provenance.group('when')}, "
                         f"commit {provenance.group('commit')})")
            continue
        recorded = INPUTS.search(block)
        if current_inputs is None:
            current_inputs = size_inputs()
        if recorded is None:
            result(False, "figures:size: no build-inputs hash recorded: run `scripts/size.sh --write`")
        elif recorded.group("hash") != current_inputs:
            result(False, "figures:size: measured on other build inputs than this tree's (src/, the library's "
                          "dependencies, the release profile or scripts/size.sh changed): run `scripts/size.sh --write`")
        else:
            result(True, f"figures:size: measured on this tree's build inputs ({current_inputs[:19]}…)")
    print(f"\nfigures: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write")
    w.add_argument("name")
    w.add_argument("file")
    w.add_argument("--load-before", required=True)
    w.add_argument("--load-after", required=True)
    w.add_argument("--inputs")
    w.set_defaults(run=write)
    sub.add_parser("size-inputs").set_defaults(run=lambda _: print(size_inputs()) or 0)
    sub.add_parser("check").set_defaults(run=check)
    args = parser.parse_args()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
