#!/usr/bin/env bash
# The Kotlin benchmark (benches/kotlin/Bench.kt) on JMH, and the Rust figure it is compared with,
# against one stripe-emulator process (release builds, as `cargo bench` measures):
#
#   1. JMH (jvm/bench): create + retrieve through the library (over its built-in reqwest
#      transport, and over the OkHttp transport of kotlin-okhttp/), with bare OkHttp and with the
#      JDK's HttpClient, and parseReturnUrl; forks, warm-up and measured iterations as Bench.kt
#      says (3 forks x 5 x 2 s), mean ± 99.9 % confidence interval;
#   2. `cargo bench --bench overhead` with STRIPE_EMULATOR_URL: the same two calls from Rust;
#   3. the ratios library ÷ OkHttp, library-over-OkHttp ÷ OkHttp (issue 27's ≤ 1.3), library ÷
#      JDK and Kotlin ÷ Rust (errors propagated).
#
# Usage: scripts/kotlin-bench.sh [--quick] [--write] [JMH ARGS...]
#   --quick   1 fork, 2 short iterations, Rust quick mode: checks that it works (no figures)
#   --write   write the summary into BENCHMARKS.md (block figures:kotlin-bench, scripts/figures.py)
# Results: target/maven/checkout-bridge-bench/jmh.json and the summary on stdout. The machine's
# load is printed first and last (`uptime`): wide error bars on a busy machine mean "run again".
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

quick=false
write=false
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=true; shift ;;
    --write) write=true; shift ;;
    *) break ;;
  esac
done
if $quick && $write; then echo "--quick runs are too short to write figures from" >&2; exit 2; fi
out=target/maven/checkout-bridge-bench
load_before=$(uptime)
echo "load before: $load_before"

log "release builds: the library, the emulator; JVM bindings; the JMH harness"
cargo build --quiet --release -p checkout-bridge --lib "${CB_FFI[@]}"
cargo build --quiet --release -p checkout-bridge-emulator --bin stripe-emulator
scripts/bindings.sh --jvm target/kotlin-jvm
mvn -B -q --no-transfer-progress -pl jvm/bench -am -DskipTests process-classes

log "one emulator process for both languages"
emu_out=$(mktemp)
# --exit-on-stdin-eof: the emulator ends with this script, however it ends.
coproc EMU { target/release/stripe-emulator --port 0 --exit-on-stdin-eof 2>&1; }
trap 'kill "${EMU_PID:-}" 2>/dev/null || true; rm -f "$emu_out"' EXIT
read -r line <&"${EMU[0]}"
url=${line#stripe-emulator listening on }
case $url in http://127.0.0.1:*) ;; *) echo "unexpected emulator output: $line" >&2; exit 1 ;; esac
cat <&"${EMU[0]}" >"$emu_out" &
echo "emulator: $url"

log "JMH: Kotlin (library over reqwest and over OkHttp, bare OkHttp, JDK HttpClient, parseReturnUrl)"
jmh_args=(-rf json -rff "$out/jmh.json")
$quick && jmh_args+=(-f 1 -wi 1 -i 2 -w 1s -r 1s)
java -cp "$out/classes:$(cat "$out/classpath.txt")" org.openjdk.jmh.Main \
  -jvmArgsAppend "-Djna.library.path=$PWD/target/release -Dcheckoutbridge.emulatorUrl=$url" \
  "${jmh_args[@]}" "$@" 'io.checkoutbridge.bench.*'

log "Rust: cargo bench --bench overhead against the same emulator"
rust_args=(--bench)
$quick && rust_args=()
STRIPE_EMULATOR_URL=$url cargo bench --quiet --bench overhead -- "${rust_args[@]}" | tee "$out/rust-overhead.txt"

log "summary"
python3 - "$out/jmh.json" "$out/rust-overhead.txt" "$(java -version 2>&1 | head -1)" <<'PYEOF' | tee "$out/summary.md"
import json, re, sys
runs = {}
for r in json.load(open(sys.argv[1])):
    name = r["benchmark"].rsplit(".", 1)[1]
    params = ",".join(f"{k}={v}" for k, v in sorted(r.get("params", {}).items()))
    m = r["primaryMetric"]
    # JMH writes "NaN" (a string) for the error of too few samples (--quick).
    runs[f"{name}({params})" if params else name] = {**m, "score": float(m["score"]), "scoreError": float(m["scoreError"])}
rust = re.search(r"via CheckoutClient: ([0-9.]+) µs", open(sys.argv[2]).read())
labels = {
    "libraryPair": "create + retrieve through the library (built-in reqwest transport)",
    "libraryOkHttpPair": "the same through the library over `OkHttpTransport`",
    "okHttpPair": "the same two requests with bare OkHttp",
    "jdkPair": "the same two requests with the JDK `HttpClient`",
    "parseReturnUrl": "`parseReturnUrl` (one synchronous crossing)",
}
print(f"JMH, {sys.argv[3]}, against one release `stripe-emulator` process; mean ± 99.9 % interval:\n")
print("| measure | time |")
print("|---|---|")
for name, m in runs.items():
    print(f"| {labels.get(name, name)} | {m['score']:,.1f} ± {m['scoreError']:,.1f} {m['scoreUnit']} |")
def ratio(x, y):
    r = x["score"] / y["score"]
    return r, r * (x["scoreError"] / x["score"] + y["scoreError"] / y["score"])
print("\n| ratio | value | target |")
print("|---|---|---|")
rows = [("libraryOkHttpPair", "okHttpPair", "**library over `OkHttpTransport` ÷ bare OkHttp**", "≤ 1.3"),
        ("libraryPair", "okHttpPair", "library (reqwest) ÷ bare OkHttp", ""),
        ("libraryPair", "jdkPair", "library (reqwest) ÷ JDK HttpClient", "")]
for a, b, label, target in rows:
    if a in runs and b in runs:
        r, e = ratio(runs[a], runs[b])
        mark = (" ✔" if r <= 1.3 else " ✘") if target else ""
        print(f"| {label} | {r:.2f} ± {e:.2f} | {target}{mark} |")
if rust and "libraryPair" in runs:
    m = runs["libraryPair"]
    r = m["score"] / float(rust.group(1))
    print(f"| Kotlin ÷ Rust (Rust: {rust.group(1)} µs/pair through `CheckoutClient`, one run) | "
          f"{r:.2f} ± {r * m['scoreError'] / m['score']:.2f} | |")
PYEOF
load_after=$(uptime)
echo "load after: $load_after"
if $write; then
  python3 scripts/figures.py write kotlin-bench "$out/summary.md" --load-before "$load_before" --load-after "$load_after"
fi
