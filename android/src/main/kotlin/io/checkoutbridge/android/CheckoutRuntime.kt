// The process-wide part of the Android layer: warm-up, configuration, the work that outlives an
// activity, and who hears about which result. Pure Kotlin (no android.*): CheckoutBridge gives it
// the app's files directory and the main thread; android/jvm-test/ runs it on the desktop JVM with
// the real library and the emulator, one instance per simulated process.
package io.checkoutbridge.android

import io.checkoutbridge.CheckoutBridgeRuntime
import io.checkoutbridge.CheckoutClient
import io.checkoutbridge.CheckoutException
import io.checkoutbridge.CheckoutFlow
import io.checkoutbridge.ClientConfig
import io.checkoutbridge.HttpTransport
import io.checkoutbridge.PaymentOutcome
import io.checkoutbridge.PendingCheckout
import io.checkoutbridge.PendingStore
import io.checkoutbridge.openFileStore
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import java.io.File
import java.io.IOException
import java.net.URLDecoder
import java.net.URLEncoder

/**
 * One per process ([CheckoutBridge.runtime] on a device). Every call into the library made by the
 * layer runs here, on [io], after [warmUp] has finished (kotlin-support's
 * [CheckoutBridgeRuntime.warmUp], then the store's first disk read): nothing the layer does
 * touches the library on the main thread, and nothing waits on the main thread for it either
 * (callers get a [Deferred] or a callback).
 *
 * Work that must survive the activity that asked for it (creating the session, verifying a
 * link, asking Stripe after the tab closed) runs in this object's own scope, keyed so that an
 * activity recreated after a rotation attaches to the same work instead of starting it again.
 *
 * @param storeDir where the pending-checkout store lives (under the app's files directory on a
 *   device); asked for on [io], as finding the files directory touches the disk.
 * @param defaultReturnBase the return base the library's manifest placeholder names
 *   (`<scheme>://checkout`), used when [configure] is given none; null when there is none.
 * @param main where listener callbacks run (the main thread on a device).
 * @param configurationWaitMs how long a round trip waits for [configure] before it fails
 *   ([CONFIGURATION_WAIT_MS]; see [awaitConfigured]).
 */
