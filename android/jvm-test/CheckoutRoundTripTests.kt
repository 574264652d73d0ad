// The round trip behind CheckoutContract as CheckoutManagementActivity drives it, on the desktop
// JVM: CheckoutRoundTrip and CheckoutRuntime (android/src/main/kotlin) against the real library
// and a stripe-emulator process (tests/kotlin/support/Emulator.kt). Each test is one order of
// lifecycle events a device produces; a new CheckoutRuntime over the same store directory is a
// new process. The "main thread" is a single thread, as on Android.
package io.checkoutbridge.android.jvmtest

import io.checkoutbridge.CheckoutException
import io.checkoutbridge.ClientConfig
import io.checkoutbridge.Credential
import io.checkoutbridge.PaymentOutcome
import io.checkoutbridge.SimpleCheckout
import io.checkoutbridge.android.CheckoutRequest
import io.checkoutbridge.android.CheckoutResult
import io.checkoutbridge.android.CheckoutRoundTrip
import io.checkoutbridge.android.CheckoutRoundTrip.Phase
import io.checkoutbridge.android.CheckoutRuntime
import io.checkoutbridge.okhttp.OkHttpTransport
import io.checkoutbridge.tests.Emulator
import io.checkoutbridge.tests.EmulatorTest
import io.checkoutbridge.tests.TEST_KEY
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.ExecutorCoroutineDispatcher
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import okhttp3.OkHttpClient
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.util.UUID
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

class CheckoutRoundTripTests : EmulatorTest() {
    @TempDir
    lateinit var dir: Path

    private val main: ExecutorCoroutineDispatcher = Executors.newSingleThreadExecutor { Thread(it, "main") }.asCoroutineDispatcher()
    private val processes = mutableListOf<CheckoutRuntime>()

    /**
     * Exceptions nothing caught: on a device each one is a crash of the app (the activity's
     * MainScope and the runtime's scope have no handler, so Android's default handler kills the
     * process). Recorded from both scopes; every test ends with none.
     */
    private val crashes = CopyOnWriteArrayList<Throwable>()
    private val crash = CoroutineExceptionHandler { _, e -> crashes += e }
    private var previousHandler: Thread.UncaughtExceptionHandler? = null

    @BeforeEach
    fun recordCrashes() {
        previousHandler = Thread.getDefaultUncaughtExceptionHandler()
        Thread.setDefaultUncaughtExceptionHandler { _, e -> crashes += e }
    }

    @AfterEach
    fun stop() {
        processes.forEach { it.close() }
        main.close()
        Thread.setDefaultUncaughtExceptionHandler(previousHandler)
        assertEquals(emptyList(), crashes.map { it.toString() }, "uncaught exceptions (an app crash on a device)")
    }

    /** A new app process: its runtime, configured as Application.onCreate would. */
    private fun process(): CheckoutRuntime = CheckoutRuntime(dir.toString(), "myapp://checkout", main).also {
        processes += it
        configureEmulator(it)
    }

    /**
     * A new app process that configures the layer in its activity's `onCreate` (no `Application`
     * subclass): only the library's provider has run so far. [waitMs]: how long a round trip waits
     * for the configuration.
     */
    private fun unconfiguredProcess(waitMs: Long = CheckoutRuntime.CONFIGURATION_WAIT_MS): CheckoutRuntime =
        CheckoutRuntime(dir.toString(), "myapp://checkout", main, waitMs).also {
            processes += it
            it.warmUp()
        }

    private fun configureEmulator(runtime: CheckoutRuntime) = runtime.configure {
        ClientConfig(baseUrl = Emulator.baseUrl, credential = Credential.secretKey(TEST_KEY), timeoutMs = 10_000, maxRetries = 0)
    }

    private val tshirt = CheckoutRequest(SimpleCheckout(amount = 1999, currency = "usd", name = "T-shirt"))

    private fun <T> onMain(block: () -> T): T = runBlocking(main) { block() }

