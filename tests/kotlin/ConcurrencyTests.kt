// Coroutine cancellation and concurrency through the generated suspend functions.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutException
import io.checkoutbridge.ReturnKind
import io.checkoutbridge.buildReturnUrls
import io.checkoutbridge.parseReturnUrl
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import java.util.concurrent.ConcurrentLinkedQueue
import kotlin.concurrent.thread
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

class ConcurrencyTests : EmulatorTest() {
    @Test
    fun `synchronous calls on 4 threads, successes and errors interleaved, never mixed up`() = runTest {
        val failures = ConcurrentLinkedQueue<String>()
        val workers = (0 until 4).map { n ->
            thread(name = "sync-caller-$n") {
                repeat(2_000) { i ->
                    // Anything thrown here is recorded: an exception would only kill this thread.
                    try {
                        val urls = buildReturnUrls(RETURN_BASE)
                        val link = urls.successUrl.replace("{CHECKOUT_SESSION_ID}", "cs_test_t${n}i$i")
                        val ok = parseReturnUrl(link, RETURN_BASE)
                        if (ok.kind != ReturnKind.SUCCESS || ok.sessionId != "cs_test_t${n}i$i" || ok.state != urls.state) {
                            failures += "thread $n call $i: $ok"
                        }
                        val bad = runCatching { parseReturnUrl("$link#fragment", RETURN_BASE) }.exceptionOrNull()
                        if (bad !is CheckoutException.InvalidReturnUrl) failures += "thread $n call $i: $bad"
                    } catch (e: Throwable) {
                        failures += "thread $n call $i threw $e"
                    }
                }
            }
        }
        workers.forEach { it.join() }
        assertTrue(failures.isEmpty(), failures.take(5).joinToString("; "))
    }

    @Test
    fun `cancelling a coroutine stuck on a slow request returns within 1 s`() = runTest {
        val client = newClient(timeoutMs = 30_000L)
        val s = client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL))
        val slow = SlowRetrieve(this, client, s.id)
        val job = slow.job
        realDelay(500) // the request is now in flight, held by the emulator for 10 s
        assertTrue(job.isActive, "request finished early: ${slow.outcome}")
        val started = System.nanoTime()
        job.cancel()
        job.join()
        val ms = (System.nanoTime() - started) / 1_000_000
        assertEquals("cancelled", slow.outcome)
        assertTrue(ms < 1000, "cancellation took $ms ms")
        // The client is still usable afterwards.
        val again = withContext(Dispatchers.Default) { client.retrieveSession(s.id) }
        assertEquals(s.id, again.id)
    }

    @Test
    fun `100 concurrent retrieveSession calls on Dispatchers Default`() = runTest {
        val client = newClient()
        val s = client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL))
        val before = Emulator.requestCount()
        val results = coroutineScope {
            (1..100).map { async(Dispatchers.Default) { client.retrieveSession(s.id) } }.awaitAll()
        }
        assertEquals(100, results.size)
        assertTrue(results.all { it.id == s.id && it.amountTotal == 1999L })
        assertEquals(before + 100, Emulator.requestCount(), "every call reached the emulator")
    }

    @Test
    fun `20 concurrent checkouts through one CheckoutFlow`() = runTest {
        val flow = newFlow("parallel")
        val pendings = coroutineScope { (1..20).map { async(Dispatchers.Default) { flow.start(tshirt()) } }.awaitAll() }
        assertEquals(20, pendings.map { it.sessionId }.toSet().size)
        assertEquals(20, flow.pending().size, "every start was recorded in the store")
        coroutineScope {
            pendings.forEach { p -> launch(Dispatchers.Default) { Emulator.complete(p.sessionId) } }
        }
        val outcomes = coroutineScope { pendings.map { p -> async(Dispatchers.Default) { flow.resolvePending(p.sessionId).outcome } }.awaitAll() }
        assertTrue(outcomes.all { it == io.checkoutbridge.PaymentOutcome.PAID }, "$outcomes")
        assertTrue(flow.pending().isEmpty())
    }
}
