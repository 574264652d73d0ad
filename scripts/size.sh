#!/usr/bin/env bash
# Release size of the library as a phone ships it: a cdylib alone (what Android's jniLibs hold),
# LTO, codegen-units = 1, opt-level s, then stripped. x86_64 Linux stands in for one Android ABI.
#
# `cargo rustc --crate-type cdylib` matters: building the cdylib together with the rlib and
# staticlib crate types (as a plain `cargo build` does) defeats LTO's dead-code removal and
# costs ~0.8 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo rustc --quiet --release --lib --features ffi --crate-type cdylib
lib=$CARGO_TARGET_DIR/release/libcheckout_bridge.so
out=$(mktemp)
trap 'rm -f "$out"' EXIT
strip --strip-all -o "$out" "$lib"
bytes=$(stat -c %s "$out")
printf 'stripped cdylib: %d bytes (%.2f MB, %.2f MiB)\n' "$bytes" "$(echo "$bytes/1000000" | bc -l)" "$(echo "$bytes/1048576" | bc -l)"
echo "largest contributors (symbol bytes by crate, from the unstripped library):"
nm --size-sort -S -C "$lib" | python3 -c '
import collections, re, sys
sizes = collections.Counter()
for line in sys.stdin:
    parts = line.split(None, 3)
    if len(parts) < 4:
        continue
    name = parts[3]
    m = re.match(r"^[<&\s]*(?:impl\s+)?([A-Za-z_][A-Za-z0-9_]*)::", name)
    if m:
        key = m.group(1)
    elif name.startswith("UNIFFI_META"):
        key = "uniffi metadata statics"
    elif name.startswith(("uniffi_", "ffi_checkout")):
        key = "uniffi scaffolding (exported fns, inlined library code)"
    elif "ring_core" in name or name.startswith(("ecp_", "GFp", "LIMBS", "OPENSSL", "fiat_")):
        key = "ring C/assembly"
    else:
        key = "other unmangled"
    sizes[key] += int(parts[1], 16)
for name, size in sizes.most_common(15):
    print(f"  {size / 1024:8.1f} KiB  {name}")
'
