#!/usr/bin/env bash
# The test command of checkout-bridge: every stage, or the stages named, after installing what
# those stages need (scripts/bootstrap.sh NEED...).
#
#   scripts/test.sh                  every stage, in the order of --list (.ci/run runs exactly this)
#   scripts/test.sh STAGE...         only those, in the order of --list: scripts/test.sh rust kotlin
#   scripts/test.sh --list           each stage: what it installs, what it runs
#   scripts/test.sh --help
#
# Every stage runs, whatever the others did; its output goes to the terminal and to
# target/test-logs/STAGE.log. At the end: the time each stage took, the last lines of each
# failing stage again, and one line over every stage run, `tests: N passed, M failed`; the exit
# status is 0 only when M is 0. With CI set (CI=true, as on CI), a check that cannot run counts
# as a failure, never a skip.
#
# A stage is one `stage` line below; docs/testing.md, "Adding a stage", says what it must do.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

STAGES=()
declare -A NEEDS=() ABOUT=() RUNS=() PREBUILDS=()
# stage NAME NEEDS DESCRIPTION COMMAND [ARG...]: NEEDS are scripts/bootstrap.sh parts ("" for
# none); COMMAND must end its output with `NAME: N passed, M failed`.
stage() {
  STAGES+=("$1")
  NEEDS[$1]=$2
  ABOUT[$1]=$3
  RUNS[$1]=$(printf '%q ' "${@:4}")
}
# prebuild NAME COMMAND [ARG...]: when stage NAME is chosen, COMMAND starts in the background as
# the run begins, at the lowest CPU priority, and the stage waits for it before it starts. For a
# build with a toolchain and target directory of its own (two cargo processes on one target
# directory would only wait for each other): it takes the cores the other stages leave idle
# (downloads, tests waiting on sockets and timers) instead of adding its minutes at the end.
prebuild() {
  PREBUILDS[$1]=$(printf '%q ' "${@:2}")
}

# ---- the stages -------------------------------------------------------------------------------

# What `cargo package -p checkout-bridge` ships (Cargo.toml's `include`): the sources and what
# describes them, nothing of bindings/, android/, ios/, tests, examples or benches. The expected
# list is docs/testing.md's; a new file under src/ is expected, anything else must be added there.
PACKAGE_FILES='^(\.cargo_vcs_info\.json|Cargo\.toml|Cargo\.toml\.orig|Cargo\.lock|README\.md|CHANGELOG\.md|uniffi\.toml|src/[a-z_]+\.rs)$'
package_check() {
  local list extra
  if ! list=$(cargo package -p checkout-bridge --list --allow-dirty 2>&1); then
    echo "$list" | tail -20
    fail "cargo package --list"
    return
  fi
  extra=$(grep -Ev "$PACKAGE_FILES" <<<"$list" || true)
  if [ -n "$extra" ]; then
    echo "$extra"
    fail "cargo package: files a user does not need (above); adjust include in Cargo.toml"
  else
    pass "cargo package: $(wc -l <<<"$list") files, none outside the library's sources and docs"
  fi
  for f in Cargo.toml README.md CHANGELOG.md src/lib.rs; do
    grep -qx "$f" <<<"$list" || fail "cargo package: $f is missing"
  done
  # Packs the .crate as it would be published (path-only dev-dependencies dropped, targets whose
  # files are not shipped removed), unpacks it, and checks that what is inside compiles on its
  # own: cargo package's own verify does that with a full build (about a CPU minute); a check
  # against the target dir reuses what rustdoc above checked.
  # Unpacked outside the repository: inside it, cargo would take it for a workspace member.
  local crate unpacked
  unpacked=$(mktemp -d)
  if cargo package -p checkout-bridge --no-verify --allow-dirty --quiet; then
    crate=$(find target/package -maxdepth 1 -name 'checkout-bridge-*.crate' | sort -V | tail -n 1)
    tar -xzf "$crate" -C "$unpacked"
    if CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target} cargo check --quiet --lib --manifest-path "$unpacked"/checkout-bridge-*/Cargo.toml; then
      pass "cargo package: $(basename "$crate") ($(stat -c %s "$crate") bytes) compiles on its own"
    else
      fail "cargo package: the packed crate does not compile on its own (a file missing from include?)"
    fi
    rm -rf "$unpacked"
  else
    fail "cargo package --no-verify"
  fi
}

