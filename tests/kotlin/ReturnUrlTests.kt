// buildReturnUrls / parseReturnUrl from Kotlin: round trips, and hostile links rejected.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutException
import io.checkoutbridge.ReturnBase
import io.checkoutbridge.ReturnKind
import io.checkoutbridge.buildReturnUrls
import io.checkoutbridge.parseReturnUrl
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

class ReturnUrlTests : EmulatorTest() {
    @Test
    fun `a prepared ReturnBase routes links (percent-encoding, port 443, host case) and names its parts`() = runTest {
        val state = buildReturnUrls(RETURN_BASE).state
        ReturnBase("https://Shop.Example:443/checkout/").use { base ->
            assertEquals("https://shop.example/checkout", base.toString())
            assertEquals(Triple("https", "shop.example", "/checkout"), Triple(base.scheme(), base.host(), base.path()))
            assertTrue(base.matches("https://SHOP.example:443/checkout/%73uccess?session_id=cs_1&state=$state"))
            assertTrue(base.matches("https://shop.example/checkout/cancel"), "addressed to us, though malformed")
            assertTrue(!base.matches("https://shop.example/checkout-other/success"))
            assertEquals(ReturnKind.CANCEL, base.parseReturn("https://shop.example/checkout/cancel?state=$state").kind)
        }
        val flow = newFlow("is-return-link")
        assertTrue(flow.isReturnLink("$RETURN_BASE/success?session_id=cs_1&state=$state"))
        assertTrue(!flow.isReturnLink("myapp://account/orders"))
        assertEquals("myapp", flow.returnBase().scheme())
        expectError<CheckoutException.InvalidInput>("return_base") { ReturnBase("javascript://x") }
    }

    @Test
    fun `build then parse round trip (app scheme and https)`() = runTest {
        for (base in listOf("myapp://checkout", "https://shop.example/app/checkout")) {
            val urls = buildReturnUrls(base)
            assertTrue(Regex("[0-9a-f]{32}").matches(urls.state), "state ${urls.state}")
            assertEquals("$base/success?session_id={CHECKOUT_SESSION_ID}&state=${urls.state}", urls.successUrl)
            assertEquals("$base/cancel?state=${urls.state}", urls.cancelUrl)

            val success = parseReturnUrl(urls.successUrl.replace("{CHECKOUT_SESSION_ID}", "cs_test_a1B2c3"), base)
            assertEquals(ReturnKind.SUCCESS, success.kind)
            assertEquals("cs_test_a1B2c3", success.sessionId)
            assertEquals(urls.state, success.state)

            val cancel = parseReturnUrl(urls.cancelUrl, base)
            assertEquals(ReturnKind.CANCEL, cancel.kind)
            assertNull(cancel.sessionId)
            assertEquals(urls.state, cancel.state)
        }
        assertNotEquals(buildReturnUrls("myapp://checkout").state, buildReturnUrls("myapp://checkout").state, "fresh nonce each time")
    }

    @Test
    fun `hostile links are rejected`() = runTest {
        val base = "myapp://checkout"
        val state = buildReturnUrls(base).state
        val hostile = listOf(
            "myapp://checkout.evil.com/success?session_id=cs_1&state=$state",
            "evilapp://checkout/success?session_id=cs_1&state=$state",
            "javascript:alert(1)//myapp://checkout/success?session_id=cs_1&state=$state",
            "myapp://user:pw@checkout/success?session_id=cs_1&state=$state",
            "myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}&state=$state",
            "myapp://checkout/success?session_id=cs_1&state=$state&state=0123456789abcdef0123456789abcdef",
            "myapp://checkout/success?session_id=cs_1%0d%0aX:1&state=$state",
            "myapp://checkout/..%2fadmin/success?session_id=cs_1&state=$state",
            "myapp://checkout/success?session_id=cs_1&state=not-hex",
            "myapp://checkout/success?session_id=cs_1&state=$state#frag",
            "myapp://checkout/success?session_id=" + "a".repeat(3000) + "&state=$state",
        )
        for (link in hostile) {
            val e = expectError<CheckoutException.InvalidReturnUrl> { parseReturnUrl(link, base) }
            assertTrue(e.reason.isNotBlank(), link)
        }
        // A rejected link never echoes itself whole into the message.
        val e = expectError<CheckoutException.InvalidReturnUrl>("host") {
            parseReturnUrl("myapp://evil/success?session_id=cs_secretish_123&state=$state", base)
        }
        assertTrue(!e.message.contains("cs_secretish_123"), e.message)
        // And a bad base is an input error, not a return-URL error.
        expectError<CheckoutException.InvalidInput>("return_base") { parseReturnUrl("myapp://checkout/cancel?state=$state", "javascript:x") }
    }
}