    /** One instance of CheckoutManagementActivity: its host side and its round trip. */
    private inner class Screen(val runtime: CheckoutRuntime) : CheckoutRoundTrip.Host {
        val opened = mutableListOf<String>()
        val completed = mutableListOf<CheckoutResult?>()
        private val done = CompletableDeferred<CheckoutResult?>()
        var hasBrowser = true

        /** `isTaskRoot`: nothing of the app beneath this instance. */
        var alone = false

        /** What happened when, in order: "app opened", "completed". */
        val events = mutableListOf<String>()

        /** The app's launch activity, started by [openApp] (its onCreate and onStart). */
        var app: () -> Unit = {}

        override fun isAlone(): Boolean = alone

        override fun openApp(): Boolean {
            events += "app opened"
            app()
            return true
        }
        private val scope = CoroutineScope(SupervisorJob() + main + crash)
        val trip = CheckoutRoundTrip(runtime, this, scope)

        override fun openPage(url: String): Boolean {
            if (hasBrowser) opened += url
            return hasBrowser
        }

        override fun complete(result: CheckoutResult?) {
            events += "completed"
            completed += result
            done.complete(result)
        }

        /** Launched by the contract: created, then resumed (the page opens once the session exists). */
        fun launch(key: String = UUID.randomUUID().toString()) = onMain {
            trip.onCreate(null, key, tshirt, null)
            trip.onResume()
        }

        /** Pay tapped: the session is created, the page opens, and the browser covers the activity. */
        fun payTapped(): String {
            launch()
            val page = awaitOpened()
            onMain { trip.onPause() }
            return page
        }

        fun awaitOpened(): String {
            repeat(2000) {
                onMain { opened.firstOrNull() }?.let { return it }
                if (onMain { completed.isNotEmpty() }) error("completed before the page opened: $completed")
                Thread.sleep(10)
            }
            error("the page never opened (phase ${onMain { trip.phase }})")
        }

        fun awaitPhase(phase: Phase) {
            repeat(2000) {
                if (onMain { trip.phase } == phase) return
                Thread.sleep(10)
            }
            error("never reached $phase (at ${onMain { trip.phase }})")
        }

        fun awaitResult(): CheckoutResult? = runBlocking { withTimeout(30_000) { done.await() } }

        /** Rotation or process death: what onSaveInstanceState wrote, then onDestroy. */
        fun destroy(finishing: Boolean = false): Map<String, String> = onMain {
            val saved = trip.save()
            trip.onDestroy(finishing)
            scope.cancel()
            saved
        }
    }

    /** A recreated instance (rotation, or a new process) from [saved]. */
    private fun recreated(runtime: CheckoutRuntime, saved: Map<String, String>) =
        Screen(runtime).also { s -> onMain { s.trip.onCreate(saved, null, null, null) } }

    private fun verdict(r: CheckoutResult?): Pair<String?, PaymentOutcome> {
        val v = assertIs<CheckoutResult.Verified>(r, "result $r")
        return v.payment.session.id to v.payment.outcome
    }

    /** The session ID from the emulator's hosted page URL (…/c/pay/cs_…). */
    private fun sessionOf(url: String) = url.substringAfterLast('/').substringBefore('?')

    @Test
    fun `custom tab - pay, the link arrives in onNewIntent - PAID once, the resume adds nothing`() {
        val screen = Screen(process())
        val page = screen.payTapped()
        val link = Emulator.clickOnHostedPage(page, "Pay")
        onMain {
            screen.trip.onLink(link) // CheckoutRedirectActivity -> onNewIntent, before onResume
            screen.trip.onResume()
        }
        assertEquals(sessionOf(page) to PaymentOutcome.PAID, verdict(screen.awaitResult()))
        Thread.sleep(200)
        assertEquals(1, onMain { screen.completed.size })
    }

    @Test
    fun `auth tab - the redirect comes back as the tab's result - PAID, and a closed tab asks Stripe`() {
        val runtime = process()
        val paid = Screen(runtime)
        val page = paid.payTapped()
        val link = Emulator.clickOnHostedPage(page, "Pay")
        onMain {
            paid.trip.onLink(link) // AuthTabIntent.RESULT_OK with resultUri, delivered before onResume
            paid.trip.onResume()
        }
        assertEquals(PaymentOutcome.PAID, verdict(paid.awaitResult()).second)

        val closed = Screen(runtime)
        closed.launch()
        closed.awaitOpened()
        onMain {
            closed.trip.onPause()
            closed.trip.onTabClosed() // AuthTabIntent.RESULT_CANCELED
            closed.trip.onResume()
        }
        assertEquals(PaymentOutcome.OPEN, verdict(closed.awaitResult()).second)
    }

