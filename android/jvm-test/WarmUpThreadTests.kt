// The layer's threading at app start, on the desktop JVM: a fresh JVM (the library not loaded yet)
// plays an app process whose main thread is the JVM's own, runs what Android runs on it (the
// initializer's onCreate, Application.onCreate's configure, the contract's createIntent, the
// checkout activity's lifecycle, the result's parse) and a whole checkout against the emulator,
// and reports on which thread the library was loaded. The observation is outside the layer: the
// generated bindings read the system property uniffi.component.checkout_bridge.libraryOverride
// exactly once, while loading the library (findLibraryName), and a recording Properties object
// notes the thread that does.
package io.checkoutbridge.android.jvmtest

import io.checkoutbridge.CheckoutBridgeRuntime
import io.checkoutbridge.ClientConfig
import io.checkoutbridge.Credential
import io.checkoutbridge.PaymentOutcome
import io.checkoutbridge.SimpleCheckout
import io.checkoutbridge.android.CheckoutRequest
import io.checkoutbridge.android.CheckoutResult
import io.checkoutbridge.android.CheckoutRoundTrip
import io.checkoutbridge.android.CheckoutRuntime
import io.checkoutbridge.simpleCheckoutParams
import io.checkoutbridge.tests.Emulator
import io.checkoutbridge.tests.TEST_KEY
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.nio.file.Path
import java.util.Properties
import java.util.concurrent.TimeUnit
import kotlin.coroutines.ContinuationInterceptor
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** The system properties, noting which thread asks for the bindings' library override. */
private class RecordingProperties(defaults: Properties) : Properties() {
    @Volatile
    var loadedOn: String? = null

    init {
        putAll(defaults)
    }

    override fun getProperty(key: String): String? {
        if (key == "uniffi.component.checkout_bridge.libraryOverride" && loadedOn == null) loadedOn = Thread.currentThread().name
        return super.getProperty(key)
    }
}

/**
 * The app process of [WarmUpThreadTests], run in its own JVM: `main(store dir, mode)`. Mode
 * `layer`: only what the layer does; mode `simple-params-on-main`: the app builds its parameters
 * with `simpleCheckoutParams` in its click handler, a library call on the main thread (the
 * deliberately broken input, to show the observation catches it). Prints `loaded-on=THREAD` and
 * `result=OUTCOME`.
 */
object WarmUpProbe {
    @JvmStatic
    fun main(args: Array<String>) {
        val recording = RecordingProperties(System.getProperties())
        System.setProperties(recording)
        check(Thread.currentThread().name == "main")
        val outcome = runBlocking {
            // This event loop runs on the JVM's main thread: the layer's "main" dispatcher.
            val main = coroutineContext[ContinuationInterceptor] as CoroutineDispatcher
            check(!CheckoutBridgeRuntime.isWarm)
            val simple = SimpleCheckout(amount = 1999, currency = "usd", name = "T-shirt")
            // The broken app: a library call on the main thread at start, before the warm-up.
            val early = if (args[1] == "simple-params-on-main") simpleCheckoutParams(simple) else null
            val runtime = CheckoutRuntime(args[0], "myapp://checkout", main)
            runtime.warmUp() // CheckoutBridgeInitializer.onCreate
            runtime.configure { // Application.onCreate; the lambda runs later, off the main thread
                ClientConfig(baseUrl = Emulator.baseUrl, credential = Credential.secretKey(TEST_KEY), timeoutMs = 10_000, maxRetries = 0)
            }
            val request = if (early != null) CheckoutRequest(early) else CheckoutRequest(simple)
            val extra = request.encode() // CheckoutContract.createIntent
            val done = CompletableDeferred<CheckoutResult?>()
            val opened = CompletableDeferred<String>()
            val trip = CheckoutRoundTrip(runtime, object : CheckoutRoundTrip.Host {
                override fun openPage(url: String) = opened.complete(url)
                override fun complete(result: CheckoutResult?) {
                    done.complete(result)
                }
            }, CoroutineScope(coroutineContext))
            trip.onCreate(null, "k", CheckoutRequest.decode(extra), null) // CheckoutManagementActivity.onCreate
            trip.onResume()
            val page = withTimeout(30_000) { opened.await() }
            trip.onPause()
            val link = withContext(Dispatchers.IO) { Emulator.clickOnHostedPage(page, "Pay") }
            trip.onLink(link)
            trip.onResume()
            val result = withTimeout(30_000) { done.await() }
            val parsed = CheckoutResult.decode(checkNotNull(result).encode()) // CheckoutContract.parseResult
            delay(10)
            (parsed as CheckoutResult.Verified).payment.outcome to runtime.isWarm
        }
        println("loaded-on=${recording.loadedOn}")
        // kotlin-support's warm-up ran (UniFFI's contract and checksum checks with it), and the
        // layer counts itself warm only after it.
        println("warm=${CheckoutBridgeRuntime.isWarm}")
        println("layer-warm=${outcome.second}")
        println("result=${outcome.first}")
        System.out.flush()
        Runtime.getRuntime().halt(0) // the emulator's stdin closes with us
    }
}

/**
 * Runs [WarmUpProbe] in a fresh JVM (store in [dir], [mode] as its second argument, [jvmArgs]
 * before the class name) and returns the `key=value` lines it printed.
 */
internal fun runWarmUpProbe(dir: Path, mode: String, jvmArgs: List<String> = emptyList()): Map<String, String> {
    val java = File(System.getProperty("java.home"), "bin/java").path
    val classpath = System.getProperty("surefire.test.class.path") ?: System.getProperty("java.class.path")
    val command = listOf(
        java, "-cp", classpath,
        "-Djna.library.path=${System.getProperty("jna.library.path")}",
        "-Dcheckoutbridge.emulator=${System.getProperty("checkoutbridge.emulator")}",
    ) + jvmArgs + listOf(WarmUpProbe::class.java.name, dir.toString(), mode)
    val p = ProcessBuilder(command).redirectErrorStream(true).start()
    val out = p.inputStream.bufferedReader().readText()
    assertTrue(p.waitFor(90, TimeUnit.SECONDS), "probe did not finish")
    assertEquals(0, p.exitValue(), out)
    return out.lines().filter { '=' in it && !it.startsWith("[") }.associate { it.substringBefore('=') to it.substringAfter('=') }
}

class WarmUpThreadTests {
    @TempDir
    lateinit var dir: Path

    private fun probe(mode: String): Map<String, String> = runWarmUpProbe(dir, mode)

    @Test
    fun `from a cold start, the library loads on the layer's background thread, never on main`() {
        val seen = probe("layer")
        assertEquals(PaymentOutcome.PAID.toString(), seen["result"])
        val thread = seen["loaded-on"]
        assertTrue(thread != null && thread != "main" && thread.startsWith("DefaultDispatcher-worker"), "library loaded on $thread")
        // The warm-up is kotlin-support's CheckoutBridgeRuntime.warmUp (UniFFI's checks run), not
        // merely a first call that loads the library without them.
        assertEquals("true", seen["warm"], "CheckoutBridgeRuntime.warmUp() never ran")
        assertEquals("true", seen["layer-warm"])
    }

    @Test
    fun `caught - a library call on the main thread before the warm-up (simpleCheckoutParams in the click handler)`() {
        val seen = probe("simple-params-on-main")
        assertEquals("main", seen["loaded-on"])
        assertEquals(PaymentOutcome.PAID.toString(), seen["result"])
    }
}