class CheckoutRuntime(
    private val storeDir: () -> String,
    private val defaultReturnBase: String?,
    private val main: CoroutineDispatcher,
    private val io: CoroutineDispatcher = Dispatchers.IO,
    private val configurationWaitMs: Long = CONFIGURATION_WAIT_MS,
) {
    /** A runtime whose store lives in [storeDir]. */
    constructor(storeDir: String, defaultReturnBase: String?, main: CoroutineDispatcher, configurationWaitMs: Long = CONFIGURATION_WAIT_MS) :
        this({ storeDir }, defaultReturnBase, main, Dispatchers.IO, configurationWaitMs)

    private val scope = CoroutineScope(SupervisorJob() + io)

    // The library's start-up, then the store's first disk read. CheckoutBridgeRuntime.warmUp
    // (kotlin-support) loads JNA and the library and runs UniFFI's contract-version and checksum
    // checks, which UniFFI 0.32's Kotlin runs only when uniffiEnsureInitialized() is called: a
    // library built from other sources than these bindings fails here, on this IO thread, rather
    // than misbehaving in a payment call. (It fails with UnsatisfiedLinkError or UniFFI's
    // RuntimeException, not a CheckoutException: a packaging defect, as loud as any missing .so.)
    // The store is replaced when it failed: the core sets a corrupt file aside, reports Storage
    // once, and opens empty the next time, so one failure is one operation's answer, not the
    // process's.
    @Volatile
    private var store: Deferred<PendingStore> = openStore()

    private fun openStore(): Deferred<PendingStore> = scope.async(start = CoroutineStart.LAZY) {
        CheckoutBridgeRuntime.warmUp()
        openFileStore(storeDir())
    }

    private suspend fun openedStore(): PendingStore {
        val opening = store
        opening.start()
        return try {
            opening.await()
        } catch (e: CheckoutException) {
            synchronized(lock) { if (store === opening) store = openStore() }
            throw e
        }
    }

    private class Settings(val returnBase: String, val client: () -> ClientConfig, val transport: HttpTransport?)

    @Volatile
    private var settings: Settings? = null
    private val configured = CompletableDeferred<Unit>()

    // When the first bounded wait for configure gives up (System.nanoTime), shared by every wait
    // in this process: a round trip that asks twice (a link it cannot read unconfigured, then its
    // own session) waits once.
    private var configurationDeadline: Long? = null

    private val lock = Any()
    private val work = HashMap<String, Deferred<*>>()
    private val owners = HashMap<String, (CheckoutResult) -> Unit>()
    private val reported = HashMap<String, PaymentOutcome>()
    private val recovered = ArrayDeque<CheckoutResult>()
    private var listener: ((CheckoutResult) -> Unit)? = null
    private var activeLaunch: String? = null

    /**
     * Starts the library's start-up ([CheckoutBridgeRuntime.warmUp]) and opening the store on
     * [io]; idempotent, returns at once.
     */
    fun warmUp() {
        store.start()
    }

    /** Whether [warmUp] has finished: the library is loaded and checked, the store opened (or its failure known). */
    val isWarm: Boolean get() = CheckoutBridgeRuntime.isWarm && store.isCompleted

    /** Suspends until the library is loaded and checked and the store open. */
    suspend fun awaitWarm() {
        openedStore()
    }

    /**
     * Sets how the layer reaches Stripe or the backend. [client] is called off the main thread,
     * once per checkout operation, so a token that changes (login, refresh) is read fresh each
     * time. [returnBase] overrides the manifest placeholder's (`https://…` for an App Link).
     * [transport]: the app's network stack for every request (`OkHttpTransport` from the
     * `checkout-bridge-android-okhttp` artifact, [CheckoutClient.withTransport]); null for the
     * library's built-in one, which a build without reqwest (`CHECKOUT_BRIDGE_TRANSPORT=platform`)
     * does not have. Calling it again replaces all three.
     */
    fun configure(returnBase: String? = null, transport: HttpTransport? = null, client: () -> ClientConfig) {
        val base = returnBase ?: defaultReturnBase
            ?: throw IllegalStateException(
                "no return base: set manifestPlaceholders[\"checkoutRedirectScheme\"] in the app's build.gradle.kts, " +
                    "or pass returnBase to CheckoutBridge.configure",
            )
        settings = Settings(base, client, transport)
        configured.complete(Unit)
        warmUp()
    }

    /** Whether [configure] has been called. */
    val isConfigured: Boolean get() = settings != null

    /** The configured return base (after [configure]). */
    val returnBase: String? get() = settings?.returnBase

    /**
     * Suspends until [configure] has been called. [bounded]: at most [configurationWaitMs] from
     * the first bounded wait of this process, then [CheckoutException.InvalidInput] with the
     * field [NOT_CONFIGURED_FIELD].
     *
     * Why a round trip waits at all: an app may configure the layer in its activity's `onCreate`
     * instead of an `Application` subclass. After the process was killed with the browser open,
     * Android recreates [CheckoutManagementActivity] first, at the top of the task, and (because
     * it is translucent) the app's activity beneath it, whose `onCreate` configures: the round
     * trip may come before it. Bounded, because an app that configures nowhere the system
     * recreates would otherwise leave the customer in front of an invisible activity forever;
     * the checkout is then left pending in the store, and the first configured process resolves
     * it ([recoverPending], which waits without a bound: nobody is in front of it).
     */
    private suspend fun awaitConfigured(bounded: Boolean) {
        if (configured.isCompleted) return
        if (!bounded) return configured.await()
        val deadline = synchronized(lock) {
            configurationDeadline ?: (System.nanoTime() + configurationWaitMs * 1_000_000).also { configurationDeadline = it }
        }
        val left = (deadline - System.nanoTime()) / 1_000_000
        if (left > 0 && withTimeoutOrNull(left) { configured.await() } != null) return
        if (configured.isCompleted) return
        throw CheckoutException.InvalidInput(
            NOT_CONFIGURED_FIELD,
            "CheckoutBridge.configure was not called within ${"%.1f".format(java.util.Locale.ROOT, configurationWaitMs / 1000.0)} s: call it in Application.onCreate, " +
                "or in onCreate of every activity that launches checkouts; the checkout stays pending and is resolved once configured",
        )
    }

    /**
     * Runs [block] with a flow built from the current settings, on [io], once warm and
     * configured (a bounded wait unless [bounded] is false: [awaitConfigured]). One flow per
     * operation: the client is built from [configure]'s provider each time; the store is the one
     * opened by [warmUp].
     *
     * Throws only [CheckoutException] (and cancellation): opening the store, the app's provider
     * and the core's checks of what it returns all fail here, after the page was opened as well
     * as before, and every operation turns that into [CheckoutResult.Failed]. Nothing may escape
     * to the activity's main-thread coroutine: on Android an uncaught exception there is a crash.
     */
    private suspend fun <R> withFlow(bounded: Boolean = true, block: suspend (CheckoutFlow) -> R): R {
        val store = openedStore()
        awaitConfigured(bounded)
        val s = checkNotNull(settings)
        val config = clientConfig(s)
        val transport = s.transport
        return (if (transport != null) CheckoutClient.withTransport(config, transport) else CheckoutClient(config)).use { client ->
            CheckoutFlow(client, s.returnBase, store).use { flow -> block(flow) }
        }
    }

    /**
     * The app's provider, called: what it throws (no user signed in, a failed token refresh)
     * becomes a typed error naming the exception's class, never its message (which may carry
     * the token it failed to get).
     */
    private fun clientConfig(s: Settings): ClientConfig = try {
        s.client()
    } catch (e: CheckoutException) {
        throw e
    } catch (e: CancellationException) {
        throw e
    } catch (e: Exception) {
        throw CheckoutException.InvalidInput("client", "the provider given to CheckoutBridge.configure threw ${e.javaClass.name}")
    }

    /** The work under [key], started by [block] if there is none yet (single flight). */
    @Suppress("UNCHECKED_CAST")
    private fun <T> single(key: String, block: suspend () -> T): Deferred<T> = synchronized(lock) {
        work.getOrPut(key) { scope.async { block() } } as Deferred<T>
    }

    @Suppress("UNCHECKED_CAST")
    private fun <T> existing(key: String): Deferred<T>? = synchronized(lock) { work[key] as Deferred<T>? }

    /** Drops finished work an activity has delivered (it is not needed for a re-attach any more). */
    internal fun forget(vararg keys: String) {
        synchronized(lock) { keys.forEach { work.remove(it) } }
    }

    private inline fun verdict(block: () -> CheckoutResult): CheckoutResult = try {
        block()
    } catch (e: CheckoutException) {
        CheckoutResult.Failed(e)
    }

    // ---- the operations a round trip runs ------------------------------------------------------

    /** Creates the session for the launch [key] (recorded durably by the core before it returns). */
    internal fun start(key: String, request: CheckoutRequest): Deferred<Result<PendingCheckout>> =
        single(startKey(key)) {
            try {
                Result.success(withFlow { it.start(request.toParams()) })
            } catch (e: CheckoutException) {
                Result.failure(e)
            }
        }

    /** The creation for [key] started in this process, or null (the process was restarted since). */
    internal fun startedBefore(key: String): Deferred<Result<PendingCheckout>>? = existing(startKey(key))

    /** What a link said: the `state` it carries (null when it is not a link of ours) and Stripe's verdict. */
    internal class LinkVerdict(val state: String?, val result: CheckoutResult)

    /** Verifies a return link (single flight per link: a recreated activity re-attaches). */
    internal fun verifyLink(link: String): Deferred<LinkVerdict> = single(linkKey(link)) {
        try {
            withFlow { flow ->
                val state = try {
                    flow.returnBase().use { it.parseReturn(link).state }
                } catch (e: CheckoutException) {
                    return@withFlow LinkVerdict(null, CheckoutResult.Failed(e))
                }
                LinkVerdict(state, verdict { CheckoutResult.Verified(flow.handleReturnUrl(link)) })
            }
        } catch (e: CheckoutException) {
            // No flow to read the link with: whose it is stays unknown; the round trip that waits
            // then asks Stripe about its own session, which reports the same failure.
            LinkVerdict(null, CheckoutResult.Failed(e))
        }
    }

    /** Asks Stripe about [sessionId] (no link came back), single flight per session. */
    internal fun resolve(sessionId: String): Deferred<CheckoutResult> = single(resolveKey(sessionId)) {
        verdict { withFlow { flow -> CheckoutResult.Verified(flow.resolvePending(sessionId)) } }
    }

    internal fun startKey(key: String) = "start:$key"
    internal fun linkKey(link: String) = "link:$link"
    internal fun resolveKey(sessionId: String) = "resolve:$sessionId"

    /**
     * Claims the process's one checkout for the launch [key]; false while another launch's round
     * trip is under way (Pay tapped twice before the first checkout screen covered the app: both
     * activities start, and the one underneath would open its page once the other finished).
     * [force]: a recreated round trip takes its claim back whatever holds it. Main thread.
     */
    internal fun claim(key: String, force: Boolean = false): Boolean = synchronized(lock) {
        if (force || activeLaunch == null || activeLaunch == key) {
            activeLaunch = key
            true
        } else {
            false
        }
    }

    /** Gives up [key]'s claim (its activity is destroyed or finished); a recreated one claims again. */
    internal fun release(key: String) {
        synchronized(lock) { if (activeLaunch == key) activeLaunch = null }
    }

    // ---- who hears about a result -------------------------------------------------------------

    /**
     * A round trip waits for [sessionId]'s verdict: results for it that another instance gets
     * (the link arrived in a new activity) go to [deliver] instead of the recovered results.
     * Main thread. Returns a handle that gives the session up (the activity is destroyed).
     */
    internal fun own(sessionId: String, deliver: (CheckoutResult) -> Unit): AutoCloseable {
        synchronized(lock) { owners[sessionId] = deliver }
        return AutoCloseable { synchronized(lock) { if (owners[sessionId] === deliver) owners.remove(sessionId) } }
    }

    /**
     * Records that [result] was delivered to the activity that launched its checkout, so the same
     * verdict is not reported again (a link handled twice, a later start).
     */
    internal fun delivered(result: CheckoutResult) {
        val payment = (result as? CheckoutResult.Verified)?.payment ?: return
        synchronized(lock) { reported[payment.session.id] = payment.outcome }
    }

    /**
     * A verdict nobody launched for in this process: a link that arrived after its checkout
     * screen was gone, or a checkout resolved on a later start. Handed to the activity waiting for
     * that session if there is one, else to the recovered results ([onRecovered]) unless the
     * same verdict was already reported. Failures and `OPEN` are not news: not reported.
     */
    internal fun orphan(result: CheckoutResult) {
        val payment = (result as? CheckoutResult.Verified)?.payment ?: return
        val id = payment.session.id
        val owner: ((CheckoutResult) -> Unit)?
        synchronized(lock) {
            owner = owners[id]
            if (owner == null) {
                if (payment.outcome == PaymentOutcome.OPEN || reported[id] == payment.outcome) return
                reported[id] = payment.outcome
            }
        }
        if (owner != null) {
            scope.launch(main) { owner(result) }
            return
        }
        scope.launch {
            // On disk before it can be delivered, so the removal after delivery comes after it.
            undelivered.add(id)
            synchronized(lock) { recovered.addLast(result) }
            withContext(main) { drain() }
        }
    }

    /** Reports what [verdict] gives as an [orphan] (its activity went away), then drops the work under [key]. */
    internal fun adopt(key: String, verdict: suspend () -> CheckoutResult) {
        scope.launch {
            orphan(verdict())
            forget(key)
        }
    }

    /**
     * Delivers recovered results (see [orphan]) to [listener] on [main], each once: those found
     * while no listener was set first. Null stops delivery (results are kept for the next one).
     * The first listener also starts [recoverPending].
     */
    fun onRecovered(listener: ((CheckoutResult) -> Unit)?) {
        synchronized(lock) { this.listener = listener }
        // Once per runtime: recoverPending is single-flight under a key that is never forgotten.
        if (listener != null) recoverPending()
        scope.launch(main) { drain() }
    }

    /** Stops delivery to [listener] if it is still the one set (an activity stopped after the next one started). */
    fun clearRecovered(listener: (CheckoutResult) -> Unit) {
        synchronized(lock) { if (this.listener === listener) this.listener = null }
    }

    private fun drain() {
        while (true) {
            val (l, next) = synchronized(lock) {
                val l = listener ?: return
                l to (recovered.removeFirstOrNull() ?: return)
            }
            l(next)
            next.sessionId?.let { id -> scope.launch { undelivered.remove(id) } }
        }
    }

    /**
     * Resolves, once warm and configured, every checkout the store still holds as pending that no
     * activity of this process waits for (the process was killed while the browser was open and
     * the task is gone, or the customer never came back), and every checkout whose news an
     * earlier process found but could not deliver ([undelivered]): their news goes to
     * [onRecovered].
     */
    fun recoverPending(): Deferred<Int> = single("recover") {
        val pending = withFlow(bounded = false) { it.pending() }.map { it.sessionId }
        val earlier = undelivered.all()
        var n = 0
        for (id in (pending + earlier).distinct()) {
            if (synchronized(lock) { id in owners }) continue
            val result = resolve(id).await()
            forget(resolveKey(id))
            val gone = ((result as? CheckoutResult.Failed)?.error as? CheckoutException.InvalidInput)?.field == "session_id"
            if (id in earlier && gone) undelivered.remove(id) // pruned from the store since: nothing to ask about
            orphan(result)
            n++
        }
        n
    }

    /**
     * Recovered verdicts not yet handed to a listener, by session ID, in a file next to the store.
     * In memory alone they would die with the process, and nothing would find them again: the
     * core records a verified checkout as final, which [CheckoutFlow.pending] no longer lists (a
     * late link verified while no screen of the app was started, then the process killed in the
     * background). Removed once delivered; a process killed between the two reports it again
     * (at least once, never lost). Called on [io].
     */
    private val undelivered = object {
        private val fileLock = Any()

        private fun file() = File(storeDir(), UNDELIVERED_FILE)

        fun all(): Set<String> = synchronized(fileLock) {
            try {
                file().takeIf { it.exists() }?.readLines()?.filter { it.isNotEmpty() }?.map { URLDecoder.decode(it, "UTF-8") }?.toSet()
            } catch (_: IOException) {
                null
            } catch (_: IllegalArgumentException) {
                null // a damaged file (URLDecoder refuses it): nothing to recover from it
            } ?: emptySet()
        }

        fun add(id: String) = update { it + id }

        fun remove(id: String) = update { it - id }

        // Best effort: a full disk must not fail the verdict it records.
        private fun update(change: (Set<String>) -> Set<String>) = synchronized(fileLock) {
            val before = all()
            val after = change(before)
            if (after == before) return@synchronized
            try {
                val tmp = File(storeDir(), "$UNDELIVERED_FILE.tmp")
                tmp.writeText(after.joinToString("") { URLEncoder.encode(it, "UTF-8") + "\n" })
                if (!tmp.renameTo(file())) tmp.delete()
            } catch (_: IOException) {
            }
        }
    }

    /** Stops all work (a test's "process death"); the store on disk is what survives. */
    fun close() {
        scope.cancel()
    }

    companion object {
        private const val UNDELIVERED_FILE = "undelivered-results"

        /**
         * How long a round trip waits for [configure] (15 s): long enough for the app's activity
         * that Android recreates beneath [CheckoutManagementActivity] to run its `onCreate` on a
         * slow device, short enough that a customer in front of an app that never configures is
         * told so rather than left waiting.
         */
        const val CONFIGURATION_WAIT_MS = 15_000L

        /** The [CheckoutException.InvalidInput.field] of the failure when [configure] was never called. */
        const val NOT_CONFIGURED_FIELD = "configuration"
    }
}
