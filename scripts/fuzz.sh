#!/usr/bin/env bash
# Fuzzing (issue 11 item 14): builds the cargo-fuzz targets in fuzz/ and runs each for a given
# time, one at a time at the lowest CPU priority, printing per target the executions, executions
# per second and crashes from libFuzzer's final stats. Installs what it needs first: the nightly
# toolchain (rustup) and cargo-fuzz (crates.io).
#
# Usage:
#   scripts/fuzz.sh --seconds N [TARGET...]   each TARGET (default: all) for N seconds
#       --jobs J                              J targets at a time (default 1; one core each)
#       --write                               put the table into BENCHMARKS.md (block
#                                             figures:fuzz, scripts/figures.py), every target only
#   scripts/fuzz.sh --smoke                   every target on its corpus for a few seconds, from a
#                                             dev-profile build (the test command's fuzz stage)
#   scripts/fuzz.sh --cmin [TARGET...]        merge what runs found (fuzz/corpus-tmp) into
#                                             fuzz/corpus, minimised
#   scripts/fuzz.sh --list                    the target names
#   scripts/fuzz.sh --smoke --build-only      install the tools and build, run nothing (scripts/test.sh
#                                             starts this in the background, at the lowest priority)
#
# Runs read the committed corpus (fuzz/corpus/TARGET) and write what they find to
# fuzz/corpus-tmp/TARGET (git-ignored), so a run never changes the committed corpus; --cmin
# folds it in. A crash leaves its input in fuzz/artifacts/TARGET/; copy it into the corpus
# with the fix (a regression test next to the code, too).
#
# Built without AddressSanitizer (`--sanitizer none`): the code under test is safe Rust, and
# ASan would halve the executions; cargo-fuzz's release build keeps debug assertions and
# overflow checks, so an integer overflow is a crash. --smoke builds in the dev profile instead
# (`cargo fuzz build --dev`, debug assertions too): it compiles in far less CPU time than the
# release build (whose codegen-units=1 also serialises the biggest crates), and libFuzzer still
# replays every corpus input before it stops, so the smoke pass is the whole corpus as a
# regression test plus a few seconds of mutations, each execution much slower than in release.
# Fuzzing for real (--seconds, --cmin) uses the release build. Ends with `fuzz: N passed, M
# failed` (a target passes when it built, ran, and crashed on nothing); exits non-zero on any
# crash.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

TARGETS=(return_url server_create_form stripe_signature session_json emulator_form)
SMOKE_SECONDS=4

usage() { usage_text >&2; exit 2; }

mode=run
seconds=
profile=release
build_only=false
write=false
jobs=1
chosen=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --smoke) mode=run; seconds=$SMOKE_SECONDS; profile=dev; shift ;;
    --cmin) mode=cmin; shift ;;
    --build-only) build_only=true; shift ;;
    --write) write=true; shift ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    --list) printf '%s\n' "${TARGETS[@]}"; exit 0 ;;
    -h | --help) usage ;;
    -*) echo "unknown option $1" >&2; usage ;;
    *) chosen+=("$1"); shift ;;
  esac
done
[ "$mode" = cmin ] || [[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "give --seconds N or --smoke" >&2; usage; }
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "--jobs needs a positive number" >&2; usage; }
if $write; then
  [ "$profile" = release ] && [ "${#chosen[@]}" -eq 0 ] || { echo "--write needs --seconds N and every target" >&2; usage; }
fi
[ "${#chosen[@]}" -gt 0 ] || chosen=("${TARGETS[@]}")
for t in "${chosen[@]}"; do
  [[ " ${TARGETS[*]} " == *" $t "* ]] || { echo "no fuzz target $t (have: ${TARGETS[*]})" >&2; exit 2; }
done

log "tools: nightly toolchain and cargo-fuzz"
command -v rustup >/dev/null || { echo "rustup is required (https://rustup.rs)" >&2; exit 1; }
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
rustup run nightly rustc --version
if ! cargo fuzz --version >/dev/null 2>&1; then
  # A dev-profile build of the driver (it only runs cargo): quicker to compile than the release
  # build cargo install makes by default, and no slower at its job.
  nice cargo install cargo-fuzz --locked --debug
fi
cargo fuzz --version

build_flags=(--sanitizer none)
[ "$profile" = dev ] && build_flags+=(--dev)
log "build: cargo +nightly fuzz build ${build_flags[*]} (fuzz/target)"
# Every target at once (cargo-fuzz builds one or all; they share every dependency).
mkdir -p fuzz/artifacts
if ! (cd fuzz && nice cargo +nightly fuzz build "${build_flags[@]}") >fuzz/artifacts/build.log 2>&1; then
  grep -E -A5 '^error' fuzz/artifacts/build.log | head -n 40 || tail -n 40 fuzz/artifacts/build.log
  echo "fuzz: 0 passed, 1 failed"
  exit 1
