// The lower-level return handling, for apps that drive the round trip from their own activity
// instead of CheckoutContract: the "came back with or without a link" state machine and the
// decisions around it. This file must not import android.*: it is compiled
// and tested on the desktop JVM without Android (android/jvm-test/, jvm/android/pom.xml). Which
// links are ours is decided by the core (ReturnBase, the one return-link grammar), never here.
package io.checkoutbridge.android

import io.checkoutbridge.CheckoutException
import io.checkoutbridge.CheckoutFlow
import io.checkoutbridge.CreateSessionParams
import io.checkoutbridge.PaymentResult
import io.checkoutbridge.PendingCheckout
import io.checkoutbridge.ReturnBase
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withContext

/** What the activity should do after a lifecycle event; see [ReturnTracker]. */
sealed class ReturnAction {
    /** Nothing to do. */
    object None : ReturnAction() {
        override fun toString() = "None"
    }

    /** A return link arrived: hand [url] to [CheckoutFlow.handleReturnUrl]. */
    data class HandleLink(val url: String) : ReturnAction()

    /**
     * The user came back from the browser without a link (closed the tab, pressed back): ask
     * Stripe with [CheckoutFlow.resolvePending]. That call only reads the session, so it is
     * harmless if the link turns up after all; an `OPEN` outcome means "not paid (yet)".
     */
    data class ResolvePending(val sessionId: String) : ReturnAction()
}

/**
 * The return-handling state machine of an app's own activity that starts checkouts, fed with
 * that activity's lifecycle by the app (`onCreate`, `onNewIntent`, `onPause`, `onResume`,
 * `onSaveInstanceState`). Most apps use [CheckoutContract] instead, whose
 * [CheckoutManagementActivity] does all of this; this is for apps that need control (their own
 * activity, their own way of opening the page). The activity is named by the
 * `io.checkoutbridge.android.RETURN_ACTIVITY` meta-data on [CheckoutRedirectActivity]'s manifest
 * entry (docs/android.md, "Lower level").
 *
 *     IDLE --launched(id)--> LAUNCHED --paused--> AWAY --its link--> IDLE      (HandleLink)
 *                                                  AWAY --resumed--> IDLE      (ResolvePending)
 *
 * The return link reaches the activity through [CheckoutRedirectActivity], which brings the
 * existing instance to the top (closing the Custom Tab above it) and delivers the link to
 * `onNewIntent`, *before* `onResume`: by the time the activity resumes, the tracker knows whether
 * a link came.
 *
 * Rules that keep one checkout from being reported twice:
 * - A link is taken from `onCreate`'s intent only when the activity starts fresh. A recreated
 *   activity (saved state: rotation, or the process was killed while the browser was open) gets
 *   its *original* intent again, which was handled before (or was not a link at all).
 * - A link from an intent launched from Recents (`FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY`) is the
 *   old intent replayed, never a new return: ignored, and the state of a newer checkout is kept.
 * - A link resets the tracking only when it carries the tracked checkout's state (the core parses
 *   it); another checkout's link is handled without forgetting the one in the browser.
 * - [perform] skips a [ReturnAction.ResolvePending] whose checkout is no longer pending: another
 *   instance (or a link handled meanwhile) already reported it.
 *
 * Main-thread confined, like the activity callbacks that drive it.
 */
class ReturnTracker(private val base: ReturnBase) {
    enum class Phase { IDLE, LAUNCHED, AWAY }

    var phase: Phase = Phase.IDLE
        private set

    /** The session whose page is (or was last) open, while not IDLE. */
    var sessionId: String? = null
        private set

    /** The tracked checkout's `state` nonce (what its return links carry), while not IDLE. */
    private var state: String? = null

    private val resumed = MutableStateFlow(false)

    /** Whether the activity is between `onResume` and `onPause`. */
    val isResumed: Boolean get() = resumed.value

    /** Whether a [whenResumed] block (a browser launch) is waiting for the activity to resume. */
    var isLaunchWaiting: Boolean = false
        private set

    /**
     * From `onCreate`. [recreated]: the activity had saved state (`savedInstanceState != null`);
     * [snapshot]: what [snapshot] returned before; [link]: the data of a `VIEW` intent, or null;
     * [fromHistory]: the intent has `FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY`.
     */
    fun onCreate(recreated: Boolean, snapshot: String?, link: String?, fromHistory: Boolean): ReturnAction {
        restore(snapshot)
        if (recreated || fromHistory) return ReturnAction.None
        return onLink(link)
    }

    /** From `onNewIntent`, with the same meaning of [link] and [fromHistory] as in [onCreate]. */
    fun onNewIntent(link: String?, fromHistory: Boolean): ReturnAction =
        if (fromHistory) ReturnAction.None else onLink(link)

    /** The Checkout page for [pending] was just opened. */
    fun onLaunched(pending: PendingCheckout) {
        phase = Phase.LAUNCHED
        sessionId = pending.sessionId
        state = pending.state
    }

