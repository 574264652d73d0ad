// The platform-independent part of the Android layer: which incoming links are ours, and the
// "came back without a link" state machine. This file must not import android.*: it is compiled
// and tested on the desktop JVM without Android (android/jvm-test/, jvm/android/pom.xml).
package io.checkoutbridge.android

import io.checkoutbridge.CheckoutException
import io.checkoutbridge.CheckoutFlow
import io.checkoutbridge.PaymentResult
import io.checkoutbridge.PendingCheckout

/**
 * A cheap pre-filter for incoming links: is this URL under the flow's return base
 * (`myapp://checkout`, `https://shop.example/checkout`)?
 *
 * It only decides whether a link is *addressed* to checkout-bridge, so that the app's other deep
 * links are left alone. It is not a security check: a matching link is still untrusted and is
 * parsed strictly by [CheckoutFlow.handleReturnUrl], which also decides the outcome from what
 * Stripe reports, never from the link.
 */
class ReturnLinkMatcher(returnBase: String) {
    private val scheme: String
    private val authority: String
    private val path: String

    init {
        val parts = split(returnBase.trim())
            ?: throw IllegalArgumentException("return base must look like scheme://host[/path]: $returnBase")
        require(parts.query == null) { "return base must not have a query: $returnBase" }
        scheme = parts.scheme
        authority = parts.authority
        path = parts.path.trimEnd('/')
    }

    /** Returns [raw] unchanged when it is addressed to the return base, or null. */
    fun extract(raw: String?): String? {
        if (raw == null || raw.isEmpty() || raw.length > MAX_LENGTH) return null
        val parts = split(raw) ?: return null
        if (parts.scheme != scheme || parts.authority != authority) return null
        // `…/checkout/success`, `…/checkout/cancel`; the core decides which names are valid.
        if (!parts.path.startsWith("$path/") || parts.path.length == path.length + 1) return null
        return raw
    }

    private class Parts(val scheme: String, val authority: String, val path: String, val query: String?)

    private companion object {
        /** Links longer than this are refused by the core anyway (it caps them at 2 KiB). */
        const val MAX_LENGTH = 2048

        /** scheme://authority/path?query#fragment, scheme and authority lowercased. */
        fun split(url: String): Parts? {
            val sep = url.indexOf("://")
            if (sep <= 0) return null
            val scheme = url.substring(0, sep)
            if (!scheme[0].isLetter() || !scheme.all { it.isLetterOrDigit() || it in "+-." }) return null
            val rest = url.substring(sep + 3)
            val end = rest.indexOfAny(charArrayOf('/', '?', '#')).let { if (it < 0) rest.length else it }
            val authority = rest.substring(0, end)
            if (authority.isEmpty()) return null
            val tail = rest.substring(end).substringBefore('#')
            val path = tail.substringBefore('?')
            val query = if ('?' in tail) tail.substringAfter('?') else null
            return Parts(scheme.lowercase(), authority.lowercase(), path, query)
        }
    }
}

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
 * The "resumed without a link" state machine, fed with the hosting activity's lifecycle.
 *
 * Android delivers a return link to a `singleTop`/`singleTask` activity with `onNewIntent`
 * *before* `onResume`, so by the time the activity resumes the tracker knows whether a link came.
 *
 *     IDLE --launched(id)--> LAUNCHED --paused--> AWAY --link--> IDLE        (HandleLink)
 *                                                  AWAY --resumed--> IDLE     (ResolvePending)
 *
 * A resume while still LAUNCHED (the browser never covered the activity, e.g. it failed to
 * open) does nothing. Links are accepted in any state: a link can also arrive after a process
 * death, when the tracker was reset.
 */
class ReturnTracker(private val matcher: ReturnLinkMatcher) {
    enum class Phase { IDLE, LAUNCHED, AWAY }

    var phase: Phase = Phase.IDLE
        private set

    /** The session whose page is (or was last) open, while not IDLE. */
    var sessionId: String? = null
        private set

    /** The Checkout page for [id] was just opened. */
    fun onLaunched(id: String) {
        phase = Phase.LAUNCHED
        sessionId = id
    }

    /** The activity was paused (the browser is covering it). */
    fun onPaused() {
        if (phase == Phase.LAUNCHED) phase = Phase.AWAY
    }

    /** An incoming link (the data of a VIEW intent), or null when the intent had none. */
    fun onLink(raw: String?): ReturnAction {
        val url = matcher.extract(raw) ?: return ReturnAction.None
        reset()
        return ReturnAction.HandleLink(url)
    }

    /** The activity was resumed. */
    fun onResumed(): ReturnAction {
        val id = sessionId
        if (phase != Phase.AWAY || id == null) return ReturnAction.None
        reset()
        return ReturnAction.ResolvePending(id)
    }

    /** For the activity's saved state: survives the activity being recreated while away. */
    fun snapshot(): String? = sessionId?.let { "${phase.name}:$it" }

    /** Restores a [snapshot]; anything unreadable resets to IDLE. */
    fun restore(snapshot: String?) {
        reset()
        val name = snapshot?.substringBefore(':', "") ?: return
        val id = snapshot.substringAfter(':', "")
        val restored = Phase.values().firstOrNull { it.name == name } ?: return
        if (restored == Phase.IDLE || id.isEmpty()) return
        phase = restored
        sessionId = id
    }

    private fun reset() {
        phase = Phase.IDLE
        sessionId = null
    }
}

/** Runs [action] against [flow]: null for [ReturnAction.None]. Throws [CheckoutException]. */
suspend fun CheckoutFlow.perform(action: ReturnAction): PaymentResult? = when (action) {
    ReturnAction.None -> null
    is ReturnAction.HandleLink -> handleReturnUrl(action.url)
    is ReturnAction.ResolvePending -> resolvePending(action.sessionId)
}

/**
 * On app start: asks Stripe about every checkout whose link never came back (the process was
 * killed while the browser was open, or the user never returned). One failure does not stop the
 * others; each entry carries its own result.
 */
suspend fun CheckoutFlow.resolveAllPending(): List<Pair<PendingCheckout, Result<PaymentResult>>> =
    pending().map { p ->
        p to try {
            Result.success(resolvePending(p.sessionId))
        } catch (e: CheckoutException) {
            Result.failure(e)
        }
    }