stage_lints() {
  local tree
  if cargo fmt --all -- --check; then pass "cargo fmt --check"; else fail "cargo fmt --check: run cargo fmt --all"; fi
  # checkout-bridge-bindgen (uniffi's CLI) is left out here: scripts/bindings.sh builds it once.
  if cargo clippy --workspace --exclude checkout-bridge-bindgen --all-targets --quiet -- -D warnings; then
    pass "clippy -D warnings: the workspace, every target"
  else
    fail "clippy -D warnings: the workspace, every target"
  fi
  if cargo clippy -p checkout-bridge --features ffi --lib --quiet -- -D warnings; then
    pass "clippy -D warnings: the library with ffi"
  else
    fail "clippy -D warnings: the library with ffi"
  fi
  # The mobile build option (issue 27): the library without its built-in transport compiles
  # cleanly and holds no HTTP stack, TLS or root store of its own.
  if cargo clippy -p checkout-bridge --no-default-features --features ffi --lib --quiet -- -D warnings; then
    pass "clippy -D warnings: the library with ffi, without the reqwest transport"
  else
    fail "clippy -D warnings: the library with ffi, without the reqwest transport"
  fi
  tree=$(cargo tree -p checkout-bridge --no-default-features --features ffi -e normal --prefix none 2>&1)
  if grep -E '^(reqwest|hyper|hyper-util|hyper-rustls|rustls|tokio-rustls|ring|webpki-roots|rustls-webpki) v' <<<"$tree"; then
    fail "the build without the reqwest feature holds the crates above"
  else
    pass "the build without the reqwest feature holds no HTTP stack, TLS or root store"
  fi
  if RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p checkout-bridge --quiet; then
    pass "rustdoc -D warnings: the library"
  else
    fail "rustdoc -D warnings: the library"
  fi
  tree=$(cargo tree -p checkout-bridge-server -e normal --prefix none 2>&1)
  if grep -q '^uniffi' <<<"$tree"; then fail "server/ builds with uniffi (the library's feature ffi leaked in)"; else pass "server/ builds without uniffi"; fi
  tree=$(cargo tree -p checkout-bridge -e dev --prefix none 2>&1)
  if grep -q '^checkout-bridge-server' <<<"$tree"; then
    fail "the library dev-depends on the server (cargo tree -e dev -p checkout-bridge)"
  else
    pass "the library does not depend on the server, not even for its tests"
  fi
  package_check
  # The README shows the platform guides' counted integration code verbatim.
  if python3 scripts/readme_snippets.py; then
    pass "README shows docs/android.md's and docs/ios.md's snippets verbatim"
  else
    fail "README and the platform guides' snippets differ (scripts/readme_snippets.py)"
  fi
  summary lints
}

stage_rust() {
  local log=target/test-logs/rust-cargo.log rc passed failed ignored
  # A private PostgreSQL for the server's PostgreSQL tests, stopped again at the end of this stage
  # unless it was already running.
  if ! scripts/postgres.sh status >/dev/null 2>&1; then trap 'scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT; fi
  if CHECKOUT_BRIDGE_TEST_DATABASE_URL=$(scripts/postgres.sh start); then
    export CHECKOUT_BRIDGE_TEST_DATABASE_URL
  else
    echo "scripts/postgres.sh could not start PostgreSQL: the server's PostgreSQL tests look for it themselves"
  fi
  # The same selection and features as every other stage's build (lib.sh, dev_build), so the
  # crates compiled here are the ones the demo, the bindings, Kotlin and the rest load.
  set +e
  cargo test "${CB_DEV_SELECTION[@]}" --no-fail-fast 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  read -r passed failed < <(cargo_test_counts "$log")
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "cargo test exited $rc without a failing test: it did not build, or a test binary crashed"
    failed=1
  fi
  echo
  echo "rust: $passed passed, $failed failed"
}

