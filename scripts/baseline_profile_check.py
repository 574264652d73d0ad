#!/usr/bin/env python3
"""Checks a baseline profile (android/src/main/baseline-prof.txt) against compiled classes.

    python3 scripts/baseline_profile_check.py [--only PACKAGE/]... PROFILE CLASSES...

CLASSES are directories of .class files, jars, or aars (their classes.jar is read); with --only,
classes outside the given package prefixes (e.g. `io/checkoutbridge/`) are not counted, so that
compile-only stand-ins next to them cannot make a rule pass. Every rule
must parse as the Android Gradle plugin's parser reads it (com.android.tools.profgen,
HumanReadableProfile.kt; developer.android.com/topic/performance/baselineprofiles/manually-create-measure,
"Rule syntax"):

    rule        ::= class_rule | method_rule        (blank lines and `#` comments are skipped)
    class_rule  ::= target                          (no flags: profgen refuses flags on a class rule)
    method_rule ::= flags target '->' name '(' params ')' return_type   (flags required)
    flags       ::= ( 'H' | 'S' | 'P' )+
    target      ::= 'L' ( part '/' )* part ';'      (parts of name characters and wildcards)
    wildcards   ::= '**' (any run, '/' and ';' included) | '*' (within one part) | '?' (one character)

and name something that exists: an exact class must be among CLASSES, a class pattern must match
at least one of them, and a method part must match a method of a matched class (its name and
JVM descriptor, as profgen's DexMethod), except `**(**)**`, which means every method there is.
Prints one line per problem (PROFILE:LINE: message) and exits 1 when there is any.
"""
import io
import pathlib
import re
import struct
import sys
import zipfile

NAME = r"[-\w$<>\[\]]"  # profgen's WildPart characters, the ones a name part may hold


def wildcard_regex(fragment: str) -> re.Pattern:
    """profgen's RuleFragmentParser: `**`, `*`, `?` become patterns, everything else is literal."""
    out = []
    for token in re.findall(r"\*\*|\*|\?|[^*?]+", fragment):
        if token == "**":
            out.append(r"[-\w$<>/;\[\]]*")
        elif token == "*":
            out.append(NAME + "*")
        elif token == "?":
            out.append(r"[\w<>\[\]]")
        else:
            out.append(re.escape(token))
    return re.compile("".join(out))


class ParseError(Exception):
    pass


def parse_rule(line: str):
    """(flags, target, method or None, params, return type) for a rule line; None for a blank or comment."""
    text = line.rstrip()
    if not text.strip() or text.startswith("#"):
        return None
    m = re.match(r"([HSP]*)", text)
    flags = m.group(1)
    rest = text[len(flags):]
    if not rest.startswith(("L", "*", "?")):
        raise ParseError(f"column {len(flags) + 1}: expected a class descriptor `L…;` after the flags, got {rest[:1]!r}")
    arrow = rest.find("->")
    target = rest if arrow < 0 else rest[:arrow]
    if any(c in target for c in "()#") or re.search(r"\s", target):
        raise ParseError(f"illegal character in the class descriptor {target!r}")
    if not re.fullmatch(r"L(?:(?:[\w$<>\[\]-]|\*|\?)+/)*(?:[\w$<>\[\]-]|\*\*|\*|\?)+;|L(?:[\w$/<>\[\]-]|\*|\?)*\*\*", target):
        raise ParseError(f"{target!r} is not a class descriptor (L, parts separated by /, ;)")
    if arrow < 0:
        if flags:
            raise ParseError(f"flags {flags!r} on a class rule: a class rule takes none")
        return flags, target, None, None, None
    method = rest[arrow + 2:]
    m = re.fullmatch(r"([^()#;\s]+)\(([^()#\s]*)\)([^()#\s]+)", method)
    if not m:
        raise ParseError(f"{method!r} is not a method: name(parameters)return type")
    if not flags:
        raise ParseError("a method rule needs flags (H, S and/or P)")
    return flags, target, m.group(1), m.group(2), m.group(3)


