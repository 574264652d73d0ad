// Every CheckoutError variant, observed as its Kotlin exception type, with a message that says
// what went wrong and never contains the secret key.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutException
import io.checkoutbridge.CheckoutFlow
import io.checkoutbridge.ClientConfig
import io.checkoutbridge.Credential
import io.checkoutbridge.LineItemParams
import io.checkoutbridge.LineItemPrice
import io.checkoutbridge.openFileStore
import io.checkoutbridge.parseReturnUrl
import io.checkoutbridge.validateCredential
import java.io.File
import java.net.ServerSocket
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

class ErrorTests : EmulatorTest() {
    @Test
    fun `InvalidInput from local validation, nothing sent`() = runTest {
        val client = newClient()
        val before = Emulator.requestCount()
        val e = expectError<CheckoutException.InvalidInput>("line_items[0][quantity]") {
            client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL).let { p -> p.copy(lineItems = p.lineItems.map { it.copy(quantity = 0) }) })
        }
        assertEquals("line_items[0][quantity]", e.field)
        val e2 = expectError<CheckoutException.InvalidInput>("currency") {
            client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL).let { p ->
                p.copy(lineItems = p.lineItems.map { it.copy(price = (it.price as LineItemPrice.Inline).copy(currency = "US dollars")) })
            })
        }
        assertTrue(e2.reason.isNotBlank())
        // A publishable key is refused when the client is built, without echoing the key.
        expectError<CheckoutException.InvalidInput>("credential.key") {
            clientFor(ClientConfig(baseUrl = Emulator.baseUrl, credential = Credential.secretKey("pk_test_KotlinSuiteSecret4242")))
        }
        // Plain http to a non-loopback host is refused too.
        expectError<CheckoutException.InvalidInput>("base_url") {
            clientFor(ClientConfig(baseUrl = "http://api.stripe.example", credential = Credential.secretKey(TEST_KEY)))
        }
        assertEquals(before, Emulator.requestCount(), "local validation must not send requests")
    }

    @Test
    fun `Authentication with a malformed key (401)`() = runTest {
        // Passes the library's shape check (sk_, printable) but not Stripe's key format.
        val badKey = "sk_test_KotlinSuiteSecret4242-not.valid"
        val client = newClient(key = badKey)
        val e = expectError<CheckoutException.Authentication>("401") { client.retrieveSession("cs_test_whatever") }
        assertEquals(401, e.details.status)
        assertTrue(!e.message.contains(badKey) && !e.message.contains("not.valid"), e.message)
        assertTrue(e.details.requestId?.startsWith("req_") == true, "request id: ${e.details.requestId}")
    }

    @Test
    fun `NotFound for an unknown session (404)`() = runTest {
        val e = expectError<CheckoutException.NotFound>("404", "resource_missing") { newClient().retrieveSession("cs_test_does_not_exist") }
        assertEquals("resource_missing", e.details.code)
        assertEquals(404, e.details.status)
        // `message` names the details by their readable form (ApiErrorDetails exports Display).
        assertTrue(e.message.startsWith("details=HTTP 404 invalid_request_error (resource_missing)"), e.message)
        assertTrue(e.details.toString().startsWith("HTTP 404"), e.details.toString())
    }

    @Test
    fun `Api for a request Stripe rejects (400)`() = runTest {
        val params = tshirt(SHOP_SUCCESS, SHOP_CANCEL).copy(lineItems = listOf(LineItemParams(LineItemPrice.Price("price_does_not_exist"), 1)))
        val e = expectError<CheckoutException.Api>("400", "price_does_not_exist") { newClient().createSession(params) }
        assertEquals(400, e.details.status)
        assertEquals("invalid_request_error", e.details.errorType)
        assertEquals("resource_missing", e.details.code)
    }

    @Test
    fun `RateLimited (429 fault)`() = runTest {
        val client = newClient()
        val s = client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL))
        Emulator.fault("""{"kind":"status","status":429,"count":1}""")
        val e = expectError<CheckoutException.RateLimited>("429") { client.retrieveSession(s.id) }
        assertEquals("rate_limit", e.details.code)
        assertEquals(s.id, client.retrieveSession(s.id).id, "the fault was for one request only")
    }

    @Test
    fun `Permission (403 fault)`() = runTest {
        Emulator.fault("""{"kind":"status","status":403,"count":1,"message":"This key may not create sessions."}""")
        expectError<CheckoutException.Permission>("403", "may not create sessions") {
            newClient().createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL))
        }
    }

    @Test
    fun `IdempotencyConflict (409 fault) and a reused key with other params`() = runTest {
        Emulator.fault("""{"kind":"status","status":409,"count":1}""")
        expectError<CheckoutException.IdempotencyConflict>("409") { newClient().createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL)) }
        // The real thing: same Idempotency-Key, different parameters -> 400 idempotency_error.
        val key = "kotlin-idem-" + System.nanoTime()
        val client = newClient()
        val first = client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL).copy(idempotencyKey = key))
        assertEquals(first.id, client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL).copy(idempotencyKey = key)).id, "replay")
        val e = expectError<CheckoutException.IdempotencyConflict>("idempotency") {
            client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL, amount = 2500).copy(idempotencyKey = key))
        }
        assertEquals("idempotency_error", e.details.errorType)
    }

    @Test
    fun `Network when nothing listens on the port`() = runTest {
        val port = ServerSocket(0).use { it.localPort }
        val client = newClient(baseUrl = "http://127.0.0.1:$port", maxRetries = 0)
        expectError<CheckoutException.Network>("connect") { client.retrieveSession("cs_test_1") }
    }

    @Test
    fun `Timeout on a delayed response`() = runTest {
        val client = newClient(timeoutMs = 300L, maxRetries = 0)
        val s = newClient().createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL))
        Emulator.fault("""{"kind":"delay","delay_ms":5000,"count":1}""")
        val started = System.nanoTime()
        val e = expectError<CheckoutException.Timeout>("300") { client.retrieveSession(s.id) }
        val ms = (System.nanoTime() - started) / 1_000_000
        assertEquals(300L, e.timeoutMs)
        assertTrue(ms < 3_000, "timed out after $ms ms")
    }

    @Test
    fun `InvalidReturnUrl for a foreign link and an unknown state`() = runTest {
        expectError<CheckoutException.InvalidReturnUrl>("scheme") {
            parseReturnUrl("https://evil.example/checkout/success?session_id=cs_1&state=0123456789abcdef0123456789abcdef", RETURN_BASE)
        }
        val flow = newFlow("badlink")
        expectError<CheckoutException.InvalidReturnUrl>("state") {
            flow.handleReturnUrl("$RETURN_BASE/success?session_id=cs_test_1&state=0123456789abcdef0123456789abcdef")
        }
    }

    @Test
    fun `SessionMismatch when Stripe's session is in another currency than the created one`() = runTest {
        val flow = newFlow("mismatch")
        val pending = flow.start(tshirt())
        val link = Emulator.clickOnHostedPage(pending.url, "Pay")
        // The amount alone may change honestly (a promotion code, tax, shipping, a quantity):
        // still PAID, and the receipt reports what Stripe charged (ReceiptTests has the whole case).
        Emulator.tamper(pending.sessionId, """{"amount_total":1}""")
        assertEquals(1L, flow.handleReturnUrl(link).receipt?.total)
        // Another currency is another checkout than the one created: never PAID.
        Emulator.tamper(pending.sessionId, """{"currency":"eur"}""")
        expectError<CheckoutException.SessionMismatch>("currency") { flow.handleReturnUrl(link) }
        // And a link that pairs one checkout's state with another session's ID.
        val other = flow.start(tshirt())
        expectError<CheckoutException.SessionMismatch>("session") {
            flow.handleReturnUrl("$RETURN_BASE/success?session_id=${other.sessionId}&state=${pending.state}")
        }
    }

    @Test
    fun `Storage when the store directory is a regular file`() = runTest {
        val file = File.createTempFile("cb-kotlin-store", ".txt").apply { deleteOnExit() }
        expectError<CheckoutException.Storage>("store") { openFileStore(file.absolutePath) }
        // Also through CheckoutFlow.start when the store cannot be written: a directory sits
        // where the store's file (pending-checkouts.json) must go. Works as root, unlike chmod.
        val dir = File(tempDir("unwritable"))
        val flow = CheckoutFlow(newClient(), RETURN_BASE, openFileStore(dir.absolutePath))
        File(dir, "pending-checkouts.json/blocker").mkdirs()
        expectError<CheckoutException.Storage>("write") { flow.start(tshirt()) }
    }

    @Test
    fun `LiveKeyOnDevice from validateCredential(onDevice = true), as an app's CI would check`() = runTest {
        // The JVM is not a device, so the client itself accepts live keys here; the exported
        // check applies the Android/iOS rule on request.
        val live = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
        val e = expectError<CheckoutException.LiveKeyOnDevice>("server") {
            validateCredential(Credential.secretKey(live), onDevice = true)
        }
        assertTrue(!e.message.contains(live) && !e.toString().contains(live), e.toString())
        validateCredential(Credential.secretKey(live), onDevice = false)
        validateCredential(Credential.secretKey(TEST_KEY), onDevice = true)
        // A live key passed off as a backend token is refused on devices too.
        val disguised = expectError<CheckoutException.LiveKeyOnDevice>("backend token") {
            validateCredential(Credential.backend(live), onDevice = true)
        }
        assertTrue(!disguised.toString().contains(live.removePrefix("sk_live_")), disguised.toString())
        validateCredential(Credential.backend("kotlin-user-token"), onDevice = true)
        expectError<CheckoutException.InvalidInput>("publishable") {
            validateCredential(Credential.secretKey("pk_test_123"), onDevice = true)
        }
    }
}
