#!/usr/bin/env bash
# Release size of the library as a phone ships it, in its two builds: the default (the built-in
# reqwest transport) and the mobile build option without reqwest (`--no-default-features`: no
# reqwest, hyper, rustls, ring or root store; the app's OkHttp or URLSession sends instead).
# Each is the cdylib alone (what Android's jniLibs hold), the release profile (LTO,
# codegen-units = 1, opt-level z), linked through scripts/link-cdylib.sh (UniFFI's metadata
# statics not exported) with packed relative relocations, then stripped. x86_64 Linux stands in
# for one Android ABI; packing is what Android's linker does too (the NDK's clang passes
# --pack-dyn-relocs=relr from API 28, and android/build-rust.sh should pass
# -Wl,--pack-dyn-relocs=android for the minSdk 24 it links for): without it the x86_64 library
# carries ~80 KB of plain relocation entries no Android library has.
#
# `cargo rustc --crate-type cdylib` matters: building the cdylib together with the rlib and
# staticlib crate types (as a plain `cargo build` does) defeats LTO's dead-code removal and
# costs ~0.8 MB.
#
# Usage: scripts/size.sh [--write | --check]
#   (none)    build both, print their sizes and what contributes to them
#   --write   the same, then write the table into BENCHMARKS.md (block figures:size) with the date,
#             the commit, the load and the hash of the build inputs (scripts/figures.py)
#   --check   no build: fail if the committed figure was measured on other build inputs than
#             this tree's (what the test command runs; scripts/figures.py says what is hashed)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case $mode in
  "" | --write) ;;
  --check) exec python3 scripts/figures.py check ;;
  *) echo "usage: scripts/size.sh [--write | --check]" >&2; exit 2 ;;
esac

load_before=$(uptime)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
out=$CARGO_TARGET_DIR/size-report
mkdir -p "$out"
lib=$CARGO_TARGET_DIR/release/libcheckout_bridge.so
linker=(-C "linker=$PWD/scripts/link-cdylib.sh" -C "link-arg=-Wl,-z,pack-relative-relocs")

# build LABEL FEATURE-ARGS...: the stripped size on stdout's last line, the unstripped copy kept.
build() {
  local label=$1
  shift
  cargo rustc --quiet --release --lib "$@" --crate-type cdylib -- "${linker[@]}"
  cp "$lib" "$out/$label.so"
  strip --strip-all -o "$out/$label.stripped.so" "$lib"
}
build default --features ffi
build without-reqwest --no-default-features --features ffi
load_after=$(uptime)

human() { printf '%d bytes (%.2f MB, %.2f MiB)' "$1" "$(echo "$1/1000000" | bc -l)" "$(echo "$1/1048576" | bc -l)"; }
default_bytes=$(stat -c %s "$out/default.stripped.so")
lean_bytes=$(stat -c %s "$out/without-reqwest.stripped.so")
echo "stripped cdylib: $(human "$default_bytes")"
echo "stripped cdylib without reqwest: $(human "$lean_bytes")"

# The table: sizes against the targets, then symbol bytes by crate for both builds, then the
# library's own modules (from the unstripped copies; symbols, so they add up to less than the file).
python3 - "$out" "$default_bytes" "$lean_bytes" "$(rustc --version)" >"$out/table.md" <<'PYEOF'
import collections, re, subprocess, sys
out, default_bytes, lean_bytes, rustc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def symbols(path):
    nm = subprocess.run(["nm", "--size-sort", "-S", "-C", path], check=True, capture_output=True, text=True).stdout
    for line in nm.splitlines():
        parts = line.split(None, 3)
        if len(parts) == 4:
            yield int(parts[1], 16), parts[3]

def crate_of(name):
    m = re.match(r"^[<&\s]*(?:impl\s+)?([A-Za-z_][A-Za-z0-9_]*)::", name)
    if m:
        return m.group(1)
    if name.startswith(("uniffi_", "ffi_checkout")):
        return "uniffi scaffolding (exported fns, inlined library code)"
    if "ring_core" in name or name.startswith(("ecp_", "GFp", "LIMBS", "OPENSSL", "fiat_", "p256_", "p384_")):
        return "ring C/assembly (incl. the P-256 table)"
    return "other unmangled"

def module_of(name):
    m = re.search(r"checkout_bridge::([a-z_]+)::", name)
    return m.group(1) if m else None

by_crate, by_module = {}, {}
for label in ("default", "without-reqwest"):
    crates, modules = collections.Counter(), collections.Counter()
    for size, name in symbols(f"{out}/{label}.so"):
        crates[crate_of(name)] += size
        if crate_of(name) == "checkout_bridge" and module_of(name):
            modules[module_of(name)] += size
    by_crate[label], by_module[label] = crates, modules

def ok(bytes_, limit):
    return "✔" if bytes_ <= limit else "✘"

print("| build | stripped cdylib | target |")
print("|---|---|---|")
print(f"| default (`--features ffi`: reqwest, rustls on ring, Mozilla roots) | **{default_bytes:,} bytes "
      f"({default_bytes / 1e6:.2f} MB)** | ≤ 2.5 MB {ok(default_bytes, 2_500_000)} |")
print(f"| without reqwest (`--no-default-features --features ffi`: OkHttp / URLSession send) | **{lean_bytes:,} bytes "
      f"({lean_bytes / 1e6:.2f} MB)** | ≤ 1.3 MB {ok(lean_bytes, 1_300_000)} |")
print(f"\nx86_64 Linux, {rustc}. What contributes (symbol KiB in the unstripped library, largest first):\n")
print("| crate | default | without reqwest |")
print("|---|---|---|")
for name, size in by_crate["default"].most_common(22):
    print(f"| {name} | {size / 1024:.1f} | {by_crate['without-reqwest'].get(name, 0) / 1024:.1f} |")
print(f"| (all symbols) | {sum(by_crate['default'].values()) / 1024:.1f} | {sum(by_crate['without-reqwest'].values()) / 1024:.1f} |")
print("\nThe library's own modules (`checkout_bridge::…` symbols; UniFFI's exported wrappers, where much of it is "
      "inlined, are the scaffolding row above):\n")
print("| module | default | without reqwest |")
print("|---|---|---|")
for name, size in by_module["default"].most_common():
    print(f"| `{name}` | {size / 1024:.1f} | {by_module['without-reqwest'].get(name, 0) / 1024:.1f} |")
PYEOF
cat "$out/table.md"

if [ "$mode" = --write ]; then
  python3 scripts/figures.py write size "$out/table.md" --load-before "$load_before" --load-after "$load_after" \
    --inputs "$(python3 scripts/figures.py size-inputs)"
fi
