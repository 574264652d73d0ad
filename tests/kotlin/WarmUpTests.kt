// CheckoutBridgeRuntime: the one-time start-up of the library, from any number of threads at
// once, on a background daemon thread, and a process that uses the library still exits.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutBridgeRuntime
import io.checkoutbridge.ReturnKind
import io.checkoutbridge.parseReturnUrl
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.io.File
import java.util.concurrent.CountDownLatch
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread
import kotlin.test.assertEquals
import kotlin.test.assertTrue

class WarmUpTests : EmulatorTest() {
    @Test
    fun `warmUp from many threads at once runs once and leaves the library warm`() {
        val go = CountDownLatch(1)
        val failures = CopyOnWriteArrayList<Throwable>()
        val threads = List(8) {
            thread(name = "warm-up-caller-$it") {
                go.await()
                runCatching { CheckoutBridgeRuntime.warmUp() }.onFailure { e -> failures += e }
            }
        }
        go.countDown()
        threads.forEach { it.join(30_000) }
        assertTrue(failures.isEmpty(), "$failures")
        assertTrue(CheckoutBridgeRuntime.isWarm)
        // Warm: a second warm-up returns at once, and calls work.
        val started = System.nanoTime()
        CheckoutBridgeRuntime.warmUp()
        assertTrue(System.nanoTime() - started < 5_000_000, "a warm warmUp() waits for nothing")
        runBlocking { CheckoutBridgeRuntime.awaitWarm() }
        val link = "myapp://checkout/success?session_id=cs_test_1&state=0123456789abcdef0123456789abcdef"
        assertEquals(ReturnKind.SUCCESS, parseReturnUrl(link, "myapp://checkout").kind)
    }

    @Test
    fun `UniFFI's checks run in warmUp, and without it not at all`() {
        // UniFFI 0.32's Kotlin runs its contract-version and checksum checks only in
        // IntegrityCheckingUniffiLib's initializer, which a plain call never triggers
        // (docs/performance.md, "UniFFI's checks"). The JVM's class-initialisation log shows it.
        fun initialised(mode: String): Boolean {
            val child = ProcessBuilder(
                File(System.getProperty("java.home"), "bin/java").path, "-Xlog:class+init=info",
                "-cp", System.getProperty("java.class.path"),
                "-Djna.library.path=${System.getProperty("jna.library.path")}",
                ChecksProbe::class.java.name, mode,
            ).redirectErrorStream(true).start()
            val output = child.inputStream.bufferedReader().readText()
            assertTrue(child.waitFor(60, TimeUnit.SECONDS) && child.exitValue() == 0, output.takeLast(2000))
            assertTrue(output.contains("checks probe: $mode done"), output.takeLast(2000))
            return output.contains("Initializing 'io/checkoutbridge/IntegrityCheckingUniffiLib'")
        }
        assertTrue(initialised("warm"), "warmUp() ran UniFFI's checks")
        assertTrue(!initialised("cold"), "without a warm-up UniFFI's checks do not run (if they now do, update the docs)")
    }

    @Test
    fun `a JVM that warmed up and made calls over this run's transport exits by itself`() {
        // A child JVM runs ExitProbe.main (warm up in the background, await it, one create and one
        // retrieve against the emulator), returns from main and must then exit: no thread the
        // library or its transport started may hold the process (issue 27 item 4).
        val java = File(System.getProperty("java.home"), "bin/java").path
        val child = ProcessBuilder(
            java, "-cp", System.getProperty("java.class.path"),
            "-Djna.library.path=${System.getProperty("jna.library.path")}",
            "-Dcheckoutbridge.transport=${Transports.name}",
            ExitProbe::class.java.name, Emulator.baseUrl,
        ).redirectErrorStream(true).start()
        val exited = child.waitFor(60, TimeUnit.SECONDS)
        val output = if (exited) child.inputStream.bufferedReader().readText() else ""
        if (!exited) child.destroyForcibly()
        assertTrue(exited, "the child JVM did not exit within 60 s of main returning")
        assertEquals(0, child.exitValue(), output)
        assertTrue(output.contains("exit probe: created and retrieved cs_"), output)
    }
}

/** The child JVM of the checks test: warms up ("warm") or only makes a call ("cold"). */
object ChecksProbe {
    @JvmStatic
    fun main(args: Array<String>) {
        if (args[0] == "warm") CheckoutBridgeRuntime.warmUp()
        val link = "myapp://checkout/cancel?state=0123456789abcdef0123456789abcdef"
        check(parseReturnUrl(link, "myapp://checkout").kind == ReturnKind.CANCEL)
        println("checks probe: ${args[0]} done")
    }
}

/** The child JVM of the exit test: uses the library, then returns from main. */
object ExitProbe {
    @JvmStatic
    fun main(args: Array<String>) = runBlocking {
        CheckoutBridgeRuntime.warmUpInBackground()
        CheckoutBridgeRuntime.awaitWarm()
        val client = newClient(baseUrl = args[0])
        val created = client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL))
        val got = client.retrieveSession(created.id)
        println("exit probe: created and retrieved ${got.id}")
    }
}
