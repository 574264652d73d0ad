// How many threads the library adds to an app, counted from /proc/self/task after real round
// trips: the figures the crate guide documents (src/lib.rs, "Async runtime and threads").
package io.checkoutbridge.tests

import io.checkoutbridge.PaymentOutcome
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Test
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** The library's threads in this process, by the names the kernel keeps (15 characters). */
data class LibraryThreads(
    /** async-compat's tokio runtime ("async-compat/tokio-1"): hyper's I/O and the timers. */
    val io: Int,
    /** That runtime's blocking pool ("tokio-rt-worker"; "tokio-runtime-worker" before tokio
     *  1.50): store calls and DNS lookups. */
    val blocking: Int,
)

fun libraryThreads(): LibraryThreads {
    val names = File("/proc/self/task").listFiles().orEmpty().mapNotNull { task ->
        runCatching { File(task, "comm").readText().trim() }.getOrNull() // a thread may just have exited
    }
    return LibraryThreads(
        io = names.count { it.startsWith("async-compat/") },
        blocking = names.count { it == "tokio-rt-worker" || it.startsWith("tokio-runtime-w") },
    )
}

/** Polls until no blocking-pool thread is left, for at most [limitMs]; returns the time it took. */
suspend fun awaitNoBlockingThreads(limitMs: Long): Long {
    val started = System.nanoTime()
    while (libraryThreads().blocking > 0) {
        val waited = (System.nanoTime() - started) / 1_000_000
        if (waited > limitMs) return waited
        realDelay(100)
    }
    return (System.nanoTime() - started) / 1_000_000
}

class ThreadTests : EmulatorTest() {
    @Test
    fun `round trips with the file store add 1 I-O thread, store calls borrow 1 blocking-pool thread for 10 s`() = runTest(timeout = kotlin.time.Duration.parse("2m")) {
        // Threads left by earlier tests in this JVM: let tokio's blocking pool go idle first.
        awaitNoBlockingThreads(15_000)
        val before = libraryThreads()
        assertTrue(before.io <= 1 && before.blocking == 0, "before: $before")
        repeat(3) { i ->
            val flow = newFlow("threads-$i")
            val pending = flow.start(tshirt())
            val link = Emulator.clickOnHostedPage(pending.url, "Pay")
            assertEquals(PaymentOutcome.PAID, flow.handleReturnUrl(link).outcome)
            val after = libraryThreads()
            println("     threads after round trip ${i + 1}: $after (before the first: $before)")
            assertEquals(1, after.io, "one I/O thread for the whole process, however many calls: $after")
            // Sequential store calls reuse the idle pool thread; a second one appears only if a
            // call starts in the microseconds before the previous thread has registered as idle.
            assertTrue(after.blocking in 1..2, "the file store ran on the blocking pool: $after")
        }
        val idleMs = awaitNoBlockingThreads(15_000)
        println("     blocking-pool threads gone ${idleMs} ms after the last round trip")
        assertEquals(LibraryThreads(io = 1, blocking = 0), libraryThreads(), "after ${idleMs} ms idle")
        // tokio's blocking threads exit after 10 s without work (tokio's default keep-alive).
        assertTrue(idleMs in 8_000..15_000, "blocking-pool threads exited after $idleMs ms")
    }
}