stage_demo() {
  dev_build
  # The binaries dev_build made (`cargo run --example demo` would select the library alone and
  # compile its dependencies once more with other features).
  target/debug/examples/demo | tee target/test-logs/demo-direct.log || true
  expect target/test-logs/demo-direct.log "demo: outcome Paid" '^outcome: Paid$'
  target/debug/examples/demo --pay-later | tee target/test-logs/demo-later.log || true
  expect target/test-logs/demo-later.log "demo --pay-later: outcome Processing" '^outcome: Processing$'
  target/debug/examples/server_demo | tee target/test-logs/demo-server.log || true
  expect target/test-logs/demo-server.log "server_demo (through the reference server): outcome Paid" '^outcome: Paid$'
  set +e
  target/debug/examples/demo --bogus 2>target/test-logs/demo-usage.log
  local rc=$?
  set -e
  if [ "$rc" -eq 2 ] && grep -q '^usage: cargo run --example demo' target/test-logs/demo-usage.log; then
    pass "demo --bogus: refused with the usage line (exit 2)"
  else
    cat target/test-logs/demo-usage.log
    fail "demo --bogus: expected the usage line and exit 2, got exit $rc"
  fi
  summary demo
}

stage_bindings() {
  if scripts/bindings.sh --check; then pass "bindings/ is what UniFFI generates"; else fail "bindings/ is stale: run scripts/bindings.sh"; fi
  summary bindings
}

stage lints "lints" "rustfmt; clippy -D warnings (workspace every target, library with ffi, and without reqwest); rustdoc -D warnings; server without uniffi; library without the server; cargo package file list" stage_lints
stage rust "postgres stripe-spec" "cargo test: library, emulator (held to Stripe's spec), server, doctests, against the emulator on 127.0.0.1 (and a private PostgreSQL)" stage_rust
stage demo "" "the round trip on the emulator: demo, demo --pay-later, server_demo through the reference server, demo --bogus refused" stage_demo
stage bindings "" "the committed bindings are byte for byte what UniFFI generates (scripts/bindings.sh --check)" stage_bindings
prebuild bindings scripts/bindings.sh --build-generator
stage stripe-mock "stripe-mock" "scripts/stripe-mock.sh: Stripe's own stripe-mock judges every request the library can send; the tables generated from its spec are current" scripts/stripe-mock.sh
stage ios "tree-sitter c shell cross" "scripts/ios-check.sh: Swift syntax, C header, C-ABI smoke test, aarch64-apple-ios check, build script" scripts/ios-check.sh
stage kotlin "jvm" "scripts/kotlin-tests.sh: JUnit 5 under Maven against the real library and the emulator; android/ against android-all" scripts/kotlin-tests.sh
stage android "jvm tree-sitter shell cross" "scripts/android-check.sh: the Gradle module's sources against android-all, syntax, aarch64-linux-android check, build script" scripts/android-check.sh
stage browser "browser" "scripts/browser-test.sh: headless Chromium pays and cancels on the hosted page, reads the server's return page" scripts/browser-test.sh
stage ops "curl" "scripts/ops-check.sh: the server binary's /healthz, /readyz, JSON logs, /metrics moving during a demo run" scripts/ops-check.sh
stage fuzz "" "scripts/fuzz.sh --smoke: each cargo-fuzz target for a few seconds (installs nightly and cargo-fuzz)" scripts/fuzz.sh --smoke
prebuild fuzz scripts/fuzz.sh --smoke --build-only
stage figures "" "scripts/figures.py check: every BENCHMARKS.md figure written by its script, the size figure measured on this tree's build inputs" python3 scripts/figures.py check

