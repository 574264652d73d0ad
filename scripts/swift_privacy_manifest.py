#!/usr/bin/env python3
"""Checks the iOS privacy manifest against what the shipped code calls.

    python3 scripts/swift_privacy_manifest.py PRIVACYINFO.xcprivacy SYMBOLS.txt SWIFT_DIR

PRIVACYINFO.xcprivacy is parsed as a property list (plistlib, as Xcode reads it) and its shape
checked: NSPrivacyTracking (bool), NSPrivacyTrackingDomains (strings; none unless tracking),
NSPrivacyCollectedDataTypes (array), NSPrivacyAccessedAPITypes (one entry per category, each a
category Apple defines with at least one of that category's reason codes).

The categories it declares must be exactly the ones needed by
- SYMBOLS.txt: the undefined symbols of the Rust static library (one a line, `#` comments;
  written by scripts/swift_privacy_symbols.sh from a release build for aarch64-apple-ios), and
- every .swift file under SWIFT_DIR (the package's Swift layer), comments removed: Foundation and
  UIKit names on Apple's list (UserDefaults, systemUptime, modificationDate, …).

A needed category that is not declared fails (App Store Connect refuses the upload: ITMS-91053);
so does a declared one that nothing needs (a reason the code does not have).

Apple's list of required-reason APIs and approved reasons:
https://developer.apple.com/documentation/bundleresources/describing-use-of-required-reason-api
Exits 1 on any problem, 2 on a usage error or an unreadable file.
"""
from __future__ import annotations

import pathlib
import plistlib
import re
import sys
from xml.parsers.expat import ExpatError

from swift_check_cli import run

FILE_TIMESTAMP = "NSPrivacyAccessedAPICategoryFileTimestamp"
BOOT_TIME = "NSPrivacyAccessedAPICategorySystemBootTime"
DISK_SPACE = "NSPrivacyAccessedAPICategoryDiskSpace"
KEYBOARDS = "NSPrivacyAccessedAPICategoryActiveKeyboards"
USER_DEFAULTS = "NSPrivacyAccessedAPICategoryUserDefaults"

# Approved reasons per category (Apple's page above).
REASONS = {
    FILE_TIMESTAMP: {"DDA9.1", "C617.1", "3B52.1", "0A2A.1"},
    BOOT_TIME: {"35F9.1", "8FFB.1", "3D61.1"},
    DISK_SPACE: {"85F4.1", "E174.1", "7D9E.1", "B728.1"},
    KEYBOARDS: {"3EC4.1", "54BD.1"},
    USER_DEFAULTS: {"CA92.1", "1C8F.1", "C56D.1", "AC6B.1"},
}

# C functions on Apple's list, by the name a Mach-O object imports (without the leading `_` and
# any `$INODE64`-style suffix; the `64` spellings are the same calls on older SDKs). getattrlist
# and its siblings are on both the file-timestamp and the disk-space lists.
C_SYMBOLS = {
    **{n: {FILE_TIMESTAMP} for n in ("stat", "fstat", "fstatat", "lstat", "stat64", "fstat64", "lstat64", "fstatat64")},
    **{n: {FILE_TIMESTAMP, DISK_SPACE} for n in ("getattrlist", "fgetattrlist", "getattrlistat")},
    "getattrlistbulk": {FILE_TIMESTAMP},
    "mach_absolute_time": {BOOT_TIME},
    **{n: {DISK_SPACE} for n in ("statfs", "statvfs", "fstatfs", "fstatvfs", "statfs64", "fstatfs64")},
}

# Swift / Objective-C names on Apple's list (plus the C functions, called from Swift).
SWIFT_NAMES = {
    **{n: {FILE_TIMESTAMP} for n in ("creationDate", "modificationDate", "fileModificationDate",
                                     "contentModificationDateKey", "creationDateKey")},
    "systemUptime": {BOOT_TIME},
    **{n: {DISK_SPACE} for n in ("volumeAvailableCapacityKey", "volumeAvailableCapacityForImportantUsageKey",
                                 "volumeAvailableCapacityForOpportunisticUsageKey", "volumeTotalCapacityKey",
                                 "systemFreeSize", "systemSize")},
    "activeInputModes": {KEYBOARDS},
    "UserDefaults": {USER_DEFAULTS},
    "NSUserDefaults": {USER_DEFAULTS},
}
SWIFT_CALLS = C_SYMBOLS  # `stat(path, &buf)` in Swift is the same libc call