    /**
     * `CheckoutBridge.configure(transport = OkHttpTransport(appClient))`: the app's network stack
     * (on a device, its Network Security Config's trust and pins) sends every request of the
     * round trip, creation and verification, instead of the library's built-in transport.
     */
    @Test
    fun `the app's OkHttp client sends every request of the round trip - PAID`() {
        val sent = AtomicInteger()
        val appClient = OkHttpClient.Builder().addInterceptor { chain ->
            sent.incrementAndGet()
            chain.proceed(chain.request())
        }.build()
        val runtime = CheckoutRuntime(dir.toString(), "myapp://checkout", main).also { processes += it }
        runtime.configure(transport = OkHttpTransport(appClient)) {
            ClientConfig(baseUrl = Emulator.baseUrl, credential = Credential.secretKey(TEST_KEY), timeoutMs = 10_000, maxRetries = 0)
        }
        val before = Emulator.requestCount()
        val screen = Screen(runtime)
        val page = screen.payTapped()
        onMain { screen.trip.onLink(Emulator.clickOnHostedPage(page, "Pay")) }
        assertEquals(sessionOf(page) to PaymentOutcome.PAID, verdict(screen.awaitResult()))
        val atStripe = Emulator.requestCount() - before
        assertTrue(atStripe >= 2, "create and retrieve: $atStripe requests")
        assertEquals(atStripe, sent.get(), "requests the emulator saw vs. requests through the app's OkHttpClient")
    }

    @Test
    fun `tab closed without a link - OPEN now, and PAID reported by the next process once paid`() {
        val screen = Screen(process())
        screen.launch()
        val page = screen.awaitOpened()
        onMain {
            screen.trip.onPause()
            screen.trip.onResume() // back without a link
        }
        assertEquals(sessionOf(page) to PaymentOutcome.OPEN, verdict(screen.awaitResult()))
        Emulator.complete(sessionOf(page), paid = true) // paid in the tab after all
        val next = process()
        val recovered = CompletableDeferred<CheckoutResult>()
        next.onRecovered { recovered.complete(it) }
        val r = runBlocking { withTimeout(30_000) { recovered.await() } }
        assertEquals(sessionOf(page) to PaymentOutcome.PAID, verdict(r))
        assertEquals(1, runBlocking { next.recoverPending().await() })
    }

    @Test
    fun `rotation during handleReturnUrl - the verification goes on, the new instance gets it once`() {
        val runtime = process()
        val before = Screen(runtime)
        val page = before.payTapped()
        val link = Emulator.clickOnHostedPage(page, "Pay")
        val requests = Emulator.requestCount()
        Emulator.fault("""{"kind":"delay","delay_ms":1500,"count":1,"method":"GET"}""")
        onMain { before.trip.onLink(link) }
        before.awaitPhase(Phase.VERIFYING)
        Thread.sleep(300) // the retrieve is at the emulator, waiting
        val saved = before.destroy() // rotation: onSaveInstanceState, onDestroy
        val after = recreated(runtime, saved)
        onMain { after.trip.onResume() }
        assertEquals(sessionOf(page) to PaymentOutcome.PAID, verdict(after.awaitResult()))
        Thread.sleep(300)
        assertEquals(emptyList(), onMain { before.completed }, "the destroyed instance delivered a result")
        assertEquals(1, onMain { after.completed.size })
        assertEquals(requests + 1, Emulator.requestCount(), "the recreated instance verified the link a second time")
    }

    @Test
    fun `rotation while the session is being created - one session, opened by the new instance`() {
        val runtime = process()
        val before = Screen(runtime)
        val requests = Emulator.requestCount()
        Emulator.fault("""{"kind":"delay","delay_ms":1000,"count":1,"method":"POST"}""")
        before.launch()
        Thread.sleep(200)
        assertEquals(Phase.CREATING, onMain { before.trip.phase })
        val after = recreated(runtime, before.destroy())
        onMain { after.trip.onResume() }
        val page = after.awaitOpened()
        assertEquals(emptyList(), onMain { before.opened })
        assertEquals(requests + 1, Emulator.requestCount(), "a second session was created")
        onMain { after.trip.onPause() }
        onMain { after.trip.onLink(Emulator.clickOnHostedPage(page, "Pay")) }
        assertEquals(PaymentOutcome.PAID, verdict(after.awaitResult()).second)
    }