# ---- the command line -------------------------------------------------------------------------

usage() { usage_text; }
chosen=()
for arg in "$@"; do
  case $arg in
    -h | --help) usage; exit 0 ;;
    --list)
      for s in "${STAGES[@]}"; do printf '%-9s %s\n          needs: %s\n' "$s" "${ABOUT[$s]}" "${NEEDS[$s]:-nothing}"; done
      exit 0
      ;;
    -*) echo "unknown option $arg (scripts/test.sh --help)" >&2; exit 2 ;;
    *)
      [ -n "${ABOUT[$arg]+x}" ] || { echo "no stage called $arg; the stages: ${STAGES[*]}" >&2; exit 2; }
      chosen+=("$arg")
      ;;
  esac
done
run_list=()
for s in "${STAGES[@]}"; do
  if [ "${#chosen[@]}" -eq 0 ] || [[ " ${chosen[*]} " == *" $s "* ]]; then run_list+=("$s"); fi
done

# ---- running them -----------------------------------------------------------------------------

mkdir -p target/test-logs
started=$SECONDS
declare -A took=() cpu=() result=()
# CPU seconds (user + system) of every process this shell has waited for: `times` runs here, not
# in a subshell (a forked shell starts again from zero). Next to the wall-clock time it shows
# what a stage costs on a loaded machine, where waiting for a core inflates the wall clock.
cpu_file=$(mktemp)
declare -A prebuilding=() prebuild_took=() prebuild_cpu=()
stop_prebuilds() {
  local s p
  for s in "${!prebuilding[@]}"; do
    if p=$(cat "target/test-logs/$s-prebuild.pid" 2>/dev/null); then kill -- "-$p" 2>/dev/null || true; fi
  done
}
trap 'stop_prebuilds; rm -f "$cpu_file"' EXIT
# cpu_of FILE: the children's user + system seconds in FILE, an output of `times`.
cpu_of() { awk 'NR == 2 { split($1, u, /[ms]/); split($2, y, /[ms]/); printf "%d", u[1] * 60 + u[2] + y[1] * 60 + y[2] }' "$1"; }
cpu_now() { times >"$cpu_file"; cpu_seconds=$(cpu_of "$cpu_file"); }
# run_prebuild BASE COMMAND: runs COMMAND (the background shell's only work), its output in
# BASE.log, and writes "EXIT-STATUS SECONDS CPU-SECONDS" to BASE.done.
run_prebuild() {
  echo $$ >"$1.pid"
  SECONDS=0
  eval "$2" >"$1.log" 2>&1
  local rc=$?
  times >"$1.times"
  echo "$rc $SECONDS $(cpu_of "$1.times")" >"$1.done"
}
for s in "${run_list[@]}"; do
  [ -n "${PREBUILDS[$s]:-}" ] || continue
  base=target/test-logs/$s-prebuild
  rm -f "$base".pid "$base".done "$base".times
  log "prebuild for $s, in the background ($base.log): ${PREBUILDS[$s]}"
  # Detached (the subshell exits at once): not this shell's child, so its CPU time is not
  # counted into whichever stage runs when it ends; it writes its own into $base.done. A process
  # group of its own (setsid), so that stopping it early stops its cargo too.
  (setsid nice -n 19 bash -c "$(declare -f cpu_of run_prebuild)"'; run_prebuild "$@"' _ "$base" "${PREBUILDS[$s]}" &)
  prebuilding[$s]=1
done
needs=()
for s in "${run_list[@]}"; do
  for n in ${NEEDS[$s]}; do [[ " ${needs[*]} " == *" $n "* ]] || needs+=("$n"); done
