#!/usr/bin/env python3
"""Keeps the iOS package's tools version, platforms, code, docs and example app in step.

    python3 scripts/swift_package_check.py IOS_DIR DOC

IOS_DIR is ios/ (Package.swift, Sources/, build-xcframework.sh, Example/); DOC is docs/ios.md.
Checks, printing one line per problem:

- `// swift-tools-version:X.Y` is at least 5.10: Xcode 15.0–15.2 (Swift 5.9) cannot compile the
  presenter (MainActor.assumeIsolated before Swift 5.10's back-deployment; the iOS 17.4 SDK's
  ASWebAuthenticationSession.Callback);
- the Xcode that tools version needs can build the newest SDK API the sources guard with
  `#available(iOS X.Y` (iOS 17.4 needs Xcode 15.3), and DOC names both ("swift-tools-version:X.Y",
  "Xcode N or later");
- the example project's objectVersion opens in that Xcode;
- Package.swift's `.iOS(.vN)` / `.macOS(.vN)` equal build-xcframework.sh's deployment targets;
- in each `.target(` / `.testTarget(` call, the arguments come in PackageDescription's order
  (Swift rejects `swiftSettings:` before `resources:`), and the library target processes
  PrivacyInfo.xcprivacy, which exists in its folder.
Exits 1 on any problem, 2 on a usage error or a missing file.
"""
from __future__ import annotations

import pathlib
import re
import sys

from swift_check_cli import run

MINIMUM_TOOLS = (5, 10)
# swift-tools-version -> the first Xcode that ships that Swift.
XCODE_FOR_TOOLS = {(5, 9): (15, 0), (5, 10): (15, 3), (6, 0): (16, 0), (6, 1): (16, 3), (6, 2): (26, 0)}
# iOS SDK -> the first Xcode that has it (for `#available(iOS X.Y` guards of new API).
XCODE_FOR_IOS_SDK = {(17, 0): (15, 0), (17, 2): (15, 1), (17, 4): (15, 3), (17, 5): (15, 4),
                     (18, 0): (16, 0), (18, 4): (16, 3), (26, 0): (26, 0)}
# project.pbxproj objectVersion -> the first Xcode that opens it.
XCODE_FOR_OBJECT_VERSION = {46: (3, 2), 54: (12, 0), 55: (13, 0), 56: (14, 0), 60: (15, 0), 63: (15, 3),
                            70: (16, 0), 77: (16, 0)}
# PackageDescription's Target.target / testTarget parameter order.
TARGET_LABELS = ["name", "dependencies", "path", "exclude", "sources", "resources", "publicHeadersPath",
                 "packageAccess", "cSettings", "cxxSettings", "swiftSettings", "linkerSettings", "plugins"]


def text(v: tuple[int, ...]) -> str:
    return ".".join(map(str, v))


def without_comments(source: str) -> str:
    """`//` comments removed (outside string literals), so their quotes and parentheses do not count."""
    lines = []
    for line in source.splitlines():
        in_string, i = False, 0
        while i < len(line):
            if line[i] == '"' and (i == 0 or line[i - 1] != "\\"):
                in_string = not in_string
            elif not in_string and line.startswith("//", i):
                line = line[:i]
                break
            i += 1
        lines.append(line)
    return "\n".join(lines)


def calls(source: str, name: str) -> list[str]:
    """The argument text of every `.name(` call (balanced parentheses; strings skipped)."""
    found = []
    for m in re.finditer(rf"\.{name}\(", source):
        depth, i, in_string = 1, m.end(), False
        while i < len(source) and depth:
            c = source[i]
            if c == '"' and source[i - 1] != "\\":
                in_string = not in_string
            elif not in_string:
                depth += {"(": 1, ")": -1}.get(c, 0)
            i += 1
        found.append(source[m.end():i - 1])
    return found


def top_level_labels(arguments: str) -> list[str]:
    labels, depth, start, in_string = [], 0, 0, False
    for i, c in enumerate(arguments + ","):
        if c == '"' and (i == 0 or arguments[i - 1] != "\\"):
            in_string = not in_string
        elif not in_string:
            if c in "([":
                depth += 1
            elif c in ")]":
                depth -= 1
            elif c == "," and depth == 0:
                piece = re.sub(r"//[^\n]*", "", arguments[start:i]).strip()
                m = re.match(r"(\w+)\s*:", piece)
                if m:
                    labels.append(m.group(1))
                start = i + 1
    return labels


