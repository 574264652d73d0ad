// What a checkout launched through CheckoutContract gives back. Pure Kotlin (no android.*),
// tested on the JVM (android/jvm-test/).
package io.checkoutbridge.android

import io.checkoutbridge.CheckoutException
import io.checkoutbridge.FfiConverterTypeCheckoutError
import io.checkoutbridge.FfiConverterTypePaymentResult
import io.checkoutbridge.PaymentOutcome
import io.checkoutbridge.PaymentResult

/** The answer to one checkout, delivered once to the activity that launched it. */
sealed class CheckoutResult {
    /**
     * Stripe's verdict, retrieved by the library after the customer came back (with the return
     * link, or without it: tab closed): [PaymentResult.outcome] is `PAID`, `PROCESSING`,
     * `CANCELED`, `EXPIRED` or `OPEN` (left without paying; it may still be paid in a browser tab,
     * which a later start reports, see [CheckoutBridge]).
     */
    data class Verified(val payment: PaymentResult) : CheckoutResult()

    /**
     * No verdict: the session could not be created, or Stripe (or the backend) could not be
     * asked ([error] says why: network, timeout, refused token, …). A created checkout stays
     * recorded and is resolved on a later start.
     */
    data class Failed(val error: CheckoutException) : CheckoutResult()

    /** Nothing was opened: the device has no browser. A created session stays pending (it expires at Stripe). */
    object NoBrowser : CheckoutResult() {
        override fun toString() = "NoBrowser"
    }

    /**
     * The checkout screen closed before the page opened (back pressed while the session was
     * being created, or the process died then), or nothing was started because another checkout
     * of this process was still under way (one at a time: Pay tapped twice). A created session is
     * resolved on a later start.
     */
    object Canceled : CheckoutResult() {
        override fun toString() = "Canceled"
    }

    /** Whether Stripe reports the checkout paid. */
    val isPaid: Boolean get() = this is Verified && payment.outcome == PaymentOutcome.PAID

    /** The Checkout Session, when Stripe answered. */
    val sessionId: String? get() = (this as? Verified)?.payment?.session?.id

    internal fun encode(): ByteArray = when (this) {
        is Verified -> byteArrayOf(TAG_VERIFIED) + FfiBytes.encode(FfiConverterTypePaymentResult, payment)
        is Failed -> byteArrayOf(TAG_FAILED) + FfiBytes.encode(FfiConverterTypeCheckoutError, error)
        NoBrowser -> byteArrayOf(TAG_NO_BROWSER)
        Canceled -> byteArrayOf(TAG_CANCELED)
    }

    internal companion object {
        private const val TAG_VERIFIED: Byte = 1
        private const val TAG_FAILED: Byte = 2
        private const val TAG_NO_BROWSER: Byte = 3
        private const val TAG_CANCELED: Byte = 4

        /** What [encode] wrote; [Canceled] for no bytes or bytes that are not one result. */
        fun decode(bytes: ByteArray?): CheckoutResult {
            if (bytes == null || bytes.isEmpty()) return Canceled
            val body = bytes.copyOfRange(1, bytes.size)
            return when (bytes[0]) {
                TAG_VERIFIED -> FfiBytes.decode(FfiConverterTypePaymentResult, body)?.let(::Verified)
                TAG_FAILED -> FfiBytes.decode(FfiConverterTypeCheckoutError, body)?.let(::Failed)
                TAG_NO_BROWSER -> NoBrowser.takeIf { body.isEmpty() }
                TAG_CANCELED -> Canceled.takeIf { body.isEmpty() }
                else -> null
            } ?: Canceled
        }
    }
}
