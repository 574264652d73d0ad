// The lower-level return handling (ReturnTracker, for apps that drive the round trip from their
// own activity) as such an activity drives it, on the desktop JVM: the real android.content.Intent
// and android.os.Bundle (Robolectric's android-all, plain framework code that needs no device),
// CheckoutRedirectActivity's forwarding intent, and CheckoutFlow against the real library and a
// stripe-emulator process (tests/kotlin/support/Emulator.kt). Each test is one order of lifecycle
// events a device produces.
package io.checkoutbridge.android.jvmtest

import android.content.Intent
import android.net.Uri
import android.os.Bundle
import io.checkoutbridge.CheckoutFlow
import io.checkoutbridge.CreateSessionParams
import io.checkoutbridge.PaymentOutcome
import io.checkoutbridge.PaymentResult
import io.checkoutbridge.SimpleCheckout
import io.checkoutbridge.android.CheckoutRedirectActivity
import io.checkoutbridge.android.perform
import io.checkoutbridge.android.ReturnAction
import io.checkoutbridge.android.ReturnTracker
import io.checkoutbridge.android.resolveAllPending
import io.checkoutbridge.openFileStore
import io.checkoutbridge.simpleCheckoutParams
import io.checkoutbridge.tests.Emulator
import io.checkoutbridge.tests.EmulatorTest
import io.checkoutbridge.tests.newClient
import io.checkoutbridge.tests.realDelay
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

class ReturnRoundTripTests : EmulatorTest() {
    private val params = simpleCheckoutParams(SimpleCheckout(amount = 1999, currency = "usd", name = "T-shirt"))

    @TempDir
    lateinit var dir: Path

    /** One flow per process (an Application property in an app); a new call is a new process. */
    private fun newProcessFlow() = CheckoutFlow(newClient(), "myapp://checkout", openFileStore(dir.toString()))

    private fun launcherIntent() = Intent(Intent.ACTION_MAIN).addCategory(Intent.CATEGORY_LAUNCHER)