def check(ios: pathlib.Path, doc: pathlib.Path) -> tuple[list[str], str]:
    problems = []
    package = (ios / "Package.swift").read_text(encoding="utf-8")
    m = re.match(r"// swift-tools-version:\s*(\d+)\.(\d+)", package)
    if not m:
        return ["Package.swift does not start with `// swift-tools-version:X.Y`"], ""
    tools = (int(m.group(1)), int(m.group(2)))
    if tools < MINIMUM_TOOLS:
        problems.append(f"swift-tools-version {text(tools)} is below {text(MINIMUM_TOOLS)}: "
                        f"Xcode {text(XCODE_FOR_TOOLS[(5, 9)])}–15.2 would resolve the package and fail to compile it")
    xcode = XCODE_FOR_TOOLS.get(tools)
    if xcode is None:
        return problems + [f"swift-tools-version {text(tools)} is not in this script's table; add its Xcode"], ""

    newest = max((tuple(map(int, v)) for f in sorted((ios / "Sources").rglob("*.swift"))
                  for v in re.findall(r"#available\(iOS (\d+)\.(\d+)", f.read_text(encoding="utf-8"))), default=None)
    if newest is not None:
        needs = XCODE_FOR_IOS_SDK.get(newest)
        if needs is None:
            problems.append(f"#available(iOS {text(newest)}) is not in this script's SDK table")
        elif needs > xcode:
            problems.append(f"the sources use the iOS {text(newest)} SDK (Xcode {text(needs)}), "
                            f"but swift-tools-version {text(tools)} admits Xcode {text(xcode)}")

    guide = doc.read_text(encoding="utf-8")
    for phrase in (f"swift-tools-version:{text(tools)}", f"Xcode {text(xcode)} or later"):
        if phrase not in guide:
            problems.append(f"{doc} does not say {phrase!r}")

    for pbxproj in sorted((ios / "Example").glob("*.xcodeproj/project.pbxproj")):
        ov = re.search(r"objectVersion = (\d+);", pbxproj.read_text(encoding="utf-8"))
        opens = XCODE_FOR_OBJECT_VERSION.get(int(ov.group(1))) if ov else None
        if opens is None:
            problems.append(f"{pbxproj}: objectVersion {ov and ov.group(1)} is not in this script's table")
        elif opens > xcode:
            problems.append(f"{pbxproj}: objectVersion {ov.group(1)} needs Xcode {text(opens)}, "
                            f"newer than the package's Xcode {text(xcode)}")

    script = (ios / "build-xcframework.sh").read_text(encoding="utf-8")
    for platform, variable in (("iOS", "IPHONEOS_DEPLOYMENT_TARGET"), ("macOS", "MACOSX_DEPLOYMENT_TARGET")):
        declared = re.search(rf"\.{platform}\(\.v(\d+)(?:_(\d+))?\)", package)
        built = re.search(rf"{variable}=\${{{variable}:-(\d+)\.(\d+)}}", script)
        if not declared or not built:
            problems.append(f"no .{platform}(.vN) in Package.swift or {variable} default in build-xcframework.sh")
        elif (int(declared.group(1)), int(declared.group(2) or 0)) != (int(built.group(1)), int(built.group(2))):
            problems.append(f"Package.swift says .{platform}(.v{declared.group(1)}), "
                            f"build-xcframework.sh builds for {built.group(1)}.{built.group(2)}")

    code = without_comments(package)
    for kind in ("target", "testTarget"):
        for arguments in calls(code, kind):
            labels = [label for label in top_level_labels(arguments) if label in TARGET_LABELS]
            order = [TARGET_LABELS.index(label) for label in labels]
            if order != sorted(order):
                problems.append(f".{kind}({', '.join(labels)}): arguments out of PackageDescription's order "
                                f"({', '.join(l for l in TARGET_LABELS if l in labels)})")
    library = next((a for a in calls(code, "target") if '"CheckoutBridge"' in a.split(",")[0]), "")
    path = re.search(r'path:\s*"([^"]+)"', library)
    if '.process("PrivacyInfo.xcprivacy")' not in library:
        problems.append('target CheckoutBridge does not declare resources: [.process("PrivacyInfo.xcprivacy")]')
    elif not path or not (ios / path.group(1) / "PrivacyInfo.xcprivacy").is_file():
        problems.append(f"no PrivacyInfo.xcprivacy in target CheckoutBridge's folder ({path and path.group(1)})")
    return problems, (f"swift-tools-version {text(tools)} (Xcode {text(xcode)} or later); newest SDK guard: iOS "
                      f"{text(newest) if newest else 'none'}; platforms match build-xcframework.sh; target arguments in order")


def main(argv: list[str]) -> int:
    return run(__doc__, argv, 2, lambda ios, doc: check(pathlib.Path(ios), pathlib.Path(doc)))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
