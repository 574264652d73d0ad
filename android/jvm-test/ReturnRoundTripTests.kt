// ReturnTracker and CheckoutFlow.perform against the real library and a stripe-emulator process
// (tests/kotlin/support/Emulator.kt), the way an activity drives them.
package io.checkoutbridge.android.jvmtest

import io.checkoutbridge.CheckoutFlow
import io.checkoutbridge.PaymentOutcome
import io.checkoutbridge.SimpleCheckout
import io.checkoutbridge.android.ReturnAction
import io.checkoutbridge.android.ReturnLinkMatcher
import io.checkoutbridge.android.ReturnTracker
import io.checkoutbridge.android.perform
import io.checkoutbridge.android.resolveAllPending
import io.checkoutbridge.openFileStore
import io.checkoutbridge.simpleCheckoutParams
import io.checkoutbridge.tests.Emulator
import io.checkoutbridge.tests.EmulatorTest
import io.checkoutbridge.tests.newClient
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import kotlin.test.assertEquals

class ReturnRoundTripTests : EmulatorTest() {
    private val matcher = ReturnLinkMatcher("myapp://checkout")
    private val params = simpleCheckoutParams(SimpleCheckout(amount = 1999, currency = "usd", name = "T-shirt"))

    @TempDir
    lateinit var dir: Path

    private fun newFlow() = CheckoutFlow(newClient(), "myapp://checkout", openFileStore(dir.toString()))

    @Test
    fun `tab closed without a link - resolvePending says OPEN, later PAID`() = runTest {
        val flow = newFlow()
        val t = ReturnTracker(matcher)
        val pending = flow.start(params)
        t.onLaunched(pending.sessionId)
        t.onPaused()
        val action = t.onResumed()
        assertEquals(ReturnAction.ResolvePending(pending.sessionId), action)
        assertEquals(PaymentOutcome.OPEN, flow.perform(action)?.outcome)
        // The customer paid in the tab after all; the next app start finds out.
        Emulator.complete(pending.sessionId, paid = true)
        val all = flow.resolveAllPending()
        assertEquals(1, all.size, "pending entries")
        assertEquals(PaymentOutcome.PAID, all[0].second.getOrThrow().outcome)
    }

    @Test
    fun `Pay on the hosted page, link, HandleLink gives PAID`() = runTest {
        val flow = newFlow()
        val t = ReturnTracker(matcher)
        val pending = flow.start(params)
        t.onLaunched(pending.sessionId)
        t.onPaused()
        val link = Emulator.clickOnHostedPage(pending.url, "Pay")
        val action = t.onLink(link)
        assertEquals(ReturnAction.HandleLink(link), action)
        val result = flow.perform(action) ?: error("no result")
        assertEquals(PaymentOutcome.PAID, result.outcome)
        assertEquals(pending.sessionId, result.session.id)
        assertEquals(ReturnAction.None, t.onResumed())
    }

    @Test
    fun `Cancel on the hosted page gives CANCELED`() = runTest {
        val flow = newFlow()
        val t = ReturnTracker(matcher)
        val pending = flow.start(params)
        t.onLaunched(pending.sessionId)
        t.onPaused()
        val link = Emulator.clickOnHostedPage(pending.url, "Cancel")
        assertEquals(PaymentOutcome.CANCELED, flow.perform(t.onLink(link))?.outcome)
    }
}
