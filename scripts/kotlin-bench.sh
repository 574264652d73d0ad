#!/usr/bin/env bash
# Kotlin-side benchmark (benches/kotlin/): parseReturnUrl from Kotlin, and create + retrieve
# through the library vs. the same requests with the JDK's HttpClient, against one emulator.
# Installs what is missing first (see scripts/kotlin-common.sh).
#
#   scripts/kotlin-bench.sh            full run (about 10-30 s after the build)
#   scripts/kotlin-bench.sh --quick    a few rounds, to check that it works
#   KT_JNA=5.19.1 scripts/kotlin-bench.sh
#                                      the same with Debian testing's JNA 5.19.1 instead of the
#                                      system's 5.13 (root only; see run_with_newer_jna below)
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

# Does a newer JNA change the figures? Debian's JNA loads its native half only from
# /usr/lib/<arch>/jni, so the newer jar and library (Debian testing's packages, checked against
# the index's SHA-256) are bind-mounted over the system's files in a private mount namespace:
# the run sees JNA 5.19.1, nothing on the system changes.
run_with_newer_jna() {
  local ver=5.19.1 pool=http://deb.debian.org/debian/pool/main/libj/libjna-java
  local dir="$PWD/.tools/jna-$ver" arch_dir=/usr/lib/x86_64-linux-gnu/jni
  [ "$(id -u)" = 0 ] || { echo "KT_JNA needs root (unshare -m, mount --bind)" >&2; return 1; }
  [ -f "$arch_dir/libjnidispatch.system.so" ] || { echo "no system JNA at $arch_dir" >&2; return 1; }
  local jar="$dir/usr/share/java/jna-$ver.jar"
  # Both halves, so a download that failed half-way is retried.
  if [ ! -f "$jar" ] || [ ! -f "$dir$arch_dir/libjnidispatch.system.so" ]; then
    mkdir -p "$dir"
    local deb sum
    for deb in "libjna-java_${ver}-1_all.deb f1c4bd946a52b28eb602841c11447770a78ec2327e68f53a5aab33d7bf646efd" \
      "libjna-jni_${ver}-1_amd64.deb dd0d8194f971aaef2000591e2d2349739378481d29924fca0032cce0784607c3"; do
      sum=${deb#* }
      deb=${deb% *}
      kt_log "fetching $deb (Debian testing)"
      curl -fsS -o "$dir/$deb" "$pool/$deb"
      echo "$sum  $dir/$deb" | sha256sum -c --quiet
      dpkg-deb -x "$dir/$deb" "$dir"
    done
  fi
  # shellcheck disable=SC2016 # expanded by the inner shell, from its arguments
  unshare --mount --propagation private bash -c 'mount --bind "$1$4/libjnidispatch.system.so" "$4/libjnidispatch.system.so" &&
    mount --bind "$2" "$3" && shift 4 && exec "$@"' \
    run "$dir" "$jar" "$JNA_JAR" "$arch_dir" "$@"
}

kt_log "running the Kotlin benchmark"
case "${KT_JNA:-}" in
  "") kt_java bench io.checkoutbridge.bench.BenchKt "$@" ;;
  5.19.1)
    export -f kt_java kt_compile_cp
    export KT_NATIVE_DIR KT_EMULATOR KT_LIB KT_OUT JNA_JAR
    # shellcheck disable=SC2016
    run_with_newer_jna bash -c 'kt_java bench io.checkoutbridge.bench.BenchKt "$@"' bench "$@"
    ;;
  *) echo "KT_JNA: only 5.19.1 is supported" >&2; exit 2 ;;
esac