    @Test
    fun `process death with the browser open - the recreated activity gets the link and reports PAID`() {
        val before = Screen(process())
        val page = before.payTapped()
        val saved = before.destroy()
        processes.removeLast().close() // the process is killed; the store on disk survives
        val link = Emulator.clickOnHostedPage(page, "Pay")
        // New process: the system recreates the activity with its saved state, then delivers the
        // forwarded link (onNewIntent) before onResume.
        val after = recreated(process(), saved)
        assertEquals(Phase.AWAY, onMain { after.trip.phase })
        onMain {
            after.trip.onLink(link)
            after.trip.onResume()
        }
        assertEquals(sessionOf(page) to PaymentOutcome.PAID, verdict(after.awaitResult()))
    }

    /**
     * An app without an `Application` subclass configures in its activity's `onCreate`. After the
     * process was killed with the browser open, Android recreates the library's translucent
     * activity at the top of the task first, and the app's activity beneath it (visible through
     * it) after: the link is there before the configuration. The round trip waits for it.
     */
    @Test
    fun `process death with the browser open, configured by the app's activity after the management activity is recreated - PAID`() {
        val before = Screen(process())
        val page = before.payTapped()
        val saved = before.destroy()
        processes.removeLast().close()
        val link = Emulator.clickOnHostedPage(page, "Pay")
        val next = unconfiguredProcess()
        val after = recreated(next, saved)
        onMain {
            after.trip.onLink(link)
            after.trip.onResume()
        }
        Thread.sleep(500) // the app's activity beneath is being created
        assertEquals(emptyList(), onMain { after.completed }, "the round trip ended before the configuration arrived")
        assertEquals(Phase.VERIFYING, onMain { after.trip.phase })
        onMain { configureEmulator(next) } // ShopActivity.onCreate, on the main thread
        assertEquals(sessionOf(page) to PaymentOutcome.PAID, verdict(after.awaitResult()))
    }

    /**
     * The app configures nowhere Android recreates (a screen the customer never returns to): the
     * round trip gives up after the bound, once (the link it could not read and its own session
     * share one wait), with a typed failure naming the configuration; the checkout stays pending
     * in the store, and the next configured process reports it.
     */
    @Test
    fun `process death with the browser open, configuration never arriving - Failed naming it after the bound, the checkout still pending`() {
        val before = Screen(process())
        val page = before.payTapped()
        val saved = before.destroy()
        processes.removeLast().close()
        val link = Emulator.clickOnHostedPage(page, "Pay")
        val bound = 1_500L
        val after = recreated(unconfiguredProcess(waitMs = bound), saved)
        val started = System.nanoTime()
        onMain {
            after.trip.onLink(link)
            after.trip.onResume()
        }
        val failed = assertIs<CheckoutResult.Failed>(after.awaitResult()).error
        val waited = (System.nanoTime() - started) / 1_000_000
        val invalid = assertIs<CheckoutException.InvalidInput>(failed, "got $failed")
        assertEquals(CheckoutRuntime.NOT_CONFIGURED_FIELD, invalid.field)
        assertTrue("CheckoutBridge.configure" in invalid.reason, invalid.reason)
        assertTrue(waited in bound until 2 * bound, "waited $waited ms for a bound of $bound ms")
        Thread.sleep(200)
        assertEquals(1, onMain { after.completed.size })

        processes.removeLast().close()
        val next = process()
        val recovered = CompletableDeferred<CheckoutResult>()
        next.onRecovered { recovered.complete(it) }
        assertEquals(sessionOf(page) to PaymentOutcome.PAID, verdict(runBlocking { withTimeout(30_000) { recovered.await() } }))
    }

