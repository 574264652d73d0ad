#!/usr/bin/env python3
"""Post-processes UniFFI's generated Kotlin (scripts/bindings.sh runs it on every generation).

One change: `uniffiRustCallWithError`, which every synchronous crossing goes through (and every
async call several times), reuses its `UniffiRustCallStatus` per thread instead of constructing
a new JNA Structure each time. Constructing one costs 5-10 us on the JVM (reflection over the
fields, native memory, cleaner registration), more than the Rust work of most calls;
reusing it makes parseReturnUrl ~2.8x faster from Kotlin and create + retrieve ~15 % faster
(BENCHMARKS.md).

Why it is safe: a status lives only for one synchronous call, taken from and returned to a
per-thread stack; a nested call on the same thread (a Kotlin callback such as a PendingStore
calling back into Rust) takes a different status, so two calls never share one. Its fields are
reset before each use, and JNA writes them to native memory before the call.

The edit is anchored to the exact generated text: if a UniFFI upgrade changes that function,
this script fails and the change has to be looked at again, instead of silently not applying.

usage: patch_kotlin_bindings.py FILE.kt
"""
import sys

ORIGINAL = """private inline fun <U, E: kotlin.Exception> uniffiRustCallWithError(errorHandler: UniffiRustCallStatusErrorHandler<E>, callback: (UniffiRustCallStatus) -> U): U {
    var status = UniffiRustCallStatus()
    val return_value = callback(status)
    uniffiCheckCallStatus(errorHandler, status)
    return return_value
}"""

PATCHED = """// checkout-bridge: call statuses are reused per thread (scripts/patch_kotlin_bindings.py says
// why and why it is safe); constructing a JNA Structure per call dominated small calls.
// (A subclass, not ThreadLocal.withInitial: that needs Android API 26 and the library supports 24.)
internal val uniffiCallStatusPool = object : ThreadLocal<ArrayDeque<UniffiRustCallStatus>>() {
    override fun initialValue() = ArrayDeque<UniffiRustCallStatus>()
}

private inline fun <U, E: kotlin.Exception> uniffiRustCallWithError(errorHandler: UniffiRustCallStatusErrorHandler<E>, callback: (UniffiRustCallStatus) -> U): U {
    val pool = uniffiCallStatusPool.get()
    val status = pool.removeLastOrNull() ?: UniffiRustCallStatus()
    status.code = UNIFFI_CALL_SUCCESS
    status.error_buf.capacity = 0
    status.error_buf.len = 0
    status.error_buf.data = null
    try {
        val return_value = callback(status)
        uniffiCheckCallStatus(errorHandler, status)
        return return_value
    } finally {
        pool.addLast(status)
    }
}"""


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text.count(ORIGINAL) != 1:
        print(
            f"{path}: UniFFI's generated uniffiRustCallWithError is not the one this patch knows "
            "(a UniFFI upgrade?); review scripts/patch_kotlin_bindings.py",
            file=sys.stderr,
        )
        return 1
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(ORIGINAL, PATCHED))
    return 0


if __name__ == "__main__":
    sys.exit(main())
