// CheckoutBridgeRuntime.keepCallbackThreadAttached: the library's I/O thread, which wakes every
// async call through a JNA callback, stays attached to the JVM afterwards (one Thread, alive),
// instead of being attached and detached for each callback.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutBridgeRuntime
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.util.concurrent.ConcurrentLinkedQueue
import kotlin.coroutines.CoroutineContext
import kotlin.test.assertEquals
import kotlin.test.assertTrue

class RuntimeTests : EmulatorTest() {
    /** Runs [block] and returns the threads its resumptions were dispatched from. */
    private fun wakers(block: suspend () -> Unit): List<Thread> {
        val caller = Thread.currentThread()
        val seen = ConcurrentLinkedQueue<Thread>()
        val recording = object : CoroutineDispatcher() {
            override fun dispatch(context: CoroutineContext, block: Runnable) {
                if (Thread.currentThread() !== caller) seen += Thread.currentThread()
                Dispatchers.Default.dispatch(context, block)
            }
        }
        runBlocking(recording) { block() }
        return seen.toList()
    }

    @Test
    fun `keepCallbackThreadAttached keeps the library's I-O thread attached across calls`() {
        assertTrue(CheckoutBridgeRuntime.keepCallbackThreadAttached(), "the probe was woken by the I/O thread")
        assertTrue(CheckoutBridgeRuntime.keepCallbackThreadAttached(), "idempotent")
        val client = newClient()
        val first = wakers { client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL)) }
        val second = wakers { client.retrieveSession(client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL)).id) }
        val all = (first + second).toSet()
        assertTrue(first.isNotEmpty() && second.isNotEmpty(), "calls were woken from another thread: $first / $second")
        // JNA's default: a new attachment per callback, i.e. a new (then dead) Thread each time.
        assertEquals(1, all.size, "one attached I/O thread for every callback, got ${all.map { it.name }}")
        Thread.sleep(200)
        assertTrue(all.single().isAlive, "the I/O thread is still attached after the calls returned")
    }
}