    @Test
    fun `process death with the browser open, no link - the recreated activity asks Stripe once - OPEN`() {
        val before = Screen(process())
        val page = before.payTapped()
        val saved = before.destroy()
        processes.removeLast().close()
        val after = recreated(process(), saved)
        onMain { after.trip.onResume() }
        assertEquals(sessionOf(page) to PaymentOutcome.OPEN, verdict(after.awaitResult()))
        onMain {
            after.trip.onPause()
            after.trip.onResume()
        }
        Thread.sleep(200)
        assertEquals(1, onMain { after.completed.size })
    }

    @Test
    fun `process death while the session was being created - Canceled, the session resolved later`() {
        val before = Screen(process())
        Emulator.fault("""{"kind":"delay","delay_ms":500,"count":1,"method":"POST"}""")
        before.launch()
        Thread.sleep(100)
        val saved = before.destroy()
        processes.removeLast().close()
        val after = recreated(process(), saved)
        assertEquals(CheckoutResult.Canceled, after.awaitResult())
    }

    @Test
    fun `a link for a checkout another instance already reported - not reported again`() {
        val runtime = process()
        val screen = Screen(runtime)
        val page = screen.payTapped()
        val link = Emulator.clickOnHostedPage(page, "Pay")
        onMain { screen.trip.onLink(link) }
        assertEquals(PaymentOutcome.PAID, verdict(screen.awaitResult()).second)
        val recovered = mutableListOf<CheckoutResult>()
        runtime.onRecovered { recovered += it }
        // The same link again (back into the browser, the redirect fires twice): the redirect
        // starts a new instance with the link, which verifies it and finishes without reporting.
        val again = Screen(runtime)
        onMain { again.trip.onCreate(null, null, null, link) }
        assertNull(again.awaitResult())
        runBlocking { runtime.recoverPending().await() }
        Thread.sleep(300)
        assertEquals(emptyList(), onMain { recovered.toList() })
    }

    @Test
    fun `the link arrives in a new instance while the launching one waits - delivered to the waiting one`() {
        val runtime = process()
        val waiting = Screen(runtime)
        val page = waiting.payTapped()
        val recovered = mutableListOf<CheckoutResult>()
        runtime.onRecovered { recovered += it }
        val stray = Screen(runtime) // the browser ran in another task and the redirect made a new instance
        onMain { stray.trip.onCreate(null, null, null, Emulator.clickOnHostedPage(page, "Pay")) }
        assertNull(stray.awaitResult())
        assertEquals(sessionOf(page) to PaymentOutcome.PAID, verdict(waiting.awaitResult()))
        Thread.sleep(300)
        assertEquals(emptyList(), onMain { recovered.toList() })
    }

    @Test
    fun `another checkout's link, or a forged one, does not end ours - it goes to the recovered results`() {
        val runtime = process()
        val older = Screen(runtime)
        val olderPage = older.payTapped()
        older.destroy() // that screen is gone; its tab stays open
        val screen = Screen(runtime)
        val page = screen.payTapped()
        val recovered = CompletableDeferred<CheckoutResult>()
        runtime.onRecovered { recovered.complete(it) }
        onMain { screen.trip.onLink(Emulator.clickOnHostedPage(olderPage, "Pay")) }
        assertEquals(sessionOf(olderPage) to PaymentOutcome.PAID, verdict(runBlocking { withTimeout(30_000) { recovered.await() } }))
        onMain { screen.trip.onLink("myapp://checkout/success?session_id=cs_forged&state=forged") }
        Thread.sleep(500)
        assertEquals(emptyList(), onMain { screen.completed })
        onMain { screen.trip.onLink(Emulator.clickOnHostedPage(page, "Cancel")) }
        assertEquals(sessionOf(page) to PaymentOutcome.CANCELED, verdict(screen.awaitResult()))
    }

    @Test
    fun `no browser - NoBrowser, and a refused key - Failed with the typed error`() {
        val runtime = process()
        val screen = Screen(runtime).apply { hasBrowser = false }
        screen.launch()
        assertEquals(CheckoutResult.NoBrowser, screen.awaitResult())

        Emulator.fault("""{"kind":"status","status":401,"count":1,"method":"POST"}""")
        val refused = Screen(runtime)
        refused.launch()
        val failed = assertIs<CheckoutResult.Failed>(refused.awaitResult())
        assertIs<CheckoutException.Authentication>(failed.error)
        assertTrue(TEST_KEY !in failed.error.toString())
    }

