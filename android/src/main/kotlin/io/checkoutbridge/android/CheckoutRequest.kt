// What the app asks for when it launches a checkout: the contract's input. Pure Kotlin (no
// android.*), tested on the JVM (android/jvm-test/).
package io.checkoutbridge.android

import io.checkoutbridge.CreateSessionParams
import io.checkoutbridge.FfiConverterTypeCreateSessionParams
import io.checkoutbridge.FfiConverterTypeSimpleCheckout
import io.checkoutbridge.SimpleCheckout
import io.checkoutbridge.simpleCheckoutParams

/**
 * One checkout to start: full [CreateSessionParams], or the single-item [SimpleCheckout].
 *
 * The simple form is turned into parameters by the library ([simpleCheckoutParams]) on the
 * layer's background thread, never on the caller's (main) thread: a tap on "Pay" right after app
 * start must not load the library on the main thread.
 */
class CheckoutRequest private constructor(
    private val params: CreateSessionParams?,
    private val simple: SimpleCheckout?,
) {
    /** A checkout with every Checkout Session parameter the library models. */
    constructor(params: CreateSessionParams) : this(params, null)

    /** One item, amount in minor units: `CheckoutRequest(SimpleCheckout(1999, "usd", "T-shirt"))`. */
    constructor(simple: SimpleCheckout) : this(null, simple)

    /** The session parameters (calls into the library for the simple form: not on the main thread). */
    internal fun toParams(): CreateSessionParams = params ?: simpleCheckoutParams(checkNotNull(simple))

    /** For the launch intent: pure Kotlin, the bindings' own wire form. */
    internal fun encode(): ByteArray = if (params != null) {
        byteArrayOf(TAG_PARAMS) + FfiBytes.encode(FfiConverterTypeCreateSessionParams, params)
    } else {
        byteArrayOf(TAG_SIMPLE) + FfiBytes.encode(FfiConverterTypeSimpleCheckout, checkNotNull(simple))
    }

    // No field values: a customer's email or a product name has no place in a log line.
    override fun toString(): String = if (params != null) "CheckoutRequest(params)" else "CheckoutRequest(simple)"

    internal companion object {
        private const val TAG_PARAMS: Byte = 1
        private const val TAG_SIMPLE: Byte = 2

        /** The request [encode] wrote, or null for anything else (absent, truncated, unknown tag). */
        fun decode(bytes: ByteArray?): CheckoutRequest? {
            if (bytes == null || bytes.isEmpty()) return null
            val body = bytes.copyOfRange(1, bytes.size)
            return when (bytes[0]) {
                TAG_PARAMS -> FfiBytes.decode(FfiConverterTypeCreateSessionParams, body)?.let(::CheckoutRequest)
                TAG_SIMPLE -> FfiBytes.decode(FfiConverterTypeSimpleCheckout, body)?.let(::CheckoutRequest)
                else -> null
            }
        }
    }
}
