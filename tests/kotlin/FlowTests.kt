// The whole round trip with CheckoutFlow: start, act on the emulator's hosted page like a user,
// hand the returning link to the flow, and get the outcome Stripe (the emulator) reports.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutFlow
import io.checkoutbridge.PaymentOutcome
import io.checkoutbridge.PaymentStatus
import io.checkoutbridge.SessionStatus
import io.checkoutbridge.openFileStore
import java.nio.file.Files
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

const val RETURN_BASE = "myapp://checkout"

fun tempDir(tag: String): String = Files.createTempDirectory("cb-kotlin-$tag-").toFile().apply { deleteOnExit() }.absolutePath

fun newFlow(tag: String): CheckoutFlow = CheckoutFlow(newClient(), RETURN_BASE, openFileStore(tempDir(tag)))

class FlowTests : EmulatorTest() {
    @Test
    fun `Pay on the hosted page gives PAID`() = runTest {
        val flow = newFlow("paid")
        val pending = flow.start(tshirt())
        assertTrue(pending.url.startsWith(Emulator.baseUrl), pending.url)
        assertEquals(listOf(pending.sessionId), flow.pending().map { it.sessionId })
        val link = Emulator.clickOnHostedPage(pending.url, "Pay")
        assertTrue(link.startsWith("$RETURN_BASE/success?session_id=${pending.sessionId}&state=${pending.state}"), link)
        val result = flow.handleReturnUrl(link)
        assertEquals(PaymentOutcome.PAID, result.outcome)
        assertEquals(pending.sessionId, result.session.id)
        assertEquals(PaymentStatus.Paid, result.session.paymentStatus)
        assertTrue(flow.pending().isEmpty(), "a paid checkout is no longer pending")
        // The same link again gives the same answer.
        assertEquals(PaymentOutcome.PAID, flow.handleReturnUrl(link).outcome)
    }

    @Test
    fun `Pay later gives PROCESSING`() = runTest {
        val flow = newFlow("later")
        val pending = flow.start(tshirt())
        val link = Emulator.clickOnHostedPage(pending.url, "Pay later")
        val result = flow.handleReturnUrl(link)
        assertEquals(PaymentOutcome.PROCESSING, result.outcome)
        assertEquals(SessionStatus.Complete, result.session.status)
        assertEquals(PaymentStatus.Unpaid, result.session.paymentStatus)
        assertEquals(listOf(pending.sessionId), flow.pending().map { it.sessionId }, "processing stays pending")
        // The delayed payment succeeds later: resolving the pending checkout says PAID.
        Emulator.control("POST", "sessions/${pending.sessionId}/async_succeed", "{}")
        assertEquals(PaymentOutcome.PAID, flow.resolvePending(pending.sessionId).outcome)
    }

    @Test
    fun `Cancel gives CANCELED and the session is expired`() = runTest {
        val flow = newFlow("cancel")
        val pending = flow.start(tshirt())
        val link = Emulator.clickOnHostedPage(pending.url, "Cancel")
        assertEquals("$RETURN_BASE/cancel?state=${pending.state}", link)
        val result = flow.handleReturnUrl(link)
        assertEquals(PaymentOutcome.CANCELED, result.outcome)
        assertEquals(SessionStatus.Expired, result.session.status)
        assertEquals(SessionStatus.Expired, newClient().retrieveSession(pending.sessionId).status)
    }

    @Test
    fun `expired via the control endpoint gives EXPIRED`() = runTest {
        val flow = newFlow("expired")
        val pending = flow.start(tshirt())
        Emulator.expire(pending.sessionId)
        val result = flow.resolvePending(pending.sessionId)
        assertEquals(PaymentOutcome.EXPIRED, result.outcome)
        assertEquals(SessionStatus.Expired, result.session.status)
        assertTrue(flow.pending().isEmpty())
    }

    @Test
    fun `returning without paying gives OPEN, still pending`() = runTest {
        val flow = newFlow("open")
        val pending = flow.start(tshirt())
        // A success link for a session that was never paid (e.g. forged): the flow asks Stripe.
        val forged = "$RETURN_BASE/success?session_id=${pending.sessionId}&state=${pending.state}"
        assertEquals(PaymentOutcome.OPEN, flow.handleReturnUrl(forged).outcome)
        assertEquals(1, flow.pending().size)
    }
}