def symbol_name(raw: str) -> str:
    name = raw.strip()
    name = name[1:] if name.startswith("_") else name
    return name.split("$", 1)[0]


def strip_swift_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', text)  # string literals: prose, not calls
    return re.sub(r"//[^\n]*", "", text)


def needed(symbols_file: pathlib.Path, swift_dir: pathlib.Path) -> dict[str, list[str]]:
    """category -> the symbols / source places that need it"""
    need: dict[str, list[str]] = {}
    for line in symbols_file.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        for category in C_SYMBOLS.get(symbol_name(line), ()):
            need.setdefault(category, []).append(f"{line.strip()} ({symbols_file.name})")
    for path in sorted(swift_dir.rglob("*.swift")):
        code = strip_swift_comments(path.read_text(encoding="utf-8"))
        for name, categories in SWIFT_NAMES.items():
            if re.search(rf"\b{name}\b", code):
                for category in categories:
                    need.setdefault(category, []).append(f"{name} ({path})")
        for name, categories in SWIFT_CALLS.items():
            if re.search(rf"(?<![.\w]){name}\s*\(", code):
                for category in categories:
                    need.setdefault(category, []).append(f"{name}() ({path})")
    return need


def shape_problems(manifest) -> list[str]:
    problems = []
    if not isinstance(manifest, dict):
        return ["the root is not a dictionary"]
    tracking = manifest.get("NSPrivacyTracking")
    if not isinstance(tracking, bool):
        problems.append("NSPrivacyTracking is missing or not a boolean")
    domains = manifest.get("NSPrivacyTrackingDomains", [])
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        problems.append("NSPrivacyTrackingDomains is not an array of strings")
    elif domains and tracking is not True:
        problems.append("NSPrivacyTrackingDomains lists domains but NSPrivacyTracking is not true")
    if not isinstance(manifest.get("NSPrivacyCollectedDataTypes", []), list):
        problems.append("NSPrivacyCollectedDataTypes is not an array")
    entries = manifest.get("NSPrivacyAccessedAPITypes")
    if not isinstance(entries, list):
        return problems + ["NSPrivacyAccessedAPITypes is missing or not an array"]
    seen = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(f"NSPrivacyAccessedAPITypes[{i}] is not a dictionary")
            continue
        category = entry.get("NSPrivacyAccessedAPIType")
        reasons = entry.get("NSPrivacyAccessedAPITypeReasons")
        if category not in REASONS:
            problems.append(f"NSPrivacyAccessedAPITypes[{i}]: unknown category {category!r}")
            continue
        if category in seen:
            problems.append(f"{category} is declared twice")
        seen.add(category)
        if not isinstance(reasons, list) or not reasons:
            problems.append(f"{category}: NSPrivacyAccessedAPITypeReasons is missing or empty")
            continue
        for reason in reasons:
            if reason not in REASONS[category]:
                problems.append(f"{category}: {reason!r} is not one of its reasons ({', '.join(sorted(REASONS[category]))})")
    return problems


def check(plist: str, symbols: str, swift_dir: str) -> tuple[list[str], str]:
    with open(plist, "rb") as f:
        manifest = plistlib.load(f)
    need = needed(pathlib.Path(symbols), pathlib.Path(swift_dir))
    problems = shape_problems(manifest)
    declared = {}
    if isinstance(manifest, dict) and isinstance(manifest.get("NSPrivacyAccessedAPITypes"), list):
        declared = {e.get("NSPrivacyAccessedAPIType"): e.get("NSPrivacyAccessedAPITypeReasons")
                    for e in manifest["NSPrivacyAccessedAPITypes"] if isinstance(e, dict)}
    for category in sorted(need):
        uses = ", ".join(need[category][:6]) + (" …" if len(need[category]) > 6 else "")
        if category in declared:
            print(f"{category} {declared[category]}: needed by {uses}")
        else:
            problems.append(f"{category} is not declared, but needed by {uses}")
    for category in sorted(c for c in declared if c in REASONS and c not in need):
        problems.append(f"{category} is declared, but no symbol or Swift source needs it")
    return ([f"{plist}: {p}" for p in problems],
            f"{plist}: ok ({len(declared)} categories declared, all needed, none missing)")


def main(argv: list[str]) -> int:
    # plistlib raises InvalidFileException, ExpatError or ValueError on a file that is not a plist.
    return run(__doc__, argv, 3, check, invalid=(plistlib.InvalidFileException, ExpatError, ValueError))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
