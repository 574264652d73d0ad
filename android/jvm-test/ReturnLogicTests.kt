// JVM tests of android/src/main/kotlin/io/checkoutbridge/android/ReturnLogic.kt, the part of the
// Android layer that does not touch Android APIs (JUnit 5; jvm/android/pom.xml runs them).
package io.checkoutbridge.android.jvmtest

import io.checkoutbridge.android.ReturnAction
import io.checkoutbridge.android.ReturnLinkMatcher
import io.checkoutbridge.android.ReturnTracker
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

class ReturnLogicTests {
    private val app = ReturnLinkMatcher("myapp://checkout")
    private val web = ReturnLinkMatcher("https://shop.example/checkout/")

    @Test
    fun `matcher accepts success and cancel links under a custom-scheme base`() {
        val ok = "myapp://checkout/success?session_id=cs_test_1&state=abc"
        assertEquals(ok, app.extract(ok))
        assertEquals("myapp://checkout/cancel?state=abc", app.extract("myapp://checkout/cancel?state=abc"))
        // Scheme and host compare case-insensitively, as Android's Uri matching does; the
        // link is handed on unchanged.
        assertEquals("MyApp://CHECKOUT/success?state=x", app.extract("MyApp://CHECKOUT/success?state=x"))
    }

    @Test
    fun `matcher leaves the app's other links alone`() {
        for (other in listOf(
            null, "", "myapp://checkout", "myapp://checkout/", "myapp://checkout?state=x",
            "myapp://settings/success?state=x", "myapp://checkoutx/success?state=x",
            "otherapp://checkout/success?state=x", "myapp:/checkout/success", "checkout/success",
            "myapp://checkout/success?state=" + "a".repeat(2100), "://checkout/success",
        )) assertNull(app.extract(other), "for $other:")
    }

    @Test
    fun `matcher with an https App Link base`() {
        assertEquals("https://shop.example/checkout/success?state=s", web.extract("https://shop.example/checkout/success?state=s"))
        for (other in listOf(
            "http://shop.example/checkout/success?state=s", "https://shop.example/checkoutx/success",
            "https://shop.example.evil.test/checkout/success", "https://evil.test/shop.example/checkout/success",
            "https://shop.example:8443/checkout/success", "https://user@shop.example/checkout/success",
            "https://shop.example/other/checkout/success",
        )) assertNull(web.extract(other), "for $other:")
    }

    @Test
    fun `matcher refuses a malformed base`() {
        for (bad in listOf("checkout", "myapp:checkout", "myapp://checkout?x=1", "1app://checkout")) {
            assertTrue(runCatching { ReturnLinkMatcher(bad) }.isFailure, "accepted base $bad")
        }
    }

    @Test
    fun `tracker - link while away is handled, the following resume does nothing`() {
        val t = ReturnTracker(app)
        t.onLaunched("cs_1")
        t.onPaused()
        assertEquals(ReturnAction.HandleLink("myapp://checkout/success?state=s"), t.onLink("myapp://checkout/success?state=s"))
        assertEquals(ReturnAction.None, t.onResumed())
        assertEquals(ReturnTracker.Phase.IDLE, t.phase)
    }

    @Test
    fun `tracker - resumed without a link resolves the pending checkout once`() {
        val t = ReturnTracker(app)
        t.onLaunched("cs_2")
        t.onPaused()
        assertEquals(ReturnAction.ResolvePending("cs_2"), t.onResumed())
        assertEquals(ReturnAction.None, t.onResumed(), "second resume:")
    }

    @Test
    fun `tracker - a resume before the browser covered the activity does nothing`() {
        val t = ReturnTracker(app)
        assertEquals(ReturnAction.None, t.onResumed(), "idle:")
        t.onLaunched("cs_3")
        assertEquals(ReturnAction.None, t.onResumed(), "launched, never paused:")
        assertEquals(ReturnTracker.Phase.LAUNCHED, t.phase)
        t.onPaused()
        assertEquals(ReturnAction.ResolvePending("cs_3"), t.onResumed())
    }

    @Test
    fun `tracker - a foreign link or an intent without data does not count as the return`() {
        val t = ReturnTracker(app)
        t.onLaunched("cs_4")
        t.onPaused()
        assertEquals(ReturnAction.None, t.onLink("myapp://settings/open"))
        assertEquals(ReturnAction.None, t.onLink(null))
        assertEquals(ReturnAction.ResolvePending("cs_4"), t.onResumed())
    }

    @Test
    fun `tracker - a link with no checkout in progress (after process death) is still handled`() {
        val t = ReturnTracker(app)
        assertEquals(ReturnAction.HandleLink("myapp://checkout/cancel?state=z"), t.onLink("myapp://checkout/cancel?state=z"))
    }

    @Test
    fun `tracker - snapshot and restore survive activity recreation`() {
        val t = ReturnTracker(app)
        t.onLaunched("cs_5")
        t.onPaused()
        val saved = t.snapshot()
        val u = ReturnTracker(app)
        u.restore(saved)
        assertEquals(ReturnTracker.Phase.AWAY, u.phase)
        assertEquals(ReturnAction.ResolvePending("cs_5"), u.onResumed())
        for (junk in listOf(null, "", "AWAY:", "NOPE:cs_1", "IDLE:cs_1", "AWAY")) {
            u.restore(junk)
            assertEquals(ReturnTracker.Phase.IDLE, u.phase, "restore($junk):")
        }
    }
}