done
log "tools: scripts/bootstrap.sh ${needs[*]:-(nothing to install)}"
t=$SECONDS
cpu_now
c=$cpu_seconds
bootstrap_ok=true
if [ "${#needs[@]}" -gt 0 ]; then
  scripts/bootstrap.sh "${needs[@]}" 2>&1 | tee target/test-logs/bootstrap.log || bootstrap_ok=false
fi
cargo --version
bootstrap_took=$((SECONDS - t))
cpu_now
bootstrap_cpu=$((cpu_seconds - c))

for s in "${run_list[@]}"; do
  log "stage $s: ${ABOUT[$s]}"
  t=$SECONDS
  cpu_now
  c=$cpu_seconds
  if [ -n "${prebuilding[$s]:-}" ]; then
    # What is left of it is waited for here, in the stage's time (at most an hour; it stops by
    # itself sooner). A failed prebuild is not a result: the stage builds again and reports what
    # fails.
    base=target/test-logs/$s-prebuild
    for _ in $(seq 1 3600); do
      [ -e "$base.done" ] && break
      pid=$(cat "$base.pid" 2>/dev/null || true)
      [ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
    read -r rc took_s cpu_s <"$base.done" 2>/dev/null || rc=gone
    prebuild_took[$s]=${took_s:-?}
    prebuild_cpu[$s]=${cpu_s:-?}
    [ "$rc" = 0 ] || echo "the prebuild did not finish well (exit $rc, $base.log); the stage builds again"
    unset "prebuilding[$s]"
  fi
  set +e
  # A subshell: a stage's traps, exports and counters end with it.
  (eval "${RUNS[$s]}") 2>&1 | tee "target/test-logs/$s.log"
  rc=${PIPESTATUS[0]}
  set -e
  took[$s]=$((SECONDS - t))
  cpu_now
  cpu[$s]=$((cpu_seconds - c))
  line=$(grep -E "^$s: [0-9]+ passed, [0-9]+ failed\$" "target/test-logs/$s.log" | tail -n 1 || true)
  if [ -z "$line" ]; then
    line="$s: 0 passed, 1 failed"
    echo "$s stopped (exit $rc) before its closing line: counted as one failure" | tee -a "target/test-logs/$s.log"
  elif [ "$rc" -ne 0 ] && grep -Eq ' 0 failed$' <<<"$line"; then
    line="${line% 0 failed} 1 failed"
    echo "$s exited $rc although it counted no failure: counted as one" | tee -a "target/test-logs/$s.log"
  fi
  result[$s]=$line
done

# ---- the end of the run -----------------------------------------------------------------------

passed=0
failed=0
$bootstrap_ok || failed=$((failed + 1))
for s in "${run_list[@]}"; do
  read -r p f < <(sed -E 's/^[a-z0-9_-]+: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/' <<<"${result[$s]}")
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" -gt 0 ]; then
    log "stage $s FAILED; its last lines (all of it: target/test-logs/$s.log)"
    tail -n 40 "target/test-logs/$s.log"
  fi
done
if ! $bootstrap_ok; then
  log "scripts/bootstrap.sh FAILED; its last lines (target/test-logs/bootstrap.log)"
  tail -n 20 target/test-logs/bootstrap.log
fi

log "time per stage"
printf '  %-10s %5s s  cpu %5s s  %s\n' bootstrap "$bootstrap_took" "$bootstrap_cpu" "$($bootstrap_ok && echo ok || echo FAILED)"
for s in "${run_list[@]}"; do
  printf '  %-10s %5s s  cpu %5s s  %s\n' "$s" "${took[$s]}" "${cpu[$s]}" "${result[$s]#*: }"
  if [ -n "${prebuild_took[$s]:-}" ]; then
    printf '  %-10s %5s s  cpu %5s s  in the background from the start\n' "  prebuild" "${prebuild_took[$s]:-?}" "${prebuild_cpu[$s]:-?}"
  fi
done
cpu_now
printf '  %-10s %5s s  cpu %5s s  (%s cores, load %s)\n' total "$((SECONDS - started))" "$cpu_seconds" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "tests: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
