#!/usr/bin/env bash
# Kotlin-side benchmark (benches/kotlin/): parseReturnUrl from Kotlin, and create + retrieve
# through the library vs. the same requests with the JDK's HttpClient, against one emulator.
# Installs what is missing first (see scripts/kotlin-common.sh).
#
#   scripts/kotlin-bench.sh            full run (about 10-30 s after the build)
#   scripts/kotlin-bench.sh --quick    a few rounds, to check that it works
set -euo pipefail
cd "$(dirname "$0")/.."
# Optimised library and emulator, like `cargo bench`, so the figures compare with criterion's.
# KT_PROFILE=debug scripts/kotlin-bench.sh --quick skips the (slow, LTO) release build.
export KT_PROFILE=${KT_PROFILE:-release}
# shellcheck source=scripts/kotlin-common.sh
. scripts/kotlin-common.sh

kt_setup
kt_build_native
# The bench reuses the tests' emulator harness.
kt_compile bench tests/kotlin/Harness.kt benches/kotlin

kt_log "running the Kotlin benchmark"
kt_java bench io.checkoutbridge.bench.BenchKt "$@"
