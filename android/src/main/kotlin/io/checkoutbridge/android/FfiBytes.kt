// Records and errors of the bindings as bytes, for Intent extras (the contract's input and
// result). Pure Kotlin: the generated converters' own wire form (`write`/`read` on a heap
// ByteBuffer), with no call into the native library, so it is safe on the main thread at any time.
package io.checkoutbridge.android

import io.checkoutbridge.FfiConverterRustBuffer
import java.nio.BufferUnderflowException
import java.nio.ByteBuffer
import java.nio.ByteOrder

internal object FfiBytes {
    fun <T> encode(converter: FfiConverterRustBuffer<T>, value: T): ByteArray {
        val buf = ByteBuffer.allocate(converter.allocationSize(value).toInt()).order(ByteOrder.BIG_ENDIAN)
        converter.write(value, buf)
        return buf.array().copyOf(buf.position())
    }

    /**
     * The value [encode] wrote, or null when [bytes] are not exactly one such value (truncated,
     * trailing bytes, an unknown enum tag): a result that cannot be read is no result.
     */
    fun <T> decode(converter: FfiConverterRustBuffer<T>, bytes: ByteArray): T? {
        val buf = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN)
        return try {
            converter.read(buf).takeIf { !buf.hasRemaining() }
        } catch (_: BufferUnderflowException) {
            null
        } catch (_: RuntimeException) {
            null // the generated readers throw RuntimeException for an unknown variant
        } catch (_: OutOfMemoryError) {
            null // a corrupted length prefix
        }
    }
}
