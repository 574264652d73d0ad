// JVM tests of android/src/main/kotlin/io/checkoutbridge/android/ReturnLogic.kt, the part of the
// Android layer that does not touch Android APIs (JUnit 5; jvm/android/pom.xml runs them). Which
// links are ours is the core's ReturnBase (the one return-link grammar), loaded from the real
// library; the cases the old Kotlin matcher covered are kept here against it.
package io.checkoutbridge.android.jvmtest

import io.checkoutbridge.CheckoutException
import io.checkoutbridge.CheckoutMode
import io.checkoutbridge.PendingCheckout
import io.checkoutbridge.ReturnBase
import io.checkoutbridge.android.ReturnAction
import io.checkoutbridge.android.ReturnTracker
import io.checkoutbridge.android.BrowserChoice
import io.checkoutbridge.android.Surface
import io.checkoutbridge.android.chooseBrowser
import io.checkoutbridge.android.shouldForwardReturn
import io.checkoutbridge.buildReturnUrls
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

class ReturnLogicTests {
    private val app = ReturnBase("myapp://checkout")
    private val web = ReturnBase("https://shop.example/checkout/")

    /** A pending checkout as flow.start returns it, with real return-link nonces. */
    private fun pending(id: String, base: String = "myapp://checkout") = PendingCheckout(
        sessionId = id, state = buildReturnUrls(base).state, url = "https://checkout.stripe.com/c/pay/$id",
        amountTotal = 1999, currency = "usd", mode = CheckoutMode.Payment, livemode = false,
        created = 0, expiresAt = 0, outcome = null,
    )

    private fun success(p: PendingCheckout, base: String = "myapp://checkout") =
        "$base/success?session_id=${p.sessionId}&state=${p.state}"

    /** A tracker of an activity that has been created and resumed, as when the Pay button is tapped. */
    private fun resumedTracker(base: ReturnBase = app) = ReturnTracker(base).also {
        assertEquals(ReturnAction.None, it.onCreate(false, null, null, false))
        assertEquals(ReturnAction.None, it.onResumed())
    }

    // ---- which links are ours: the core's ReturnBase.matches ---------------------------------

    @Test
    fun `matches success and cancel links under a custom-scheme base, scheme and host in any case`() {
        assertTrue(app.matches("myapp://checkout/success?session_id=cs_test_1&state=abc"))
        assertTrue(app.matches("myapp://checkout/cancel?state=abc"))
        assertTrue(app.matches("MyApp://CHECKOUT/success?state=x"))
    }

    @Test
    fun `leaves the app's other links alone`() {
        for (other in listOf(
            "", "myapp://checkout", "myapp://checkout/", "myapp://checkout?state=x",
            "myapp://settings/success?state=x", "myapp://checkoutx/success?state=x",
            "otherapp://checkout/success?state=x", "myapp:/checkout/success", "checkout/success",
            "://checkout/success", "myapp://checkout/successful?state=x", "myapp://checkout/other/success",
        )) assertFalse(app.matches(other), "matched $other")
    }

    @Test
    fun `an https App Link base - same host, port and path segments only`() {
        assertTrue(web.matches("https://shop.example/checkout/success?state=s"))
        for (other in listOf(
            "http://shop.example/checkout/success?state=s", "https://shop.example/checkoutx/success",
            "https://shop.example.evil.test/checkout/success", "https://evil.test/shop.example/checkout/success",
            "https://shop.example:8443/checkout/success", "https://shop.example/other/checkout/success",
        )) assertFalse(web.matches(other), "matched $other")
    }

    @Test
    fun `agrees with the core where the old Kotlin matcher did not - default port, percent-encoding`() {
        // ReturnLinkMatcher compared the authority as text (":443" kept) and the path undecoded.
        assertTrue(web.matches("https://shop.example:443/checkout/success?state=s"))
        assertTrue(web.matches("https://SHOP.example/checkout/%73uccess?state=s"))
        val t = resumedTracker(web)
        assertEquals(
            ReturnAction.HandleLink("https://shop.example:443/checkout/%73uccess?state=s"),
            t.onNewIntent("https://shop.example:443/checkout/%73uccess?state=s", false),
        )
    }

    @Test
    fun `addressed to us but malformed - matched, so the flow reports why, and parseReturn refuses it`() {
        val long = "myapp://checkout/success?state=" + "a".repeat(2100)
        val userinfo = "https://user@shop.example/checkout/success?state=0123456789abcdef0123456789abcdef"
        assertTrue(app.matches(long))
        assertTrue(web.matches(userinfo))
        for ((base, link) in listOf(app to long, web to userinfo)) {
            val e = runCatching { base.parseReturn(link) }.exceptionOrNull()
            assertTrue(e is CheckoutException.InvalidReturnUrl, "parseReturn($link) gave $e")
        }
    }

    @Test
    fun `a malformed base is refused by the core`() {
        for (bad in listOf("checkout", "myapp:checkout", "myapp://checkout?x=1", "1app://checkout", "javascript://x")) {
            val e = runCatching { ReturnBase(bad) }.exceptionOrNull()
            assertTrue(e is CheckoutException.InvalidInput, "ReturnBase($bad) gave $e")
        }
    }

