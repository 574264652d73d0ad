// The contract's input and result as they cross Intent extras (CheckoutRequest, CheckoutResult
// and FfiBytes, android/src/main/kotlin): written and read back through the real
// android.content.Intent (android-all), and what a corrupted extra gives. Pure Kotlin readers of
// the bindings' own wire form: no library call, so the main thread may run them at any time.
package io.checkoutbridge.android.jvmtest

import android.content.Intent
import io.checkoutbridge.ApiErrorDetails
import io.checkoutbridge.CheckoutException
import io.checkoutbridge.CheckoutMode
import io.checkoutbridge.CreateSessionParams
import io.checkoutbridge.LineItemParams
import io.checkoutbridge.LineItemPrice
import io.checkoutbridge.PaymentOutcome
import io.checkoutbridge.SimpleCheckout
import io.checkoutbridge.android.CheckoutRequest
import io.checkoutbridge.android.CheckoutResult
import io.checkoutbridge.simpleCheckoutParams
import io.checkoutbridge.tests.EmulatorTest
import io.checkoutbridge.tests.newClient
import io.checkoutbridge.tests.tshirt
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import kotlin.random.Random
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

class CheckoutResultCodecTests : EmulatorTest() {
    private fun viaIntent(bytes: ByteArray): ByteArray? =
        Intent().putExtra("x", bytes).let { Intent(it) }.getByteArrayExtra("x")

    @Test
    fun `a request crosses the launch intent unchanged - simple and full parameters`() {
        val simple = SimpleCheckout(amount = 1999, currency = "usd", name = "T-shirt", description = "Größe M ✓")
        val full = CreateSessionParams(
            mode = CheckoutMode.Payment,
            lineItems = listOf(LineItemParams(price = LineItemPrice.Inline(currency = "eur", unitAmount = 1250L, productName = "Tea"), quantity = 2L)),
            allowPromotionCodes = true,
            metadata = mapOf("order" to "42"),
        )
        for (request in listOf(CheckoutRequest(simple), CheckoutRequest(full))) {
            val back = CheckoutRequest.decode(viaIntent(request.encode()))
            assertTrue(back != null)
            assertEquals(request.toParams(), back.toParams())
        }
        assertEquals(simpleCheckoutParams(simple), CheckoutRequest(simple).toParams())
    }

    @Test
    fun `a verdict and a typed failure cross the result intent unchanged`() = runBlocking {
        val session = newClient().use { it.createSession(tshirt("https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}", "https://shop.example/no")) }
        val paid = CheckoutResult.Verified(io.checkoutbridge.PaymentResult(PaymentOutcome.PAID, session, null))
        assertEquals(paid, CheckoutResult.decode(viaIntent(paid.encode())))
        val error = CheckoutException.Api(ApiErrorDetails(status = 402, errorType = "card_error", code = "card_declined", declineCode = "generic_decline", stripeMessage = "Your card was declined.", param = null, docUrl = null, requestId = "req_1"))
        val failed = assertIs<CheckoutResult.Failed>(CheckoutResult.decode(viaIntent(CheckoutResult.Failed(error).encode())))
        assertEquals(error.toString(), failed.error.toString())
        assertEquals(CheckoutResult.NoBrowser, CheckoutResult.decode(CheckoutResult.NoBrowser.encode()))
        assertEquals(CheckoutResult.Canceled, CheckoutResult.decode(CheckoutResult.Canceled.encode()))
        assertTrue(paid.isPaid)
        assertEquals(session.id, paid.sessionId)
    }

    @Test
    fun `attacker's extras - absent, empty, unknown tag, truncated, trailing bytes, huge lengths - read as no result`() = runBlocking {
        val session = newClient().use { it.createSession(tshirt("https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}", "https://shop.example/no")) }
        val good = CheckoutResult.Verified(io.checkoutbridge.PaymentResult(PaymentOutcome.PAID, session, null)).encode()
        val cases = listOf(
            null, ByteArray(0), byteArrayOf(9), byteArrayOf(3, 0), byteArrayOf(4, 1),
            good.copyOf(good.size / 2), good + byteArrayOf(0), byteArrayOf(1, 0x7f, -1, -1, -1), byteArrayOf(2, 0, 0, 0, 99),
        )
        for (bytes in cases) assertEquals(CheckoutResult.Canceled, CheckoutResult.decode(bytes), "bytes ${bytes?.toList()}")
        assertNull(CheckoutRequest.decode(null))
        assertNull(CheckoutRequest.decode(byteArrayOf(2, 0, 0)))
        assertNull(CheckoutRequest.decode(byteArrayOf(7)))
        val rng = Random(21)
        repeat(2000) {
            val noise = ByteArray(rng.nextInt(0, 64)).also(rng::nextBytes)
            CheckoutResult.decode(noise) // never throws
            CheckoutRequest.decode(noise)
        }
        for (cut in 1 until good.size) assertEquals(CheckoutResult.Canceled, CheckoutResult.decode(good.copyOf(cut)))
    }
}
