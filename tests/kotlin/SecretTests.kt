// Secrets never reach Kotlin text: the credential is an opaque object whose toString() is Rust's
// redacting Display, so printing a config (a data class), a credential, or an exception that
// rejected one shows what kind of credential it is and nothing of the secret.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutException
import io.checkoutbridge.ClientConfig
import io.checkoutbridge.Credential
import io.checkoutbridge.validateCredential
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/** No 6-character piece of [secret] in [text]. */
fun assertNoSecret(text: String, secret: String) {
    for (len in 6..secret.length) {
        for (start in 0..secret.length - len) {
            val piece = secret.substring(start, start + len)
            assertFalse(text.contains(piece), "secret piece \"$piece\" in: $text")
        }
    }
}

class SecretTests : EmulatorTest() {
    private val key = "sk_test_" + "KotlinNeverShowThisKey4242"
    private val token = "usr-" + "NeverShowThisToken7f3a9c"

    @Test
    fun `toString of a config, a credential and a string template show no key or token`() = runTest {
        val direct = Credential.secretKey(key)
        val backend = Credential.backend(token)
        val directConfig = ClientConfig(baseUrl = Emulator.baseUrl, credential = direct)
        val backendConfig = ClientConfig(baseUrl = "https://api.shop.example", credential = backend, timeoutMs = 5_000L)
        val texts = listOf(
            directConfig.toString(), "$direct", direct.toString(), "$directConfig",
            directConfig.copy(maxRetries = 0).toString(), listOf(directConfig).toString(),
        )
        for (text in texts) {
            assertNoSecret(text, key.removePrefix("sk_test_"))
            assertTrue(text.contains("secret key (test), redacted"), text)
        }
        for (text in listOf(backendConfig.toString(), "$backend", "$backendConfig", mapOf("c" to backend).toString())) {
            assertNoSecret(text, token.removePrefix("usr-"))
            assertTrue(text.contains("backend token, redacted"), text)
        }
        assertEquals("secret key (test), redacted", "$direct")
        assertTrue(backend.isBackend() && !direct.isBackend())
        // The key is still there, only unprintable: the client authenticates with it.
        val session = clientFor(directConfig.copy(maxRetries = 0)).createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL))
        assertTrue(session.id.isNotEmpty())
    }

    @Test
    fun `exceptions that reject a credential never quote it`() = runTest {
        val rejected = mutableListOf<CheckoutException>()
        // A live key as a backend token, on a device (what an app's CI checks ahead of time).
        val liveToken = "sk_live_" + "KotlinNeverShowThisLive4242"
        rejected += expectError<CheckoutException.LiveKeyOnDevice>("backend token") {
            validateCredential(Credential.backend(liveToken), onDevice = true)
        }
        // A backend token sent to Stripe (the default base URL): refused before anything is sent.
        rejected += expectError<CheckoutException.InvalidInput>("base_url") {
            clientFor(ClientConfig(credential = Credential.backend(token)))
        }
        // Malformed credentials.
        rejected += expectError<CheckoutException.InvalidInput>("credential.key") {
            clientFor(ClientConfig(baseUrl = Emulator.baseUrl, credential = Credential.secretKey("pk_test_" + "KotlinNeverShowThisPk")))
        }
        rejected += expectError<CheckoutException.InvalidInput>("credential.bearer_token") {
            clientFor(ClientConfig(baseUrl = Emulator.baseUrl, credential = Credential.backend("$token with a space")))
        }
        // The server refusing the key (401) quotes it masked; the library redacts even that.
        val badKey = key + "-revoked"
        rejected += expectError<CheckoutException.Authentication>("401") {
            clientFor(ClientConfig(baseUrl = Emulator.baseUrl, credential = Credential.secretKey(badKey), maxRetries = 0))
                .retrieveSession("cs_test_1")
        }
        for (e in rejected) {
            for (text in listOf(e.toString(), e.message.orEmpty(), e.stackTraceToString())) {
                assertNoSecret(text, liveToken.removePrefix("sk_live_"))
                assertNoSecret(text, token.removePrefix("usr-"))
                assertNoSecret(text, badKey.removePrefix("sk_test_"))
                assertNoSecret(text, "KotlinNeverShowThisPk")
            }
        }
    }

    @Test
    fun `checkCheckoutUrl refuses what the app must not open`() = runTest {
        val client = newClient()
        client.checkCheckoutUrl("${Emulator.baseUrl}/pay/cs_test_1") // the emulator's page, on loopback
        client.checkCheckoutUrl("https://checkout.stripe.com/c/pay/cs_test_1#fid")
        for (url in listOf("https://evil.example/c/pay/cs_1", "http://checkout.stripe.com/c/pay/cs_1", "intent://x#Intent;end")) {
            expectError<CheckoutException.UntrustedCheckoutUrl>("Checkout") { client.checkCheckoutUrl(url) }
        }
    }
}
