// A PendingStore implemented in Kotlin (the foreign trait) and called from Rust by CheckoutFlow.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutException
import io.checkoutbridge.CheckoutFlow
import io.checkoutbridge.PaymentOutcome
import io.checkoutbridge.PendingCheckout
import io.checkoutbridge.PendingStore
import io.checkoutbridge.ReturnKind
import io.checkoutbridge.buildReturnUrls
import io.checkoutbridge.openFileStore
import io.checkoutbridge.parseReturnUrl
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.locks.ReentrantLock
import kotlin.concurrent.withLock
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** In-memory store guarded by a lock; counts calls so the test can see Rust used it. */
class MemoryStore : PendingStore {
    private val lock = ReentrantLock()
    private val map = LinkedHashMap<String, PendingCheckout>()
    val saves = AtomicInteger()
    val loads = AtomicInteger()
    /** Whether every save came in through the generated callback (i.e. Rust called it). */
    @Volatile var savesViaRust = true
    @Volatile var failSaves = false
    /** Throws something that is not a CheckoutException, as careless app code would. */
    @Volatile var crashSaves = false

    override fun save(checkout: PendingCheckout) {
        saves.incrementAndGet()
        if (Thread.currentThread().stackTrace.none { it.className.contains("uniffiCallbackInterfacePendingStore") }) {
            savesViaRust = false
        }
        if (failSaves) throw CheckoutException.Storage("disk full (simulated by the Kotlin store)")
        if (crashSaves) throw IllegalStateException("database is locked (simulated)")
        lock.withLock { map[checkout.sessionId] = checkout }
    }

    override fun remove(sessionId: String) {
        lock.withLock { map.remove(sessionId) }
    }

    override fun loadAll(): List<PendingCheckout> {
        loads.incrementAndGet()
        return lock.withLock { map.values.toList() }
    }

    fun get(id: String): PendingCheckout? = lock.withLock { map[id] }
}

/**
 * A store that calls back into Rust while Rust is calling it: a succeeding and a failing call,
 * then (optionally) fails itself. Each call must see its own result, not its caller's.
 */
class ReentrantStore(private val inner: MemoryStore = MemoryStore()) : PendingStore by inner {
    @Volatile var failLoads = false
    val nestedOk = AtomicInteger()
    /** What the nested calls got wrong; checked by the test (an assertion thrown here would
     *  surface only as an unexpected-callback error). */
    val problems = ConcurrentLinkedQueue<String>()

    override fun loadAll(): List<PendingCheckout> {
        val urls = buildReturnUrls(RETURN_BASE)
        val ok = parseReturnUrl(urls.cancelUrl, RETURN_BASE)
        if (ok.kind != ReturnKind.CANCEL || ok.state != urls.state) problems += "nested parse gave $ok"
        val rejected = runCatching { parseReturnUrl("evil://x/success?state=${urls.state}", RETURN_BASE) }
        if (rejected.exceptionOrNull() !is CheckoutException.InvalidReturnUrl) problems += "nested rejection gave $rejected"
        nestedOk.incrementAndGet()
        if (failLoads) throw CheckoutException.Storage("store offline (simulated after nested calls)")
        return inner.loadAll()
    }
}

class StoreTests : EmulatorTest() {
    @Test
    fun `a Kotlin store calling back into Rust (ok and error) while Rust calls it`() = runTest {
        val store = ReentrantStore()
        val flow = CheckoutFlow(newClient(), RETURN_BASE, store)
        val started = flow.start(tshirt())
        val before = store.nestedOk.get()
        // pending() is synchronous: Rust calls loadAll on this thread, which calls Rust again.
        repeat(50) { assertEquals(listOf(started), flow.pending()) }
        store.failLoads = true
        repeat(50) { expectError<CheckoutException.Storage>("offline") { flow.pending() } }
        store.failLoads = false
        assertEquals(listOf(started), flow.pending())
        assertEquals(before + 101, store.nestedOk.get())
        assertTrue(store.problems.isEmpty(), store.problems.take(3).joinToString("; "))
    }

    @Test
    fun `a Kotlin PendingStore drives a full paid round trip`() = runTest {
        val store = MemoryStore()
        val flow = CheckoutFlow(newClient(), RETURN_BASE, store)
        val pending = flow.start(tshirt())
        assertEquals(1, store.saves.get(), "start saved the pending checkout through Kotlin")
        val saved = store.get(pending.sessionId) ?: error("not in the Kotlin store")
        assertEquals(pending, saved)
        assertNull(saved.outcome)
        assertEquals(1999L, saved.amountTotal)

        val link = Emulator.clickOnHostedPage(pending.url, "Pay")
        val result = flow.handleReturnUrl(link)
        assertEquals(PaymentOutcome.PAID, result.outcome)
        assertTrue(store.loads.get() >= 1, "handleReturnUrl looked the state up in the Kotlin store")
        assertEquals(2, store.saves.get(), "the outcome was saved")
        assertEquals(PaymentOutcome.PAID, store.get(pending.sessionId)?.outcome)
        assertTrue(flow.pending().isEmpty())
        assertTrue(store.savesViaRust, "save was called through UniFFI's callback vtable")
    }

    @Test
    fun `a CheckoutException thrown by the Kotlin store reaches the caller`() = runTest {
        val store = MemoryStore().apply { failSaves = true }
        val flow = CheckoutFlow(newClient(), RETURN_BASE, store)
        val before = Emulator.requestCount()
        expectError<CheckoutException.Storage>("disk full") { flow.start(tshirt()) }
        assertEquals(1, store.saves.get())
        // The session that could not be recorded was expired so nobody can pay it unverified.
        val log = Emulator.control("GET", "requests")
        assertEquals(before + 2, Emulator.requestCount(), "expected create then expire: $log")
        assertTrue(Regex("\"path\":\\s*\"/v1/checkout/sessions/[^\"]+/expire\"").containsMatchIn(log), "expected an expire request: $log")
    }

    @Test
    fun `any other exception from the Kotlin store becomes Storage, not a panic`() = runTest {
        val store = MemoryStore().apply { crashSaves = true }
        val flow = CheckoutFlow(newClient(), RETURN_BASE, store)
        val before = Emulator.requestCount()
        expectError<CheckoutException.Storage>("PendingStore") { flow.start(tshirt()) }
        // Still a typed failure with cleanup: the unrecorded session was expired.
        assertEquals(before + 2, Emulator.requestCount())
    }

    @Test
    fun `openFileStore survives reopening`() = runTest {
        val dir = tempDir("reopen")
        val flow = CheckoutFlow(newClient(), RETURN_BASE, openFileStore(dir))
        val pending = flow.start(tshirt())
        val reopened = CheckoutFlow(newClient(), RETURN_BASE, openFileStore(dir))
        assertEquals(listOf(pending), reopened.pending())
        val link = Emulator.clickOnHostedPage(pending.url, "Pay")
        assertEquals(PaymentOutcome.PAID, reopened.handleReturnUrl(link).outcome)
    }
}
