// CheckoutClient operations against the emulator.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutException
import io.checkoutbridge.CheckoutMode
import io.checkoutbridge.LineItemParams
import io.checkoutbridge.LineItemPrice
import io.checkoutbridge.PaymentStatus
import io.checkoutbridge.SessionStatus
import kotlinx.coroutines.async
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

class ClientTests : EmulatorTest() {
    @Test
    fun `createSession returns an open, unpaid session with a hosted url`() = runTest {
        val client = newClient()
        val s = client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL).copy(clientReferenceId = "order-42"))
        assertTrue(s.id.isNotEmpty(), "id")
        val url = assertNotNull(s.url, "url")
        assertTrue(url.startsWith("${Emulator.baseUrl}/pay/"), "url $url")
        assertEquals(SessionStatus.Open, s.status)
        assertEquals(PaymentStatus.Unpaid, s.paymentStatus)
        assertEquals(CheckoutMode.Payment, s.mode)
        // Open enums print as their wire value (Rust's Display), not as `CheckoutMode$Payment@1a2b`.
        assertEquals("payment", s.mode.toString())
        assertEquals("open", s.status.toString())
        assertEquals(1999L, s.amountTotal)
        assertEquals("usd", s.currency)
        assertEquals("order-42", s.clientReferenceId)
        assertEquals("kotlin@example.com", s.customerEmail)
        assertEquals(SHOP_SUCCESS, s.successUrl)
        assertTrue(s.expiresAt > s.created, "expiresAt after created")
        assertEquals(false, s.livemode)
    }

    @Test
    fun `retrieveSession returns what was created`() = runTest {
        val client = newClient()
        val created = client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL, amount = 4321))
        val got = client.retrieveSession(created.id)
        assertEquals(created.id, got.id)
        assertEquals(4321L, got.amountTotal)
        assertEquals(created.created, got.created)
        assertEquals(SessionStatus.Open, got.status)
    }

    @Test
    fun `expireSession makes the session expired, also on retrieve`() = runTest {
        val client = newClient()
        val created = client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL))
        val expired = client.expireSession(created.id)
        assertEquals(created.id, expired.id)
        assertEquals(SessionStatus.Expired, expired.status)
        assertEquals(SessionStatus.Expired, client.retrieveSession(created.id).status)
        // An expired session cannot be expired again: Stripe answers 400.
        expectError<CheckoutException.Api>("400") { client.expireSession(created.id) }
    }

    @Test
    fun `listLineItems returns every item with amounts`() = runTest {
        val client = newClient()
        val params = tshirt(SHOP_SUCCESS, SHOP_CANCEL).let {
            it.copy(
                lineItems = it.lineItems + LineItemParams(LineItemPrice.Price("price_test_usd_1000"), 3),
            )
        }
        val s = client.createSession(params)
        assertEquals(1999L + 3 * 1000L, s.amountTotal)
        val items = client.listLineItems(s.id)
        assertEquals(2, items.size, "items: $items")
        assertEquals(listOf(1999L, 3000L), items.map { it.amountTotal })
        assertEquals(listOf(1L, 3L), items.map { it.quantity })
        assertEquals("T-shirt", items[0].description)
        assertEquals("price_test_usd_1000", items[1].price?.id)
        assertTrue(items.all { it.currency == "usd" })
    }

    @Test
    fun `waitForFinalStatus returns once the session is completed elsewhere`() = runTest {
        val client = newClient()
        val s = client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL))
        val started = System.nanoTime()
        val waiting = async { client.waitForFinalStatus(s.id, 15_000L) }
        realDelay(700) // real time: the wait happens on the library's side
        assertTrue(waiting.isActive, "waitForFinalStatus returned while the session was still open")
        Emulator.complete(s.id, paid = true)
        val done = waiting.await()
        val ms = (System.nanoTime() - started) / 1_000_000
        assertEquals(SessionStatus.Complete, done.status)
        assertEquals(PaymentStatus.Paid, done.paymentStatus)
        assertTrue(ms in 700..10_000, "waited $ms ms")
    }

    @Test
    fun `waitForFinalStatus times out on a session nobody pays`() = runTest {
        val client = newClient()
        val s = client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL))
        val e = expectError<CheckoutException.Timeout>("600") { client.waitForFinalStatus(s.id, 600L) }
        assertEquals(600L, e.timeoutMs)
    }
}
