#!/usr/bin/env python3
"""Checks an Xcode project file the way Xcode would first read it (no Xcode here).

    python3 scripts/swift_pbxproj_check.py PROJECT.xcodeproj PACKAGE_DIR

Parses PROJECT.xcodeproj/project.pbxproj (an old-style "OpenStep" property list: dictionaries
`{ k = v; }`, arrays `( a, b, )`, bare or quoted strings, `/* comments */`) and checks:

- the root object is a PBXProject and every object ID referenced anywhere resolves;
- every file reference inside a group exists on disk, and every `.swift` file in the app's source
  folder is compiled by the target (a file added on disk but not to the project is caught);
- the local package reference points at a directory whose Package.swift declares the product the
  target depends on, and the target's IPHONEOS_DEPLOYMENT_TARGET is at least the package's
  `.iOS(.vNN)` platform;
- each shared scheme's BlueprintIdentifier names a native target of the project.

Exits 1 (printing each problem) when anything fails or the file does not parse, 2 on a usage
error or a missing file.
"""
from __future__ import annotations

import pathlib
import re
import sys
import xml.etree.ElementTree as ET

from swift_check_cli import run

ID = re.compile(r"^[0-9A-F]{24}$")


class ParseError(Exception):
    pass


class OpenStep:
    """A recursive-descent reader for the subset of old-style plists that project.pbxproj uses."""

    TOKEN = re.compile(r'\s+|//[^\n]*|/\*.*?\*/|"(?:[^"\\]|\\.)*"|[{}()=;,]|[^\s{}()=;,"]+', re.S)

    def __init__(self, text: str):
        self.tokens = []
        pos = 0
        while pos < len(text):
            m = self.TOKEN.match(text, pos)
            if not m:
                raise ParseError(f"unexpected character at offset {pos}: {text[pos:pos + 20]!r}")
            tok = m.group(0)
            pos = m.end()
            if tok.isspace() or tok.startswith("//") or tok.startswith("/*"):
                continue
            self.tokens.append(tok)
        self.i = 0

    def next(self) -> str:
        if self.i >= len(self.tokens):
            raise ParseError("unexpected end of file")
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, want: str) -> None:
        got = self.next()
        if got != want:
            raise ParseError(f"expected {want!r}, got {got!r} (token {self.i})")

    def value(self):
        tok = self.next()
        if tok == "{":
            d = {}
            while self.tokens[self.i] != "}":
                key = self.scalar(self.next())
                self.expect("=")
                d[key] = self.value()
                self.expect(";")
            self.next()
            return d
        if tok == "(":
            items = []
            while self.tokens[self.i] != ")":
                items.append(self.value())
                sep = self.next()
                if sep == ")":
                    return items
                if sep != ",":
                    raise ParseError(f"expected ',' in an array, got {sep!r}")
            self.next()
            return items
        if tok in "}),;=":
            raise ParseError(f"unexpected {tok!r} (token {self.i})")
        return self.scalar(tok)

    @staticmethod
    def scalar(tok: str) -> str:
        if tok.startswith('"'):
            return re.sub(r"\\(.)", r"\1", tok[1:-1])
        return tok

    def document(self):
        root = self.value()
        if self.i != len(self.tokens):
            raise ParseError(f"trailing tokens after the root dictionary: {self.tokens[self.i]!r}")
        return root


def references(value):
    """Every object-ID-shaped string inside `value`."""
    if isinstance(value, dict):
        for v in value.values():
            yield from references(v)
    elif isinstance(value, list):
        for v in value:
            yield from references(v)
    elif isinstance(value, str) and ID.match(value):
        yield value