    // ---- the tracker --------------------------------------------------------------------------

    @Test
    fun `link while away is handled, the following resume does nothing`() {
        val t = resumedTracker()
        val p = pending("cs_1")
        t.onLaunched(p)
        t.onPaused()
        assertEquals(ReturnAction.HandleLink(success(p)), t.onNewIntent(success(p), false))
        assertEquals(ReturnAction.None, t.onResumed())
        assertEquals(ReturnTracker.Phase.IDLE, t.phase)
    }

    @Test
    fun `resumed without a link resolves the pending checkout once`() {
        val t = resumedTracker()
        t.onLaunched(pending("cs_2"))
        t.onPaused()
        assertEquals(ReturnAction.ResolvePending("cs_2"), t.onResumed())
        t.onPaused()
        assertEquals(ReturnAction.None, t.onResumed(), "second resume:")
    }

    @Test
    fun `a resume before the browser covered the activity does nothing`() {
        val t = ReturnTracker(app)
        assertEquals(ReturnAction.None, t.onResumed(), "idle:")
        t.onLaunched(pending("cs_3"))
        assertEquals(ReturnAction.None, t.onResumed(), "launched, never paused:")
        assertEquals(ReturnTracker.Phase.LAUNCHED, t.phase)
        t.onPaused()
        assertEquals(ReturnAction.ResolvePending("cs_3"), t.onResumed())
    }

    @Test
    fun `a foreign link or an intent without data does not count as the return`() {
        val t = resumedTracker()
        t.onLaunched(pending("cs_4"))
        t.onPaused()
        assertEquals(ReturnAction.None, t.onNewIntent("myapp://settings/open", false))
        assertEquals(ReturnAction.None, t.onNewIntent(null, false))
        assertEquals(ReturnAction.ResolvePending("cs_4"), t.onResumed())
    }

    @Test
    fun `another checkout's link is handled without forgetting the checkout in the browser`() {
        val t = resumedTracker()
        val old = pending("cs_old")
        val now = pending("cs_now")
        t.onLaunched(now)
        t.onPaused()
        assertEquals(ReturnAction.HandleLink(success(old)), t.onNewIntent(success(old), false))
        assertEquals(ReturnTracker.Phase.AWAY, t.phase, "still waiting for cs_now")
        assertEquals(ReturnAction.ResolvePending("cs_now"), t.onResumed())
    }

    @Test
    fun `a link with no checkout in progress (a fresh start after process death) is handled`() {
        val t = ReturnTracker(app)
        val link = "myapp://checkout/cancel?state=${buildReturnUrls("myapp://checkout").state}"
        assertEquals(ReturnAction.HandleLink(link), t.onCreate(false, null, link, false))
    }

    @Test
    fun `recreated activity - onCreate's intent is the old one and is not handled again`() {
        val first = resumedTracker()
        val p = pending("cs_6")
        first.onLaunched(p)
        first.onPaused()
        val saved = first.snapshot()
        // Rotation or process death while the Custom Tab is open: the activity is recreated with
        // its saved state and its original intent, here the link that once opened it.
        val again = ReturnTracker(app)
        assertEquals(ReturnAction.None, again.onCreate(true, saved, "myapp://checkout/cancel?state=${p.state}", false))
        assertEquals(ReturnTracker.Phase.AWAY, again.phase)
        assertEquals(ReturnAction.ResolvePending("cs_6"), again.onResumed())
    }

    @Test
    fun `relaunch from Recents - the replayed link is ignored and a newer checkout's state survives`() {
        val old = pending("cs_old")
        val now = pending("cs_now")
        val before = resumedTracker()
        before.onLaunched(now)
        before.onPaused()
        val saved = before.snapshot()
        // Without saved state (the task was relaunched after the process was gone) …
        val fresh = ReturnTracker(app)
        assertEquals(ReturnAction.None, fresh.onCreate(false, null, success(old), fromHistory = true))
        assertEquals(ReturnTracker.Phase.IDLE, fresh.phase)
        // … and with it: the replay does not wipe cs_now, whose resolution still runs.
        val restored = ReturnTracker(app)
        assertEquals(ReturnAction.None, restored.onCreate(true, saved, success(old), fromHistory = true))
        assertEquals(ReturnAction.None, restored.onNewIntent(success(old), fromHistory = true))
        assertEquals(ReturnAction.ResolvePending("cs_now"), restored.onResumed())
    }

    @Test
    fun `snapshot and restore, and junk restores to IDLE`() {
        val t = resumedTracker()
        val p = pending("cs:with:colons")
        t.onLaunched(p)
        t.onPaused()
        val u = ReturnTracker(app)
        u.restore(t.snapshot())
        assertEquals(ReturnTracker.Phase.AWAY, u.phase)
        assertEquals("cs:with:colons", u.sessionId)
        // The restored nonce is the checkout's own: its cancel link (no session id in it) ends the tracking.
        val cancel = "myapp://checkout/cancel?state=${p.state}"
        assertEquals(ReturnAction.HandleLink(cancel), u.onNewIntent(cancel, false))
        assertEquals(ReturnTracker.Phase.IDLE, u.phase, "its own link ends the tracking")
        for (junk in listOf(null, "", "AWAY:", "AWAY:s:", "AWAY::cs_1", "NOPE:s:cs_1", "IDLE:s:cs_1", "AWAY", "AWAY:cs_1")) {
            u.restore(junk)
            assertEquals(ReturnTracker.Phase.IDLE, u.phase, "restore($junk):")
        }
    }