    @Test
    fun `configure without a return base and without the manifest placeholder fails clearly`() {
        val runtime = CheckoutRuntime(dir.toString(), null, main).also { processes += it }
        val e = runCatching { runtime.configure { error("not called") } }.exceptionOrNull()
        assertTrue(e is IllegalStateException && "checkoutRedirectScheme" in e.message.orEmpty(), "got $e")
        runtime.configure("https://shop.example/checkout") { error("not called before a checkout") }
        assertEquals("https://shop.example/checkout", runtime.returnBase)
    }

    @Test
    fun `recovered results are delivered on the main thread`() {
        val runtime = process()
        var thread: String? = null
        val recovered = CompletableDeferred<CheckoutResult>()
        runtime.onRecovered {
            thread = Thread.currentThread().name.substringBefore(" @") // kotlinx-coroutines debug mode appends " @coroutine#N"
            recovered.complete(it)
        }
        val gone = Screen(runtime)
        gone.launch()
        val page = gone.awaitOpened()
        gone.destroy() // its screen is gone when the link comes back
        val stray = Screen(runtime)
        onMain { stray.trip.onCreate(null, null, null, Emulator.clickOnHostedPage(page, "Pay")) }
        assertEquals(sessionOf(page) to PaymentOutcome.PAID, verdict(runBlocking { withTimeout(30_000) { recovered.await() } }))
        assertEquals("main", thread)
    }

    @Test
    fun `back pressed while the link is being verified - the verdict still arrives, as a recovered result`() {
        val runtime = process()
        val screen = Screen(runtime)
        val page = screen.payTapped()
        val link = Emulator.clickOnHostedPage(page, "Pay")
        val recovered = CompletableDeferred<CheckoutResult>()
        runtime.onRecovered { recovered.complete(it) }
        Emulator.fault("""{"kind":"delay","delay_ms":800,"count":1,"method":"GET"}""")
        onMain { screen.trip.onLink(link) }
        screen.awaitPhase(Phase.VERIFYING)
        screen.destroy(finishing = true) // back: the launching activity gets RESULT_CANCELED
        assertEquals(sessionOf(page) to PaymentOutcome.PAID, verdict(runBlocking { withTimeout(30_000) { recovered.await() } }))
        assertEquals(emptyList(), onMain { screen.completed })
    }

    /**
     * The configuration's provider runs on every operation (a fresh token each time); when it
     * fails after the page was opened (the user signed out meanwhile, a refresh that throws, a
     * bad URL), the launching activity gets a typed `Failed`, as when it fails before the session
     * is created, instead of an exception that nothing catches on the main thread.
     */
    @Test
    fun `the client provider fails after the page opened - Failed, with the link and without it, no crash`() {
        val runtime = process()
        val withLink = Screen(runtime)
        val page = withLink.payTapped()
        val link = Emulator.clickOnHostedPage(page, "Pay")
        runtime.configure { // a configuration the core refuses: a typed CheckoutException from CheckoutClient(...)
            ClientConfig(baseUrl = "ftp://api.shop.example", credential = Credential.secretKey(TEST_KEY))
        }
        onMain {
            withLink.trip.onLink(link)
            withLink.trip.onResume()
        }
        val invalid = assertIs<CheckoutResult.Failed>(withLink.awaitResult()).error
        assertIs<CheckoutException.InvalidInput>(invalid, "got $invalid")
        assertEquals("base_url", invalid.field)

        configureEmulator(runtime) // as at start
        val closed = Screen(runtime)
        closed.payTapped()
        runtime.configure { throw IllegalStateException("no user signed in: secret-session-hint") } // the app's own provider throws
        onMain { closed.trip.onResume() } // back without a link: ask Stripe
        val thrown = assertIs<CheckoutResult.Failed>(closed.awaitResult()).error
        assertIs<CheckoutException.InvalidInput>(thrown, "got $thrown")
        assertEquals("client", thrown.field)
        assertTrue("IllegalStateException" in thrown.reason && "secret-session-hint" !in thrown.toString(), thrown.toString())
    }