def class_file_methods(data: bytes):
    """The (name, descriptor) of every method a .class file declares."""
    if data[:4] != b"\xca\xfe\xba\xbe":
        raise ValueError("not a class file")
    count = struct.unpack_from(">H", data, 8)[0]
    pos, utf8, i = 10, {}, 1
    sizes = {3: 4, 4: 4, 7: 2, 8: 2, 9: 4, 10: 4, 11: 4, 12: 4, 15: 3, 16: 2, 17: 4, 18: 4, 19: 2, 20: 2}
    while i < count:
        tag = data[pos]
        pos += 1
        if tag == 1:
            n = struct.unpack_from(">H", data, pos)[0]
            utf8[i] = data[pos + 2:pos + 2 + n].decode("utf-8", "replace")
            pos += 2 + n
        elif tag in (5, 6):
            pos += 8
            i += 1  # a long or double takes two entries
        else:
            pos += sizes[tag]
        i += 1
    pos += 6  # access flags, this class, super class
    interfaces = struct.unpack_from(">H", data, pos)[0]
    pos += 2 + 2 * interfaces

    def members(pos):
        n = struct.unpack_from(">H", data, pos)[0]
        pos += 2
        found = []
        for _ in range(n):
            _, name, desc, attrs = struct.unpack_from(">HHHH", data, pos)
            pos += 8
            for _ in range(attrs):
                pos += 6 + struct.unpack_from(">I", data, pos + 2)[0]
            found.append((utf8[name], utf8[desc]))
        return found, pos

    _, pos = members(pos)  # fields
    methods, _ = members(pos)
    return methods


def load_classes(paths):
    """{"pkg/Name": [(method, descriptor), …]} from directories, jars and aars."""
    classes = {}

    def from_zip(z: zipfile.ZipFile):
        for name in z.namelist():
            if name.endswith(".class") and not name.startswith("META-INF/"):
                classes[name[:-6]] = class_file_methods(z.read(name))

    for path in map(pathlib.Path, paths):
        if path.is_dir():
            for f in path.rglob("*.class"):
                classes[f.relative_to(path).as_posix()[:-6]] = class_file_methods(f.read_bytes())
        elif path.suffix == ".aar":
            with zipfile.ZipFile(path) as aar:
                with zipfile.ZipFile(io.BytesIO(aar.read("classes.jar"))) as jar:
                    from_zip(jar)
        else:
            with zipfile.ZipFile(path) as jar:
                from_zip(jar)
    return classes


def check(profile: pathlib.Path, classes: dict) -> list[str]:
    problems, rules = [], 0
    descriptors = {f"L{c};": c for c in classes}
    for number, line in enumerate(profile.read_text().splitlines(), 1):
        where = f"{profile}:{number}"
        try:
            rule = parse_rule(line)
        except ParseError as e:
            problems.append(f"{where}: {e}: {line}")
            continue
        if rule is None:
            continue
        rules += 1
        _, target, method, params, ret = rule
        if "*" in target or "?" in target:
            pattern = wildcard_regex(target)
            matched = [c for d, c in descriptors.items() if pattern.fullmatch(d)]
            if not matched:
                problems.append(f"{where}: no class matches {target}")
                continue
        elif target in descriptors:
            matched = [descriptors[target]]
        else:
            problems.append(f"{where}: class {target} does not exist in the compiled classes")
            continue
        if method is None or (method, params, ret) == ("**", "**", "**"):
            continue
        name_re, params_re, ret_re = wildcard_regex(method), wildcard_regex(params), wildcard_regex(ret)
        hit = any(
            name_re.fullmatch(name) and (m := re.fullmatch(r"\((.*)\)(.*)", desc))
            and params_re.fullmatch(m.group(1)) and ret_re.fullmatch(m.group(2))
            for c in matched for name, desc in classes[c]
        )
        if not hit:
            problems.append(f"{where}: no method {method}({params}){ret} in {target}")
    if rules == 0:
        problems.append(f"{profile}: no rules")
    return problems


def main(argv):
    args, only = argv[1:], []
    while len(args) >= 2 and args[0] == "--only":
        only.append(args[1])
        args = args[2:]
    if len(args) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    profile = pathlib.Path(args[0])
    classes = {c: m for c, m in load_classes(args[1:]).items() if not only or c.startswith(tuple(only))}
    problems = check(profile, classes)
    for p in problems:
        print(p)
    if problems:
        return 1
    rules = sum(1 for line in profile.read_text().splitlines() if line.strip() and not line.startswith("#"))
    print(f"{profile}: {rules} rules parse, and every class and method they name exists ({len(classes)} classes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
