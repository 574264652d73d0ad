// Hand-written companion to the generated bindings: JNA tuning through JNA's public API only.
// Shared by the Android module and the JVM tests.
package io.checkoutbridge

import com.sun.jna.Native
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import java.net.InetAddress
import java.net.ServerSocket
import kotlin.coroutines.CoroutineContext

/**
 * Process-wide tuning of the JNA bridge the bindings use.
 *
 * Every async call is woken by a callback from the library's single I/O thread, a native thread
 * that JNA attaches to the JVM for each callback and detaches afterwards by default, which costs
 * more than the work itself. JNA's documented remedy for a long-lived native thread that calls
 * back often is [Native.detach] `(false)`, called on that thread from inside a callback; this
 * does it once (BENCHMARKS.md has the figure).
 */
object CheckoutBridgeRuntime {
    @Volatile
    private var attached = false

    /**
     * Keeps the library's I/O thread attached to the JVM from now on. Idempotent; call once at
     * startup, off the main thread (it waits for one local request, about 50 ms). Returns whether
     * the thread is now kept attached.
     *
     * How: one request to a loopback listener that never answers, with a 50 ms timeout, so that
     * the library's I/O thread wakes the call. Its resumption is dispatched from inside that JNA
     * callback, on that thread, where this dispatcher calls `Native.detach(false)` before handing
     * the coroutine on. Nothing is sent anywhere but to 127.0.0.1.
     */
    @JvmStatic
    @Synchronized
    fun keepCallbackThreadAttached(): Boolean {
        if (attached) return true
        val caller = Thread.currentThread()
        val dispatcher = object : CoroutineDispatcher() {
            override fun dispatch(context: CoroutineContext, block: Runnable) {
                if (Thread.currentThread() !== caller && !attached) {
                    Native.detach(false)
                    attached = true
                }
                Dispatchers.Default.dispatch(context, block)
            }
        }
        ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { silent ->
            CheckoutClient(
                ClientConfig(
                    baseUrl = "http://127.0.0.1:${silent.localPort}",
                    credential = Credential.secretKey("sk_test_checkoutbridge_runtime"),
                    timeoutMs = 50,
                    maxRetries = 0,
                ),
            ).use { client ->
                runBlocking(dispatcher) { runCatching { client.retrieveSession("cs_runtime_probe") } }
            }
        }
        return attached
    }
}