    @Test
    fun `Pay tapped twice before the first screen showed - one checkout page, the second launch Canceled at once`() {
        val runtime = process()
        val first = Screen(runtime)
        val second = Screen(runtime)
        val requests = Emulator.requestCount()
        onMain {
            // Both launches reach their activities before either resumes; the second is on top.
            first.trip.onCreate(null, UUID.randomUUID().toString(), tshirt, null)
            second.trip.onCreate(null, UUID.randomUUID().toString(), tshirt, null)
            second.trip.onResume()
        }
        assertEquals(CheckoutResult.Canceled, second.awaitResult())
        onMain { first.trip.onResume() } // the second finished: the first is on top again
        val page = first.awaitOpened()
        assertEquals(emptyList(), onMain { second.opened }, "a second Checkout page opened")
        assertEquals(requests + 1, Emulator.requestCount(), "a second session was created")
        onMain { first.trip.onPause() }
        onMain { first.trip.onLink(Emulator.clickOnHostedPage(page, "Pay")) }
        assertEquals(PaymentOutcome.PAID, verdict(first.awaitResult()).second)

        // One at a time, not one per process: the next Pay works, and a rotation keeps the claim.
        val next = Screen(runtime)
        next.launch()
        next.awaitOpened()
        val rotated = recreated(runtime, next.destroy())
        val third = Screen(runtime)
        onMain { third.trip.onCreate(null, UUID.randomUUID().toString(), tshirt, null) }
        assertEquals(CheckoutResult.Canceled, third.awaitResult())
        onMain { rotated.trip.onResume() } // back without a link
        assertEquals(PaymentOutcome.OPEN, verdict(rotated.awaitResult()).second)
    }

    @Test
    fun `a late link verified while no screen listens, then the process dies - the next process still reports it`() {
        val first = process()
        val screen = Screen(first)
        val page = screen.payTapped()
        screen.destroy(finishing = true) // the task is swiped away with the tab open: nothing waits any more
        val stray = Screen(first) // paid in the tab after all: the redirect starts a new instance, in a new task
        onMain { stray.trip.onCreate(null, null, null, Emulator.clickOnHostedPage(page, "Pay")) }
        assertNull(stray.awaitResult())
        Thread.sleep(500) // the app's process lingers in the background, no screen of it started...
        processes.removeLast().close() // ...and is killed
        val next = process()
        val recovered = CompletableDeferred<CheckoutResult>()
        next.onRecovered { recovered.complete(it) }
        assertEquals(sessionOf(page) to PaymentOutcome.PAID, verdict(runBlocking { withTimeout(30_000) { recovered.await() } }))

        // Delivered once: a third process has nothing to report.
        Thread.sleep(500)
        processes.removeLast().close()
        val third = process()
        val again = mutableListOf<CheckoutResult>()
        third.onRecovered { again += it }
        runBlocking { third.recoverPending().await() }
        Thread.sleep(300)
        assertEquals(emptyList(), onMain { again.toList() })
    }

    /**
     * The app's task was removed with the page open, then the customer paid: the redirect starts
     * the library's activity alone in a new task (`isTaskRoot`). It verifies the link, opens the
     * app before it finishes (instead of leaving the customer in the browser), and the app's
     * screen gets the verdict as a recovered result.
     */
    @Test
    fun `a late link with the app's task gone - verified, the app opened at finish, the verdict recovered by its screen`() {
        val runtime = process()
        val screen = Screen(runtime)
        val page = screen.payTapped()
        screen.destroy(finishing = true) // the task is swiped away with the tab open
        val recovered = CompletableDeferred<CheckoutResult>()
        val alone = Screen(runtime).apply {
            this.alone = true
            app = { runtime.onRecovered { recovered.complete(it) } } // ShopActivity's registerForCheckoutResult, onStart
        }
        val link = Emulator.clickOnHostedPage(page, "Pay")
        onMain { alone.trip.onCreate(null, null, null, link) }
        assertNull(alone.awaitResult())
        assertEquals(listOf("app opened", "completed"), onMain { alone.events.toList() }, "opened once, when the round trip finished")
        assertEquals(sessionOf(page) to PaymentOutcome.PAID, verdict(runBlocking { withTimeout(30_000) { recovered.await() } }))

        // With the app's task still there (the activity is not the task's root), nothing is opened.
        val inTask = Screen(runtime)
        onMain { inTask.trip.onCreate(null, null, null, link) }
        assertNull(inTask.awaitResult())
        assertEquals(listOf("completed"), onMain { inTask.events.toList() })
    }