    @Test
    fun `the browser opens only while resumed - a launch requested in the background waits`() = runTest {
        val t = resumedTracker()
        t.onPaused() // the app went to the background while flow.start was on the network
        var opened = 0
        val job = launch { t.whenResumed { opened++; t.onLaunched(pending("cs_7")) } }
        runCurrent()
        assertEquals(0, opened, "opened from the background")
        assertEquals(ReturnTracker.Phase.IDLE, t.phase)
        assertEquals(ReturnAction.None, t.onResumed())
        runCurrent()
        assertEquals(1, opened)
        assertEquals(ReturnTracker.Phase.LAUNCHED, t.phase)
        assertTrue(job.isCompleted)
        // Resumed already: runs at once.
        assertEquals(42, t.whenResumed { 42 })
    }

    @Test
    fun `a launch waiting for resume is dropped with its coroutine`() = runTest {
        val t = ReturnTracker(app) // created, never resumed
        var opened = false
        val job = launch { t.whenResumed { opened = true } }
        runCurrent()
        job.cancel() // lifecycleScope: the activity was destroyed
        runCurrent()
        t.onResumed()
        runCurrent()
        assertFalse(opened)
    }

    // ---- the redirect activity's rule and the Custom Tabs provider choice ----------------------

    @Test
    fun `the redirect forwards a VIEW link on a fresh start only`() {
        val link = "myapp://checkout/success?state=s"
        assertTrue(shouldForwardReturn(recreated = false, fromHistory = false, isView = true, link = link))
        assertFalse(shouldForwardReturn(recreated = true, fromHistory = false, isView = true, link = link))
        assertFalse(shouldForwardReturn(recreated = false, fromHistory = true, isView = true, link = link))
        assertFalse(shouldForwardReturn(recreated = false, fromHistory = false, isView = false, link = link))
        assertFalse(shouldForwardReturn(recreated = false, fromHistory = false, isView = true, link = null))
    }

    @Test
    fun `Custom Tabs - the default browser if it offers them, else any other browser that does`() {
        val cct = setOf("com.android.chrome", "org.mozilla.firefox")
        val choose = { default: String?, all: List<String> -> chooseBrowser(default, all, { it in cct }, { false }, authTabAllowed = true) }
        val all = listOf("com.example.plainbrowser", "org.mozilla.firefox", "com.android.chrome")
        assertEquals(BrowserChoice(Surface.CUSTOM_TAB, "com.android.chrome"), choose("com.android.chrome", all))
        // A default browser without Custom Tabs, or no default (Android's chooser, package
        // "android"), no longer means a plain browser while Chrome or Firefox is installed.
        assertEquals(BrowserChoice(Surface.CUSTOM_TAB, "org.mozilla.firefox"), choose("com.example.plainbrowser", all))
        assertEquals(BrowserChoice(Surface.CUSTOM_TAB, "org.mozilla.firefox"), choose("android", all))
        assertEquals(BrowserChoice(Surface.CUSTOM_TAB, "org.mozilla.firefox"), choose(null, all))
        assertEquals(BrowserChoice(Surface.BROWSER, null), choose("com.example.plainbrowser", listOf("com.example.plainbrowser")))
        assertEquals(BrowserChoice(Surface.BROWSER, null), choose(null, emptyList()))
    }

    @Test
    fun `Auth Tab - when the chosen provider declares it and the activity can take its result`() {
        val cct = setOf("com.android.chrome", "org.mozilla.firefox")
        val authTab = setOf("com.android.chrome") // Chrome 137+
        val all = listOf("org.mozilla.firefox", "com.android.chrome")
        fun choose(default: String?, allowed: Boolean = true) = chooseBrowser(default, all, { it in cct }, { it in authTab }, allowed)
        assertEquals(BrowserChoice(Surface.AUTH_TAB, "com.android.chrome"), choose("com.android.chrome"))
        // Firefox is the default and offers Custom Tabs only: a Custom Tab in Firefox, not Chrome's Auth Tab.
        assertEquals(BrowserChoice(Surface.CUSTOM_TAB, "org.mozilla.firefox"), choose("org.mozilla.firefox"))
        // No result launcher (CheckoutLauncher.launch(pending)): a Custom Tab.
        assertEquals(BrowserChoice(Surface.CUSTOM_TAB, "com.android.chrome"), choose("com.android.chrome", allowed = false))
        // An Auth Tab category without the Custom Tabs service is not a provider.
        assertEquals(BrowserChoice(Surface.BROWSER, null), chooseBrowser(null, listOf("x.y"), { false }, { true }, true))
    }
}
