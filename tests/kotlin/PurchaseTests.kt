// Restore purchases: CheckoutClient.listPurchases against the real reference server (a
// checkout-bridge-server process in front of the emulator), direct mode refused, and the
// decoding against hostile and lenient answers from a loopback server this test runs.
package io.checkoutbridge.tests

import com.sun.net.httpserver.HttpServer
import io.checkoutbridge.CheckoutException
import io.checkoutbridge.CheckoutMode
import io.checkoutbridge.PaymentStatus
import io.checkoutbridge.PurchaseSource
import io.checkoutbridge.SimpleCheckout
import io.checkoutbridge.simpleCheckoutParams
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test
import java.net.InetSocketAddress
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.test.fail

class PurchaseTests : EmulatorTest() {
    private fun gems(amount: Long) = simpleCheckoutParams(
        SimpleCheckout(
            amount = amount, currency = "usd", name = "Gems", description = null,
            successUrl = SHOP_SUCCESS, cancelUrl = SHOP_CANCEL, customerEmail = null,
        ),
    )

    /** Buys through the server as [token]'s app: create, pay at the emulator, verify (which fulfils). */
    private suspend fun buy(token: String, amount: Long): String {
        val client = backendClient(token)
        val s = client.createSession(gems(amount))
        Emulator.complete(s.id)
        client.retrieveSession(s.id)
        return s.id
    }

    private fun assertNoToken(e: Throwable, token: String) {
        for (text in listOf(e.message.orEmpty(), e.toString())) {
            if (text.contains(token) || text.contains(token.takeLast(12))) fail("token leaked: $text")
        }
    }

    @Test
    fun `listPurchases restores the user's own purchases from the server, typed`() = runTest {
        val hers = listOf(buy(ALICE_TOKEN, 500), buy(ALICE_TOKEN, 700))
        val his = buy(BOB_TOKEN, 900)
        val unpaid = backendClient(ALICE_TOKEN).createSession(gems(100)).id

        val listed = backendClient(ALICE_TOKEN).listPurchases()
        val ids = listed.map { it.sessionId }
        assertTrue(ids.containsAll(hers), "hers are listed: $ids")
        assertTrue(his !in ids && unpaid !in ids, "never bob's, never unpaid: $ids")
        assertEquals(ids.size, ids.toSet().size, "each once")
        assertTrue(listed.zipWithNext().all { (a, b) -> a.fulfilledAt >= b.fulfilledAt }, "newest first")
        for (p in listed) assertEquals("alice", p.user)
        val p = listed.first { it.sessionId == hers[1] }
        assertEquals(CheckoutMode.Payment, p.mode)
        assertEquals(PaymentStatus.Paid, p.paymentStatus)
        assertEquals(PurchaseSource.Retrieve, p.source)
        assertEquals("retrieve", p.source.toString())
        assertEquals(700L, p.amountTotal)
        assertEquals("usd", p.currency)
        assertEquals(listOf<Pair<String?, Long?>>("Gems" to 1L), p.lineItems.map { it.description to it.quantity })
        assertEquals(false, p.refunded || p.disputed)

        val bobs = backendClient(BOB_TOKEN).listPurchases()
        assertTrue(bobs.map { it.sessionId }.contains(his) && bobs.none { it.sessionId in hers }, "bob's: $bobs")
        assertTrue(bobs.all { it.user == "bob" })
    }

    @Test
    fun `a user who bought nothing gets an empty list`() = runTest {
        assertEquals(emptyList(), backendClient(CAROL_TOKEN).listPurchases())
    }

    @Test
    fun `an unknown token is Authentication, without the token in the message`() = runTest {
        val token = "kotlin-unknown-token-NEVERPRINT-cdef"
        val e = expectError<CheckoutException.Authentication>("401") { backendClient(token).listPurchases() }
        assertNoToken(e, token)
    }

    @Test
    fun `direct mode is refused before anything is sent`() = runTest {
        val before = Emulator.requestCount()
        val e = expectError<CheckoutException.BackendRequired>("backend", "list_purchases") {
            newClient().listPurchases()
        }
        assertEquals("list_purchases", e.operation)
        assertEquals(before, Emulator.requestCount(), "nothing reached the emulator")
    }

    // ------------------------------------------------------------------------------------------
    // Decoding, against a loopback server this test runs

    private var loopback: HttpServer? = null

    @AfterEach
    fun stopLoopback() {
        loopback?.stop(0)
    }

    /** Serves every request with [status] and [body] (`{token}` replaced by the bearer token). */
    private fun serve(status: Int, body: String, contentType: String = "application/json"): String {
        val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        server.createContext("/") { ex ->
            val token = ex.requestHeaders.getFirst("Authorization").orEmpty().removePrefix("Bearer ")
            val bytes = body.replace("{token}", token).toByteArray()
            ex.responseHeaders.add("Content-Type", contentType)
            ex.sendResponseHeaders(status, bytes.size.toLong())
            ex.responseBody.use { it.write(bytes) }
        }
        server.start()
        loopback = server
        return "http://127.0.0.1:${server.address.port}"
    }

    private val record = """{"session_id":"cs_1","user":"alice","mode":"payment","payment_status":"paid",
        "currency":"usd","livemode":false,"fulfilled_at":1800000000,"source":"webhook""""

    @Test
    fun `unknown values, nulls and new fields decode leniently`() = runTest {
        val base = serve(
            200,
            """{"object":"list","has_more":false,"data":[$record,"amount_total":1999,"line_items":null,"metadata":null,
               "amount_refunded":null,"brand_new":{"x":[1]}},
               {"session_id":"cs_0","mode":"installments","payment_status":"paid","fulfilled_at":1,
               "source":"manual_grant","payment_intent":{"id":"pi_x","object":"payment_intent"}}]}""",
        )
        val listed = backendClient(ALICE_TOKEN, base).listPurchases()
        assertEquals(listOf("cs_1", "cs_0"), listed.map { it.sessionId })
        assertEquals(PurchaseSource.Webhook, listed[0].source)
        assertEquals(emptyList(), listed[0].lineItems)
        assertEquals(0L, listed[0].amountRefunded)
        assertEquals(PurchaseSource.Unknown("manual_grant"), listed[1].source)
        assertEquals("installments", listed[1].mode.toString())
        assertEquals("pi_x", listed[1].paymentIntent)
    }

    @Test
    fun `truncated, wrongly typed and HTML bodies are InvalidResponse without the token`() = runTest {
        val bodies = listOf(
            """{"object":"list","data":[{"session_id":"cs_1","mode":"pay""",
            """{"object":"list","has_more":false,"data":[$record,"amount_total":"{token}"}]}""",
            """{"object":"list","has_more":false,"data":"{token}"}""",
            """{"object":"list","has_more":false,"data":[{"mode":"payment"}]}""",
        )
        for (body in bodies) {
            val base = serve(200, body)
            val e = expectError<CheckoutException.InvalidResponse>("expected JSON") {
                backendClient(ALICE_TOKEN, base).listPurchases()
            }
            assertNoToken(e, ALICE_TOKEN)
            stopLoopback()
        }
        val base = serve(200, "<html>{token}</html>", "text/html")
        val e = expectError<CheckoutException.InvalidResponse> { backendClient(ALICE_TOKEN, base).listPurchases() }
        assertNoToken(e, ALICE_TOKEN)
    }
}
