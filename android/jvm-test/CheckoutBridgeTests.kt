// CheckoutBridge, the layer's process-wide entry point, on the desktop JVM (android-all's classes
// on the classpath; no Context is needed for what is tested here).
package io.checkoutbridge.android.jvmtest

import io.checkoutbridge.ClientConfig
import io.checkoutbridge.Credential
import io.checkoutbridge.android.CheckoutBridge
import io.checkoutbridge.tests.TEST_KEY
import kotlinx.coroutines.Dispatchers
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

class CheckoutBridgeTests {
    @TempDir
    lateinit var dir: Path

    /**
     * Android installs an app's content providers only in the process they belong to (the main
     * one), but runs `Application.onCreate` in every process of the app: a `:remote` service, a
     * push or sync process, LeakCanary's analyzer in debug builds. There the initializer never
     * ran, and the docs' `CheckoutBridge.configureBackend(…)` in `Application.onCreate` must not
     * throw (it crashed every such process at start); nothing is loaded there either. Where the
     * layer is bound later (its activities bind it with their context), what was set applies.
     */
    @Test
    fun `configure and onRecovered before the provider ran (another process of the app) - kept, applied when bound`() {
        val heard = mutableListOf<Any>()
        CheckoutBridge.configure(returnBase = "https://shop.example/checkout") {
            ClientConfig(baseUrl = "https://api.shop.example", credential = Credential.secretKey(TEST_KEY))
        }
        CheckoutBridge.onRecovered { heard += it }
        assertFalse(CheckoutBridge.isInitialized, "bound without a context")

        val runtime = CheckoutBridge.bind(storeDir = { dir.toString() }, defaultReturnBase = "myapp://checkout", main = Dispatchers.Unconfined)
        try {
            assertTrue(runtime.isConfigured, "the configuration given before binding was dropped")
            assertEquals("https://shop.example/checkout", runtime.returnBase)
            assertTrue(CheckoutBridge.isInitialized)
        } finally {
            runtime.close()
        }
        assertEquals(emptyList(), heard)
    }
}
