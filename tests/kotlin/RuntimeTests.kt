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
        // A call is woken from the I/O thread only when its answer arrives after the first poll;
        // on a loaded machine the answer can win that race and the wake then runs on the caller.
        // So call until both kinds of call were woken from elsewhere (bounded).
        val first = mutableListOf<Thread>()
        val second = mutableListOf<Thread>()
        for (attempt in 0 until 40) {
            if (first.isEmpty()) first += wakers { client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL)) }
            if (second.isEmpty()) second += wakers { client.retrieveSession(client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL)).id) }
            if (first.isNotEmpty() && second.isNotEmpty()) break
        }
        val all = (first + second).toSet()
        assertTrue(first.isNotEmpty() && second.isNotEmpty(), "calls were woken from another thread: $first / $second")
        // JNA's default: a new attachment per callback, i.e. a new (then dead) Thread each time.
        assertEquals(1, all.size, "one attached I/O thread for every callback, got ${all.map { it.name }}")
        Thread.sleep(200)
        assertTrue(all.single().isAlive, "the I/O thread is still attached after the calls returned")
    }
}