    /**
     * The same in a process the late link started, in an app that configures in its activity:
     * nothing is configured, so the app is opened at once (its screen configures) instead of
     * after the wait for a configuration that nothing would bring; the verification then goes
     * on, and the verdict reaches that screen. The app is opened once.
     */
    @Test
    fun `a late link with the app's task gone and nothing configured - the app opened at once, configures, gets the verdict`() {
        val first = process()
        val screen = Screen(first)
        val page = screen.payTapped()
        screen.destroy(finishing = true)
        processes.removeLast().close()
        val link = Emulator.clickOnHostedPage(page, "Pay")
        val next = unconfiguredProcess(waitMs = 20_000)
        val recovered = CompletableDeferred<CheckoutResult>()
        val alone = Screen(next).apply {
            this.alone = true
            app = { // the launch activity's onCreate (configure), then onStart (onRecovered)
                configureEmulator(next)
                next.onRecovered { recovered.complete(it) }
            }
        }
        val started = System.nanoTime()
        onMain { alone.trip.onCreate(null, null, null, link) }
        assertEquals(listOf("app opened"), onMain { alone.events.toList() }, "the app was not opened at once")
        assertEquals(sessionOf(page) to PaymentOutcome.PAID, verdict(runBlocking { withTimeout(30_000) { recovered.await() } }))
        assertNull(alone.awaitResult())
        assertTrue((System.nanoTime() - started) / 1_000_000 < 10_000, "waited for the configuration instead of opening the app")
        assertEquals(listOf("app opened", "completed"), onMain { alone.events.toList() })
    }

    /**
     * A launched round trip that finds itself alone when it finishes (the launching screen
     * finished itself meanwhile): the activity result would reach nobody, so the verdict goes to
     * the recovered results of the app it opens.
     */
    @Test
    fun `the launching screen gone when the round trip finishes - the app opened, the verdict recovered`() {
        val runtime = process()
        val screen = Screen(runtime)
        val page = screen.payTapped()
        val recovered = CompletableDeferred<CheckoutResult>()
        screen.alone = true
        screen.app = { runtime.onRecovered { recovered.complete(it) } }
        onMain { screen.trip.onLink(Emulator.clickOnHostedPage(page, "Pay")) }
        assertEquals(sessionOf(page) to PaymentOutcome.PAID, verdict(screen.awaitResult()))
        assertEquals(sessionOf(page) to PaymentOutcome.PAID, verdict(runBlocking { withTimeout(30_000) { recovered.await() } }))
        assertEquals(listOf("app opened", "completed"), onMain { screen.events.toList() })
    }

    @Test
    fun `a damaged undelivered-results file does not stop the recovery of pending checkouts`() {
        val screen = Screen(process())
        val page = screen.payTapped()
        screen.destroy(finishing = true)
        processes.removeLast().close()
        Emulator.complete(sessionOf(page), paid = true)
        dir.resolve("undelivered-results").toFile().writeText("%zz\ncs_%\n") // not what the layer writes
        val next = process()
        val recovered = CompletableDeferred<CheckoutResult>()
        next.onRecovered { recovered.complete(it) }
        assertEquals(sessionOf(page) to PaymentOutcome.PAID, verdict(runBlocking { withTimeout(30_000) { recovered.await() } }))
    }

    /**
     * The core sets a corrupt store file aside and reports `Storage` once; the next open starts
     * empty. The failure is the first checkout's answer, not the whole process's.
     */
    @Test
    fun `a corrupt store file - the first checkout Failed(Storage), the next one opens its page`() {
        dir.resolve("pending-checkouts.json").toFile().writeText("{\"version\":1,\"checkouts\":[{\"sess")
        val runtime = process()
        val first = Screen(runtime)
        first.launch()
        assertIs<CheckoutException.Storage>(assertIs<CheckoutResult.Failed>(first.awaitResult()).error)
        val second = Screen(runtime)
        second.launch()
        second.awaitOpened()
        onMain {
            second.trip.onPause()
            second.trip.onResume()
        }
        assertEquals(PaymentOutcome.OPEN, verdict(second.awaitResult()).second)
    }
}