    /** The activity was paused (the browser is covering it, or the app went to the background). */
    fun onPaused() {
        resumed.value = false
        if (phase == Phase.LAUNCHED) phase = Phase.AWAY
    }

    /** The activity was resumed. */
    fun onResumed(): ReturnAction {
        val id = sessionId
        val action = if (phase == Phase.AWAY && id != null) {
            reset()
            ReturnAction.ResolvePending(id)
        } else {
            ReturnAction.None
        }
        // Last: a launch waiting in [whenResumed] may run right here (Dispatchers.Main.immediate)
        // and must find the tracker already past this resume.
        resumed.value = true
        return action
    }

    /**
     * Runs [block] once the activity is resumed (at once if it is), like androidx.lifecycle's
     * `withResumed`: Android 10+ may refuse to start an activity (the browser) from the
     * background, and a launch that never happened would leave the checkout "launched" forever.
     * Call it from the main thread (lifecycleScope): the resumed check and [block] then run
     * without a lifecycle callback in between. Cancelling the caller (the activity is destroyed)
     * stops the wait; [block] has then not run.
     */
    suspend fun <R> whenResumed(block: () -> R): R {
        while (!resumed.value) {
            isLaunchWaiting = true
            try {
                resumed.first { it }
            } finally {
                isLaunchWaiting = false
            }
        }
        return block()
    }

    /**
     * Creates the session (recorded durably by the core), then, once the activity is resumed,
     * opens its page with [openPage] and starts tracking it. If [openPage] throws (no browser at all:
     * `ActivityNotFoundException`), nothing is tracked and the exception propagates; the checkout
     * stays pending in the store, where [resolveAllPending] finds it.
     */
    suspend fun start(flow: CheckoutFlow, params: CreateSessionParams, openPage: (PendingCheckout) -> Unit): PendingCheckout {
        val pending = flow.start(params)
        whenResumed {
            openPage(pending)
            onLaunched(pending)
        }
        return pending
    }

    /** An incoming link (the data of a VIEW intent), or null when the intent had none. */
    private fun onLink(raw: String?): ReturnAction {
        if (raw == null || !base.matches(raw)) return ReturnAction.None
        val linkState = try {
            base.parseReturn(raw).state
        } catch (_: CheckoutException) {
            null // malformed: CheckoutFlow.handleReturnUrl reports why; it is not our checkout's return
        }
        if (linkState != null && linkState == state) reset()
        return ReturnAction.HandleLink(raw)
    }

    /** For the activity's saved state: survives the activity being recreated while away. */
    fun snapshot(): String? {
        val id = sessionId ?: return null
        return "${phase.name}:$state:$id"
    }

    /** Restores a [snapshot]; anything unreadable (or null) resets to IDLE. */
    fun restore(snapshot: String?) {
        reset()
        val parts = snapshot?.split(':', limit = 3) ?: return
        if (parts.size != 3) return
        val (name, savedState, id) = parts
        val restored = Phase.entries.firstOrNull { it.name == name } ?: return
        if (restored == Phase.IDLE || savedState.isEmpty() || id.isEmpty()) return
        phase = restored
        state = savedState
        sessionId = id
    }

    private fun reset() {
        phase = Phase.IDLE
        sessionId = null
        state = null
    }
}

/**
 * Runs [action] against [flow]: null for [ReturnAction.None], and null for a
 * [ReturnAction.ResolvePending] whose checkout is no longer pending (its outcome was already
 * reported, e.g. by the instance that received the link). Throws [CheckoutException].
 */
suspend fun CheckoutFlow.perform(action: ReturnAction): PaymentResult? = when (action) {
    ReturnAction.None -> null
    is ReturnAction.HandleLink -> handleReturnUrl(action.url)
    is ReturnAction.ResolvePending -> {
        // pending() reads the store (file I/O): off the main thread.
        val stillPending = withContext(Dispatchers.IO) { pending() }.any { it.sessionId == action.sessionId }
        if (stillPending) resolvePending(action.sessionId) else null
    }
}

/**
 * On app start: asks Stripe about every checkout whose link never came back (the process was
 * killed while the browser was open, or the user never returned). One failure does not stop the
 * others; each entry carries its own result.
 */
suspend fun CheckoutFlow.resolveAllPending(): List<Pair<PendingCheckout, Result<PaymentResult>>> =
    withContext(Dispatchers.IO) { pending() }.map { p ->
        p to try {
            Result.success(resolvePending(p.sessionId))
        } catch (e: CheckoutException) {
            Result.failure(e)
        }
    }

/**
 * Whether [CheckoutRedirectActivity] forwards an intent to the checkout activity: a `VIEW` link,
 * on a fresh start (not a recreation with saved state, not a replay from Recents).
 */
internal fun shouldForwardReturn(recreated: Boolean, fromHistory: Boolean, isView: Boolean, link: String?): Boolean =
    !recreated && !fromHistory && isView && !link.isNullOrEmpty()