    /** The intent CheckoutRedirectActivity starts for a link the browser sent it. */
    private fun forwarded(link: String): Intent {
        val fromBrowser = Intent(Intent.ACTION_VIEW, Uri.parse(link))
            .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TOP) // as Chrome sends it
        return assertNotNull(
            CheckoutRedirectActivity.redirectIntent(fromBrowser, false, "com.example.shop", "com.example.shop.CheckoutActivity") { null },
        )
    }

    /**
     * What an app's own checkout activity writes around [ReturnTracker] (docs/android.md, "Lower
     * level"): Intent and Bundle in, tracker decisions out.
     */
    private class Handler(private val flow: CheckoutFlow) {
        private val tracker = ReturnTracker(flow.returnBase())
        val phase get() = tracker.phase
        val isLaunchWaiting get() = tracker.isLaunchWaiting

        private fun returnUrl(intent: Intent?): String? =
            if (intent?.action != Intent.ACTION_VIEW) null else intent.dataString?.takeIf { flow.isReturnLink(it) }

        private fun Intent?.fromHistory() = this != null && (flags and Intent.FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY) != 0

        fun onCreate(state: Bundle?, intent: Intent?) =
            tracker.onCreate(state != null, state?.getString(KEY), returnUrl(intent), intent.fromHistory())

        fun onNewIntent(intent: Intent?) = tracker.onNewIntent(returnUrl(intent), intent.fromHistory())
        fun onPause() = tracker.onPaused()
        fun onResume() = tracker.onResumed()
        suspend fun perform(action: ReturnAction) = flow.perform(action)
        suspend fun startCheckout(params: CreateSessionParams, open: (io.checkoutbridge.PendingCheckout) -> Unit) =
            tracker.start(flow, params, open)

        fun save(out: Bundle) = out.putString(KEY, tracker.snapshot())

        private companion object {
            const val KEY = "ReturnTracker"
        }
    }

    /** An activity instance: created fresh (or from [saved]), resumed, with [handler]. */
    private class Screen(flow: CheckoutFlow, saved: Bundle? = null, intent: Intent) {
        val handler = Handler(flow)
        val results = mutableListOf<PaymentResult>()
        val created: ReturnAction = handler.onCreate(saved, intent)

        suspend fun run(action: ReturnAction) {
            handler.perform(action)?.let { results += it }
        }

        /** Pay tapped: flow.start, then the browser opens (the test's "browser" records the URL). */
        suspend fun pay(params: CreateSessionParams, opened: MutableList<String>) =
            handler.startCheckout(params) { opened += it.url }

        fun save(): Bundle = Bundle().also { handler.save(it) }
    }

    @Test
    fun `the redirect forwards the link to the checkout activity - CLEAR_TOP, SINGLE_TOP, NEW_TASK`() {
        val link = "myapp://checkout/success?session_id=cs_1&state=abc"
        val out = forwarded(link)
        assertEquals(Intent.ACTION_VIEW, out.action)
        assertEquals(link, out.dataString)
        assertEquals("com.example.shop/com.example.shop.CheckoutActivity", out.component?.flattenToString())
        val want = Intent.FLAG_ACTIVITY_CLEAR_TOP or Intent.FLAG_ACTIVITY_SINGLE_TOP or Intent.FLAG_ACTIVITY_NEW_TASK
        assertEquals(want, out.flags and want, "flags ${Integer.toHexString(out.flags)}")
        // A replay from Recents opens the app instead of forwarding the old link; a recreation or
        // an intent that is not a VIEW link forwards nothing.
        val replay = Intent(Intent.ACTION_VIEW, Uri.parse(link)).addFlags(Intent.FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY)
        val launcher = launcherIntent()
        assertTrue(CheckoutRedirectActivity.redirectIntent(replay, false, "com.example.shop", "x.Y") { launcher } === launcher)
        assertNull(CheckoutRedirectActivity.redirectIntent(Intent(Intent.ACTION_VIEW, Uri.parse(link)), true, "p", "x.Y") { launcher })
        assertNull(CheckoutRedirectActivity.redirectIntent(Intent(Intent.ACTION_MAIN), false, "p", "x.Y") { launcher })
        assertNull(CheckoutRedirectActivity.redirectIntent(null, false, "p", "x.Y") { launcher })
    }

    @Test
    fun `Pay, link through the redirect into onNewIntent - PAID once, the resume adds nothing`() = runTest {
        val flow = newProcessFlow()
        val screen = Screen(flow, intent = launcherIntent())
        assertEquals(ReturnAction.None, screen.created)
        assertEquals(ReturnAction.None, screen.handler.onResume())
        val opened = mutableListOf<String>()
        val pending = screen.pay(params, opened)
        assertEquals(listOf(pending.url), opened)
        screen.handler.onPause() // the Custom Tab covers the activity
        val link = Emulator.clickOnHostedPage(pending.url, "Pay")
        screen.run(screen.handler.onNewIntent(forwarded(link)))
        screen.run(screen.handler.onResume())
        assertEquals(listOf(PaymentOutcome.PAID), screen.results.map { it.outcome })
        assertEquals(pending.sessionId, screen.results.single().session.id)
    }

    @Test
    fun `tab closed without a link - OPEN, and the next app start finds it PAID`() = runTest {
        val flow = newProcessFlow()
        val screen = Screen(flow, intent = launcherIntent())
        screen.handler.onResume()
        val pending = screen.pay(params, mutableListOf())
        screen.handler.onPause()
        screen.run(screen.handler.onResume())
        assertEquals(listOf(PaymentOutcome.OPEN), screen.results.map { it.outcome })
        Emulator.complete(pending.sessionId, paid = true) // paid in the tab after all
        val all = flow.resolveAllPending()
        assertEquals(1, all.size, "pending entries")
        assertEquals(PaymentOutcome.PAID, all[0].second.getOrThrow().outcome)
    }

    @Test
    fun `Cancel on the hosted page gives CANCELED`() = runTest {
        val screen = Screen(newProcessFlow(), intent = launcherIntent())
        screen.handler.onResume()
        val pending = screen.pay(params, mutableListOf())
        screen.handler.onPause()
        screen.run(screen.handler.onNewIntent(forwarded(Emulator.clickOnHostedPage(pending.url, "Cancel"))))
        assertEquals(listOf(PaymentOutcome.CANCELED), screen.results.map { it.outcome })
    }

    @Test
    fun `the link arrives in a new instance - one result, not a second from the old instance`() = runTest {
        // What singleTop without the redirect did: the link creates instance B on top of the tab
        // while instance A, which started the checkout, waits underneath.
        val flow = newProcessFlow()
        val a = Screen(flow, intent = launcherIntent())
        a.handler.onResume()
        val pending = a.pay(params, mutableListOf())
        a.handler.onPause()
        val link = Emulator.clickOnHostedPage(pending.url, "Pay")
        val b = Screen(flow, intent = Intent(Intent.ACTION_VIEW, Uri.parse(link)))
        assertEquals(ReturnAction.HandleLink(link), b.created)
        b.run(b.created)
        b.handler.onResume()
        // Back from B: A resumes without having seen a link.
        val late = a.handler.onResume()
        assertEquals(ReturnAction.ResolvePending(pending.sessionId), late)
        a.run(late)
        assertEquals(listOf(PaymentOutcome.PAID), b.results.map { it.outcome })
        assertEquals(emptyList(), a.results, "the old instance reported the checkout a second time")
    }

    @Test
    fun `relaunch from Recents replays the link that opened the app - not handled again`() = runTest {
        val flow = newProcessFlow()
        val a = Screen(flow, intent = launcherIntent())
        a.handler.onResume()
        val first = a.pay(params, mutableListOf())
        a.handler.onPause()
        val oldLink = Emulator.clickOnHostedPage(first.url, "Pay")
        val opened = Screen(flow, intent = forwarded(oldLink)) // the link started a fresh instance
        opened.run(opened.created)
        assertEquals(listOf(PaymentOutcome.PAID), opened.results.map { it.outcome })
        // A second checkout is in the browser when the process dies; the user relaunches the task
        // from Recents: the task's original intent (the old link) comes back, flagged.
        opened.handler.onResume()
        val second = opened.pay(params, mutableListOf())
        opened.handler.onPause()
        val saved = opened.save()
        val relaunch = Intent(forwarded(oldLink)).addFlags(Intent.FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY)
        val restored = Screen(newProcessFlow(), saved, relaunch)
        assertEquals(ReturnAction.None, restored.created)
        val fresh = Screen(newProcessFlow(), null, relaunch) // the same, with the saved state lost
        assertEquals(ReturnAction.None, fresh.created)
        assertEquals(ReturnTracker.Phase.AWAY, restored.handler.phase, "the newer checkout's state was wiped")
        restored.run(restored.handler.onResume())
        assertEquals(listOf(second.sessionId to PaymentOutcome.OPEN), restored.results.map { it.session.id to it.outcome })
    }

    @Test
    fun `process death with a pending checkout - recreated from saved state, the link arrives in onNewIntent`() = runTest {
        val before = Screen(newProcessFlow(), intent = launcherIntent())
        before.handler.onResume()
        val pending = before.pay(params, mutableListOf())
        before.handler.onPause()
        val saved = before.save() // onSaveInstanceState, then the process is killed
        val link = Emulator.clickOnHostedPage(pending.url, "Pay")
        // New process: the system recreates the activity with its saved state and its original
        // (launcher) intent, then delivers the forwarded link before onResume.
        val flow = newProcessFlow()
        val after = Screen(flow, saved, launcherIntent())
        assertEquals(ReturnAction.None, after.created)
        assertEquals(ReturnTracker.Phase.AWAY, after.handler.phase)
        after.run(after.handler.onNewIntent(forwarded(link)))
        after.run(after.handler.onResume())
        assertEquals(listOf(PaymentOutcome.PAID), after.results.map { it.outcome })
        assertEquals(emptyList(), flow.pending().map { it.sessionId })
    }

    @Test
    fun `process death with a pending checkout, no link - the recreated activity asks Stripe once`() = runTest {
        val before = Screen(newProcessFlow(), intent = launcherIntent())
        before.handler.onResume()
        val pending = before.pay(params, mutableListOf())
        before.handler.onPause()
        val saved = before.save()
        val after = Screen(newProcessFlow(), saved, launcherIntent())
        after.run(after.created)
        after.run(after.handler.onResume())
        after.handler.onPause()
        after.run(after.handler.onResume())
        assertEquals(listOf(pending.sessionId to PaymentOutcome.OPEN), after.results.map { it.session.id to it.outcome })
    }

    @Test
    fun `browser launch deferred until resumed - flow start finishes in the background`() = runTest {
        val flow = newProcessFlow()
        val screen = Screen(flow, intent = launcherIntent())
        screen.handler.onResume()
        val opened = mutableListOf<String>()
        val pay = launch { screen.pay(params, opened) }
        screen.handler.onPause() // the user switched apps while the session was being created
        // flow.start completes (the session exists and is recorded) and the launch waits …
        for (i in 0 until 3000) {
            if (screen.handler.isLaunchWaiting) break
            realDelay(10)
        }
        assertTrue(screen.handler.isLaunchWaiting, "the launch never reached the resume gate")
        assertEquals(1, flow.pending().size)
        assertEquals(emptyList(), opened, "the browser was started from the background")
        assertEquals(ReturnTracker.Phase.IDLE, screen.handler.phase)
        assertEquals(ReturnAction.None, screen.handler.onResume()) // … and opens on return
        pay.join()
        assertEquals(listOf(flow.pending().single().url), opened)
        assertEquals(ReturnTracker.Phase.LAUNCHED, screen.handler.phase)
    }
}
