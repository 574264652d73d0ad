#!/usr/bin/env bash
# Cold start: the first call into the library from Kotlin, each sample in a fresh JVM, in parts
# (benches/kotlin/ColdStart.kt): JNA, loading the library, UniFFI's checks, registering the
# functions, the first call; and the second call for scale. The release library, the JVM-flavoured
# bindings exactly as UniFFI generates them, OpenJDK with no flags.
#
# Two builds of the bindings are measured: as committed (uniffi.toml: UniFFI's contract-version
# check and its per-function checksum checks), and with `omit_checksums = true` (contract version
# only), so that the cost of the checksum checks is a measured difference (docs/performance.md,
# "UniFFI's checks", has the decision it informs).
#
# Usage: scripts/cold-start.sh [--runs N] [--write]
#   --runs N   fresh JVMs per build of the bindings (default 10); the figures are medians
#   --write    write the table into BENCHMARKS.md (block figures:cold-start, scripts/figures.py)
# Run it on a quiet machine: `uptime` is printed (and recorded) before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

runs=10
write=false
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --write) write=true; shift ;;
    *) echo "usage: scripts/cold-start.sh [--runs N] [--write]" >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "--runs: a positive number" >&2; exit 2; }
load_before=$(uptime)
echo "load before: $load_before"
out=target/cold-start
mkdir -p "$out"

log "release library; JVM bindings as committed and without checksums; the harness"
cargo build --quiet --release -p checkout-bridge --lib "${CB_FFI[@]}"
scripts/bindings.sh --jvm target/kotlin-jvm
# The same bindings with omit_checksums (UniFFI's own option), generated from the same library.
scripts/bindings.sh --jvm target/kotlin-jvm-omit --omit-checksums
if ! grep -q 'uniffiCheckApiChecksums(this)' target/kotlin-jvm/io/checkoutbridge/checkout_bridge.kt ||
  grep -q 'uniffiCheckApiChecksums(this)' target/kotlin-jvm-omit/io/checkoutbridge/checkout_bridge.kt; then
  echo "expected the checksum checks in target/kotlin-jvm only (uniffi.toml or UniFFI changed?)" >&2
  exit 1
fi
mvn -B -q --no-transfer-progress -pl jvm/bench -am -DskipTests process-classes
mvn -B -q --no-transfer-progress -pl jvm/bench -am -DskipTests process-classes \
  -Dmaven.out.root="$PWD/target/maven-omit" -Djvm.bindings.dir="$PWD/target/kotlin-jvm-omit"

java=java
[ -n "${JAVA_HOME:-}" ] && java=$JAVA_HOME/bin/java
for variant in checksums omit; do
  dir=target/maven/checkout-bridge-bench
  [ "$variant" = omit ] && dir=target/maven-omit/checkout-bridge-bench
  log "$runs fresh JVMs, bindings: $variant"
  : >"$out/$variant.jsonl"
  for _ in $(seq "$runs"); do
    "$java" -cp "$dir/classes:$(cat "$dir/classpath.txt")" -Djna.library.path="$PWD/target/release" \
      io.checkoutbridge.bench.ColdStart | tee -a "$out/$variant.jsonl"
  done
done
load_after=$(uptime)

log "medians"
python3 - "$out/checksums.jsonl" "$out/omit.jsonl" "$runs" "$("$java" -version 2>&1 | head -1)" >"$out/table.md" <<'PYEOF'
import json, statistics, sys
runs = {name: [json.loads(l) for l in open(path) if l.strip()] for name, path in (("checksums", sys.argv[1]), ("omit", sys.argv[2]))}
n, java = sys.argv[3], sys.argv[4]
parts = [
    ("jna", "JNA (its dispatch library unpacked from the jar and loaded; on Android it comes from the APK)"),
    ("library", "`libcheckout_bridge` loaded (dlopen through JNA's `NativeLibrary`)"),
    ("checks", "UniFFI's checks: contract version + per-function checksums (run by `CheckoutBridgeRuntime.warmUp()`; UniFFI's Kotlin never runs them by itself)"),
    ("functions", "every exported function registered with JNA, callback vtables handed over"),
    ("firstCall", "the first call (`parseReturnUrl`: conversions loaded, Rust's first use)"),
]
med = {v: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for v, rs in runs.items()}
total = {v: sum(m[k] for k, _ in parts) for v, m in med.items()}
cpu = {v: sum(m["cpu." + k] for k, _ in parts) for v, m in med.items()}
print(f"Median of {n} fresh JVMs per column ({java}, the release library); wall time, and in brackets the "
      "calling thread's CPU time, which a busy machine does not inflate:\n")
print("| part | as committed (contract + checksums) | `omit_checksums = true` (contract only) |")
print("|---|---|---|")
for k, label in parts:
    cells = [f"{med[v][k]:.1f} ms ({med[v]['cpu.' + k]:.1f})" for v in ("checksums", "omit")]
    print(f"| {label} | {cells[0]} | {cells[1]} |")
print(f"| **first call, cold (sum of the parts)** | **{total['checksums']:.1f} ms** ({cpu['checksums']:.1f}) | "
      f"**{total['omit']:.1f} ms** ({cpu['omit']:.1f}) |")
print(f"| the second call | {med['checksums']['secondCall']:.2f} ms | {med['omit']['secondCall']:.2f} ms |")
diff = med["checksums"]["checks"] - med["omit"]["checks"]
diff_cpu = med["checksums"]["cpu.checks"] - med["omit"]["cpu.checks"]
print(f"\nThe per-function checksum checks: {diff:+.1f} ms wall ({diff_cpu:+.1f} ms CPU) between the medians. "
      f"Target for the whole cold first call: ≤ 40 ms.")
PYEOF
cat "$out/table.md"
echo "load after: $load_after"
if $write; then
  python3 scripts/figures.py write cold-start "$out/table.md" --load-before "$load_before" --load-after "$load_after"
fi