def version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def check(project: pathlib.Path, package_dir: pathlib.Path) -> list[str]:
    problems: list[str] = []
    root = OpenStep((project / "project.pbxproj").read_text(encoding="utf-8")).document()
    objects = root.get("objects", {})
    top = root.get("rootObject")
    if objects.get(top, {}).get("isa") != "PBXProject":
        return [f"rootObject {top} is not a PBXProject"]
    for oid, obj in objects.items():
        for ref in references(obj):
            if ref not in objects:
                problems.append(f"{oid} ({obj.get('isa')}) refers to {ref}, which is not an object")
    base = project.parent

    # Files on disk: walk the groups from the main group, accumulating paths.
    files_on_disk: dict[str, pathlib.Path] = {}

    def walk(gid: str, directory: pathlib.Path) -> None:
        group = objects.get(gid, {})
        here = directory / group["path"] if "path" in group and group.get("sourceTree") == "<group>" else directory
        for child in group.get("children", []):
            obj = objects.get(child, {})
            if obj.get("isa") == "PBXGroup":
                walk(child, here)
            elif obj.get("isa") == "PBXFileReference" and obj.get("sourceTree") == "<group>":
                path = here / obj["path"]
                files_on_disk[child] = path
                if not path.exists():
                    problems.append(f"file reference {obj['path']} ({child}): no such file {path}")

    walk(objects[top]["mainGroup"], base)

    targets = [objects[t] for t in objects[top].get("targets", []) if t in objects]
    natives = {t for t in objects[top].get("targets", []) if objects.get(t, {}).get("isa") == "PBXNativeTarget"}
    if not natives:
        problems.append("the project has no native target")
    package_refs = {r: objects[r] for r in objects[top].get("packageReferences", []) if r in objects}
    for target in targets:
        name = target.get("name")
        compiled = set()
        for phase in target.get("buildPhases", []):
            obj = objects.get(phase, {})
            if obj.get("isa") == "PBXSourcesBuildPhase":
                for bf in obj.get("files", []):
                    compiled.add(objects.get(bf, {}).get("fileRef"))
        source_dirs = {files_on_disk[f].parent for f in compiled if f in files_on_disk}
        if not compiled:
            problems.append(f"target {name} compiles nothing")
        for directory in source_dirs:
            for swift in sorted(directory.glob("*.swift")):
                if swift not in {files_on_disk.get(f) for f in compiled}:
                    problems.append(f"target {name}: {swift.relative_to(base)} is on disk but not compiled")
        for dep in target.get("packageProductDependencies", []):
            product = objects.get(dep, {})
            ref = package_refs.get(product.get("package"))
            if ref is None or ref.get("isa") != "XCLocalSwiftPackageReference":
                problems.append(f"target {name}: product {product.get('productName')} has no local package reference")
                continue
            pkg = (base / ref["relativePath"]).resolve()
            if pkg != package_dir.resolve():
                problems.append(f"target {name}: package reference {ref['relativePath']} is {pkg}, not {package_dir.resolve()}")
            manifest = (pkg / "Package.swift").read_text(encoding="utf-8") if (pkg / "Package.swift").exists() else ""
            if not re.search(rf'\.library\(\s*name:\s*"{re.escape(product.get("productName", ""))}"', manifest):
                problems.append(f"target {name}: {pkg}/Package.swift declares no library product {product.get('productName')!r}")
            platform = re.search(r"\.iOS\(\.v(\d+)(?:_(\d+))?\)", manifest)
            configs = objects.get(target.get("buildConfigurationList"), {}).get("buildConfigurations", [])
            project_configs = objects.get(objects[top].get("buildConfigurationList"), {}).get("buildConfigurations", [])
            for cid, pid in zip(configs, project_configs):
                settings = {**objects.get(pid, {}).get("buildSettings", {}), **objects.get(cid, {}).get("buildSettings", {})}
                deployment = settings.get("IPHONEOS_DEPLOYMENT_TARGET")
                if platform and (deployment is None or version(deployment) < (int(platform.group(1)), int(platform.group(2) or 0))):
                    problems.append(f"target {name} ({objects[cid].get('name')}): IPHONEOS_DEPLOYMENT_TARGET {deployment} "
                                    f"is below the package's .iOS(.v{platform.group(1)})")

    for scheme in sorted((project / "xcshareddata" / "xcschemes").glob("*.xcscheme")):
        for ref in ET.parse(scheme).getroot().iter("BuildableReference"):
            if ref.get("BlueprintIdentifier") not in natives:
                problems.append(f"{scheme.name}: BlueprintIdentifier {ref.get('BlueprintIdentifier')} is not a native target")
    return problems


def main(argv: list[str]) -> int:
    def run_check(project: str, package_dir: str) -> tuple[list[str], str]:
        problems = check(pathlib.Path(project), pathlib.Path(package_dir))
        return [f"{project}: {p}" for p in problems], f"{project}: ok"
    return run(__doc__, argv, 2, run_check, invalid=(ParseError, KeyError, ET.ParseError))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
