# Shared by scripts/kotlin-tests.sh and scripts/kotlin-bench.sh (sourced, not run).
#
# Installs what the Kotlin/JVM suites need (idempotently), builds the library, the emulator and
# the JVM-flavoured bindings, and compiles Kotlin sources into jars with a content-hash cache.
#
#   kt_setup                 tools: kotlinc (npm, pinned, into .tools/), JNA (Debian), java
#   kt_build_native          cargo build of the library and stripe-emulator ($KT_PROFILE); JVM bindings
#   kt_compile NAME SRC...   compile SRC (files or dirs) against the bindings into target/kotlin/NAME.jar
#   kt_java NAME MAIN ARGS   run MAIN from NAME.jar on the JVM with the library, bindings and emulator wired in
#
# Expects to be sourced from the repository root with `set -euo pipefail` in effect.

KOTLIN_COMPILER_VERSION=2.4.20 # npm package `kotlin-compiler` (full JVM compiler + coroutines)
# Its own npm prefix, so another `npm install` under .tools/ cannot prune it.
KT_TOOLS="$PWD/.tools/kotlin-compiler-$KOTLIN_COMPILER_VERSION"
KT_HOME="$KT_TOOLS/node_modules/kotlin-compiler"
KT_LIB="$KT_HOME/lib"
KT_OUT="$PWD/target/kotlin"
KT_BINDINGS_DIR="$PWD/target/kotlin-jvm"
# Cargo profile of the library and emulator the JVM loads: debug for tests, release for the bench.
KT_PROFILE=${KT_PROFILE:-debug}
KT_NATIVE_DIR="$PWD/target/$KT_PROFILE"
KT_EMULATOR="$KT_NATIVE_DIR/stripe-emulator"
JNA_JAR=${JNA_JAR:-/usr/share/java/jna.jar}

kt_log() { printf '==> %s\n' "$*" >&2; }

kt_setup() {
  command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)" >&2; return 1; }
  command -v java >/dev/null || { echo "java (17 or newer) is required" >&2; return 1; }

  if [ ! -f "$KT_HOME/package.json" ] ||
    ! grep -q "\"version\": \"$KOTLIN_COMPILER_VERSION\"" "$KT_HOME/package.json"; then
    command -v npm >/dev/null || { echo "npm is required to install kotlinc" >&2; return 1; }
    kt_log "installing kotlin-compiler@$KOTLIN_COMPILER_VERSION into ${KT_TOOLS#"$PWD"/}"
    mkdir -p "$KT_TOOLS"
    npm install --prefix "$KT_TOOLS" --no-save --no-audit --no-fund --loglevel=error \
      "kotlin-compiler@$KOTLIN_COMPILER_VERSION" >&2
  fi
  for jar in kotlin-stdlib.jar kotlinx-coroutines-core-jvm.jar kotlin-test.jar; do
    [ -f "$KT_LIB/$jar" ] || { echo "kotlin-compiler package lacks lib/$jar" >&2; return 1; }
  done
  # npm does not always keep the executable bit on files outside "bin" entries.
  [ -x "$KT_HOME/bin/kotlinc" ] || chmod +x "$KT_HOME"/bin/kotlin*

  if [ ! -f "$JNA_JAR" ]; then
    kt_log "installing JNA (Debian libjna-java)"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libjna-java >&2
  fi
  [ -f "$JNA_JAR" ] || { echo "JNA jar not found at $JNA_JAR" >&2; return 1; }
}

kt_build_native() {
  kt_log "building the library, the emulator ($KT_PROFILE) and the JVM bindings"
  local profile=()
  [ "$KT_PROFILE" = debug ] || profile=(--profile "$KT_PROFILE")
  cargo build --quiet "${profile[@]}" -p checkout-bridge --lib --features ffi
  cargo build --quiet "${profile[@]}" -p checkout-bridge-emulator --bin stripe-emulator
  # Bindings come from the debug library (scripts/bindings.sh); the exported API is the same.
  scripts/bindings.sh --jvm "$KT_BINDINGS_DIR"
  [ -f "$KT_NATIVE_DIR/libcheckout_bridge.so" ] || { echo "no $KT_NATIVE_DIR/libcheckout_bridge.so" >&2; return 1; }
  [ -x "$KT_EMULATOR" ] || { echo "no $KT_EMULATOR" >&2; return 1; }
}

kt_compile_cp() { echo "$JNA_JAR:$KT_LIB/kotlinx-coroutines-core-jvm.jar:$KT_LIB/kotlin-test.jar"; }

# kt_compile_jar OUT.jar CLASSPATH SRC... : compile unless the sources (by content) are unchanged.
kt_compile_jar() {
  local out=$1 cp=$2
  shift 2
  local files
  files=$(find "$@" -name '*.kt' -type f | LC_ALL=C sort)
  [ -n "$files" ] || { echo "no Kotlin sources in $*" >&2; return 1; }
  local stamp
  # shellcheck disable=SC2086
  stamp=$({ echo "$KOTLIN_COMPILER_VERSION $cp"; sha256sum $files; } | sha256sum | cut -d' ' -f1)
  if [ -f "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then
    kt_log "$(basename "$out") is up to date"
    return 0
  fi
  kt_log "compiling $(basename "$out") ($(echo "$files" | wc -l) files)"
  mkdir -p "$(dirname "$out")"
  rm -f "$out" "$out.stamp"
  # shellcheck disable=SC2086
  "$KT_HOME/bin/kotlinc" -nowarn -jvm-target 17 -cp "$cp" -d "$out" $files
  echo "$stamp" >"$out.stamp"
}

# kt_compile NAME SRC... : target/kotlin/bindings.jar (cached separately: it is the slow part),
# then target/kotlin/NAME.jar from SRC against it.
kt_compile() {
  local name=$1
  shift
  # The hand-written companion joins the generated code in one Kotlin module (it uses internals).
  kt_compile_jar "$KT_OUT/bindings.jar" "$(kt_compile_cp)" "$KT_BINDINGS_DIR" "$PWD/kotlin-support"
  kt_compile_jar "$KT_OUT/$name.jar" "$(kt_compile_cp):$KT_OUT/bindings.jar" "$@"
}

# kt_java NAME MAIN ARGS... : runs MAIN from target/kotlin/NAME.jar.
kt_java() {
  local name=$1 main=$2
  shift 2
  java -Xss4m \
    -Djna.library.path="$KT_NATIVE_DIR" \
    -Dcheckoutbridge.emulator="$KT_EMULATOR" \
    -cp "$(kt_compile_cp):$KT_LIB/kotlin-stdlib.jar:$KT_OUT/bindings.jar:$KT_OUT/$name.jar" \
    "$main" "$@"
}