fi
bin_dir=fuzz/target/$(rustc +nightly -vV | sed -n 's/^host: //p')/$([ "$profile" = dev ] && echo debug || echo release)
for t in "${chosen[@]}"; do
  [ -x "$bin_dir/$t" ] || { echo "the build did not produce $bin_dir/$t" >&2; exit 1; }
done
if $build_only; then echo "built: ${chosen[*]} ($bin_dir)"; exit 0; fi

if [ "$mode" = cmin ]; then
  for t in "${chosen[@]}"; do
    log "cmin $t"
    mkdir -p "fuzz/corpus/$t" "fuzz/corpus-tmp/$t"
    merged=$(mktemp -d)
    # -merge=1 keeps the smallest set of inputs that covers what both directories cover.
    nice -n 19 "$bin_dir/$t" -merge=1 "$merged" "fuzz/corpus/$t" "fuzz/corpus-tmp/$t" 2>&1 | grep -E '^MERGE-OUTER: [0-9]+ new' || true
    before=$(find "fuzz/corpus/$t" -type f | wc -l)
    rm -rf "fuzz/corpus/$t" && mv "$merged" "fuzz/corpus/$t" && chmod 755 "fuzz/corpus/$t"
    rm -rf "fuzz/corpus-tmp/$t"
    echo "$t: corpus $before -> $(find "fuzz/corpus/$t" -type f | wc -l) files, $(du -sb "fuzz/corpus/$t" | cut -f1) bytes"
  done
  exit 0
fi

# One line per target from libFuzzer's -print_final_stats=1 and the artifacts it left, written
# to $resdir/TARGET (runs may be parallel: each writes its own files).
resdir=$(mktemp -d)
trap 'rm -rf "$resdir"' EXIT
run_target() {
  local t=$1 logf before after rc execs rate crashes
  [ -d "fuzz/corpus/$t" ] || python3 fuzz/seeds/make_seeds.py
  mkdir -p "fuzz/corpus-tmp/$t" "fuzz/artifacts/$t"
  logf=fuzz/artifacts/$t/last-run.log
  before=$(find "fuzz/artifacts/$t" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)
  set +e
  nice -n 19 "$bin_dir/$t" "fuzz/corpus-tmp/$t" "fuzz/corpus/$t" \
    -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="fuzz/artifacts/$t/" >"$logf" 2>&1
  rc=$?
  set -e
  after=$(find "fuzz/artifacts/$t" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logf" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$logf" | tail -n 1)
  crashes=$((after - before))
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi # died without an artifact
  echo "$t: execs ${execs:-?}, execs/s ${rate:-?}, crashes $crashes" >"$resdir/$t"
  printf '| `%s` | %s | %s | %s |\n' "$t" "${execs:-?}" "${rate:-?}" "$crashes" >"$resdir/$t.row"
  if [ "$crashes" -ne 0 ] || [ -z "$execs" ]; then
    { grep -E -m 20 'panicked|ERROR|SUMMARY|Test unit written|deadly' "$logf" || tail -n 20 "$logf"; } >"$resdir/$t.why"
  fi
}

load_before=$(uptime)
running=0
for t in "${chosen[@]}"; do
  log "run $t for ${seconds} s"
  if [ "$jobs" -eq 1 ]; then
    run_target "$t"
  else
    run_target "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
  fi
done
wait
load_after=$(uptime)

results=()
for t in "${chosen[@]}"; do
  line=$(cat "$resdir/$t")
  results+=("$line")
  if [ -e "$resdir/$t.why" ]; then
    cat "$resdir/$t.why"
    fail "$line (log: fuzz/artifacts/$t/last-run.log)"
  else
    pass "$line"
  fi
done

log "fuzzing, ${seconds} s per target, $jobs at a time (nice -n 19, --sanitizer none, $profile build)"
printf '%s\n' "${results[@]}"
if $write; then
  {
    echo "$seconds s per target, $jobs at a time, \`nice -n 19\`, release build \`--sanitizer none\`, from the committed corpus:"
    echo
    echo "| target | executions | execs/s | crashes |"
    echo "|---|---|---|---|"
    for t in "${chosen[@]}"; do cat "$resdir/$t.row"; done
  } >"$resdir/table.md"
  python3 scripts/figures.py write fuzz "$resdir/table.md" --load-before "$load_before" --load-after "$load_after"
fi
summary fuzz
