#!/usr/bin/env bash
# Linker wrapper for the release cdylib: runs the real linker after removing UniFFI's metadata
# statics (UNIFFI_META_*) from the list of symbols rustc exports, so that --gc-sections drops
# them (67 KiB, and their names from the dynamic symbol table: ~80 KB of a stripped library).
#
# Why they can go: uniffi-bindgen reads that metadata from the unstripped library when bindings
# are generated (scripts/bindings.sh, from the dev build); the bindings never look the statics up
# at run time, and every function they call (the checksum functions included) stays exported.
# A static library (iOS) needs nothing of this: the app's linker dead-strips the statics.
#
# Use (the final crate only, after `--`):
#   cargo rustc --release --lib --crate-type cdylib -- -C linker=$PWD/scripts/link-cdylib.sh
# The real linker: $CB_REAL_LINKER; else the one cargo-ndk set for the target
# (CARGO_TARGET_<TRIPLE>_LINKER, when exactly one is set); else `cc`.
set -euo pipefail
real=${CB_REAL_LINKER:-}
if [ -z "$real" ]; then
  mapfile -t set_linkers < <(env | sed -n 's/^CARGO_TARGET_[A-Z0-9_]*_LINKER=//p')
  if [ "${#set_linkers[@]}" -eq 1 ]; then real=${set_linkers[0]}; else real=cc; fi
fi
for arg in "$@"; do
  case $arg in
    -Wl,--version-script=*)
      list=${arg#-Wl,--version-script=}
      if [ -f "$list" ]; then
        grep -v 'UNIFFI_META_' "$list" >"$list.kept"
        mv "$list.kept" "$list"
      fi
      ;;
  esac
done
exec "$real" "$@"
