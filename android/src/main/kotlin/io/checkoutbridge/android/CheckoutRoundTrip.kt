// The state machine of CheckoutManagementActivity, the library's own activity that creates the
// session, opens the page and waits for the customer to come back. Pure Kotlin (no android.*):
// the activity feeds it its lifecycle; android/jvm-test/ feeds it the orders of events a device
// produces (rotation, process death, a link in a new instance, the tab closed without a link).
package io.checkoutbridge.android

import io.checkoutbridge.CheckoutException
import io.checkoutbridge.PendingCheckout
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.launch

/**
 * One checkout's trip from the app to the hosted page and back, as AppAuth's
 * `AuthorizationManagementActivity` does it for a sign-in:
 *
 *     CREATING --session recorded--> READY --resumed: page opened--> LAUNCHED --paused--> AWAY
 *     AWAY --its link (redirect or Auth Tab)--> VERIFYING(link) --Stripe's verdict--> DONE
 *     AWAY --resumed without a link, or the Auth Tab closed--> VERIFYING(resolve) --> DONE
 *
 * The network work (creating, verifying) runs in [runtime]'s process-wide scope, keyed so that
 * the activity recreated after a rotation, or after the process was killed while the browser was
 * open, attaches to it (or, in a new process, runs it again: verifying a link twice gives the
 * same verdict) instead of losing it. [Host.complete] is called exactly once per instance that
 * finishes, and a verdict reaches the launching activity once: the activity-result API carries it
 * across the caller's own recreation.
 *
 * Main-thread confined, like the activity callbacks that drive it; [scope] is the activity's
 * (main dispatcher, cancelled when the activity is destroyed).
 */
class CheckoutRoundTrip(
    private val runtime: CheckoutRuntime,
    private val host: Host,
    private val scope: CoroutineScope,
) {
    /** What the activity does for the round trip. */
    interface Host {
        /** Opens [url] in Auth Tab, a Custom Tab or the browser; false when the device has no browser. */
        fun openPage(url: String): Boolean

        /**
         * The round trip is over: return [result] to the launching activity (null: this instance
         * was started by a link, not for a result) and finish.
         */
        fun complete(result: CheckoutResult?)

        /**
         * Whether this activity is the root of its task (`Activity.isTaskRoot`): nothing of the
         * app is beneath it, so finishing would leave the customer in the browser or on the home
         * screen.
         */
        fun isAlone(): Boolean = false

        /**
         * Starts the app's launch activity (`PackageManager.getLaunchIntentForPackage`) in this
         * task, on top of this activity; false when the app has none.
         */
        fun openApp(): Boolean = false
    }

    /** Where the round trip stands. */
    enum class Phase { CREATING, READY, LAUNCHED, AWAY, VERIFYING, DONE }

    var phase: Phase = Phase.CREATING
        private set

    /** The launch's key, from the contract's intent: set only when launched for a result. */
    private var key: String? = null

    /** Launched for a result (by [CheckoutContract]), rather than started by a link alone. */
    val forResult: Boolean get() = key != null
    private var sessionId: String? = null
    private var state: String? = null
    private var url: String? = null
    private var link: String? = null
    private var resumed = false
    private var ownership: AutoCloseable? = null
    private var appOpened = false

    /**
     * From `onCreate`. [saved]: what [save] wrote before this instance was recreated (rotation,
     * process death), else null; [key] and [request]: the launch's, from the contract's intent;
     * [link]: the return link when a link started this instance.
     */
    fun onCreate(saved: Map<String, String>?, key: String?, request: CheckoutRequest?, link: String?) {
        if (saved != null) return restore(saved)
        when {
            key != null && request != null -> {
                this.key = key
                // One checkout at a time: a second launch while one is under way opens nothing.
                if (!runtime.claim(key)) return finish(CheckoutResult.Canceled)
                create(runtime.start(key, request))
            }
            link != null -> {
                // A late link in a task of its own (the app's task was removed) and a process that
                // nothing has configured: the app's screen, which configures, comes up now rather
                // than after the wait for its configuration runs out.
                if (!runtime.isConfigured) landInApp()
                onLink(link)
            }
            else -> finish(CheckoutResult.Canceled)
        }
    }

    /**
     * Nothing of the app beneath this activity (a late link after the app's task was removed, or
     * the launching screen finished itself): opens the app, once, so the customer lands in it
     * rather than in the browser or on the home screen; the verdict reaches its screen through
     * the recovered results ([CheckoutRuntime.orphan], [registerForCheckoutResult]).
     */
    private fun landInApp() {
        if (appOpened || !host.isAlone()) return
        appOpened = true
        host.openApp()
    }

    private fun create(creation: Deferred<Result<PendingCheckout>>) {
        phase = Phase.CREATING
        scope.launch {
            creation.await().fold(
                onSuccess = { created(it.sessionId, it.state, it.url) },
                onFailure = { finish(CheckoutResult.Failed(it as CheckoutException)) },
            )
        }
    }

    private fun created(sessionId: String, state: String, url: String) {
        this.sessionId = sessionId
        this.state = state
        this.url = url
        own()
        phase = Phase.READY
        if (resumed) launchPage()
    }

    private fun own() {
        val id = sessionId ?: return
        ownership?.close()
        ownership = runtime.own(id) { result -> finish(result) }
    }

    private fun launchPage() {
        val page = url ?: return finish(CheckoutResult.Canceled)
        if (host.openPage(page)) phase = Phase.LAUNCHED else finish(CheckoutResult.NoBrowser)
    }

    /** From `onResume`. */
    fun onResume() {
        resumed = true
        when (phase) {
            Phase.READY -> launchPage()
            Phase.AWAY -> resolveOurs() // back without a link: the tab was closed
            else -> Unit
        }
    }

    /** From `onPause` (the browser now covers the activity). */
    fun onPause() {
        resumed = false
        if (phase == Phase.LAUNCHED) phase = Phase.AWAY
    }

    /** A return link arrived: forwarded by [CheckoutRedirectActivity] (`onNewIntent`) or returned by the Auth Tab. */
    fun onLink(link: String) {
        if (phase == Phase.DONE) return
        val mine = forResult && phase in setOf(Phase.READY, Phase.LAUNCHED, Phase.AWAY)
        if (mine || !forResult) {
            phase = Phase.VERIFYING
            this.link = link
        }
        scope.launch {
            val verdict = runtime.verifyLink(link).await()
            runtime.forget(runtime.linkKey(link))
            route(link, verdict)
        }
    }

    /** The Auth Tab closed without its redirect (the customer closed it, or https verification failed). */
    fun onTabClosed() {
        if (phase == Phase.LAUNCHED || phase == Phase.AWAY) resolveOurs()
    }

    private fun route(link: String, verdict: CheckoutRuntime.LinkVerdict) {
        if (phase == Phase.DONE) return
        if (forResult && verdict.state != null && verdict.state == state) return finish(verdict.result)
        // Another checkout's link (an older tab), or not a link of ours at all (malformed, forged):
        // another checkout's verdict is news for whoever waits for it; ours is still open.
        if (verdict.state != null) runtime.orphan(verdict.result)
        if (!forResult) return finish(CheckoutResult.Canceled) // nobody launched it: nothing to return
        if (phase == Phase.VERIFYING && this.link == link) {
            this.link = null
            phase = Phase.AWAY
            if (resumed) resolveOurs()
        }
    }

    private fun resolveOurs() {
        val id = sessionId ?: return finish(CheckoutResult.Canceled)
        phase = Phase.VERIFYING
        link = null
        scope.launch {
            val result = runtime.resolve(id).await()
            runtime.forget(runtime.resolveKey(id))
            finish(result)
        }
    }

    private fun finish(result: CheckoutResult) {
        if (phase == Phase.DONE) return
        phase = Phase.DONE
        ownership?.close()
        ownership = null
        key?.let {
            runtime.forget(runtime.startKey(it))
            runtime.release(it)
        }
        val alone = host.isAlone()
        if (forResult && !alone) {
            runtime.delivered(result)
        } else if (forResult) {
            // The launching activity is not beneath us any more (it finished): the activity
            // result would go nowhere, so the verdict goes to the recovered results too.
            runtime.orphan(result)
        }
        if (alone) landInApp()
        host.complete(if (forResult) result else null)
    }

    /**
     * From `onDestroy`: the session is given up to the instance that replaces this one, if any.
     * [finishing]: no instance replaces it (back pressed while verifying, the system finished it);
     * the launching activity gets `Canceled`, and a verification under way still reports its
     * verdict, as a recovered result ([CheckoutRuntime.orphan]).
     */
    fun onDestroy(finishing: Boolean = false) {
        ownership?.close()
        ownership = null
        key?.let(runtime::release) // a recreated instance claims it again in restore
        if (!finishing || phase != Phase.VERIFYING) return
        val id = sessionId
        val pendingLink = link
        when {
            pendingLink != null -> runtime.adopt(runtime.linkKey(pendingLink)) { runtime.verifyLink(pendingLink).await().result }
            id != null -> runtime.adopt(runtime.resolveKey(id)) { runtime.resolve(id).await() }
        }
    }

    /** For `onSaveInstanceState`. */
    fun save(): Map<String, String> = buildMap {
        put(PHASE, phase.name)
        key?.let { put(KEY, it) }
        sessionId?.let { put(SESSION, it) }
        state?.let { put(STATE, it) }
        url?.let { put(URL, it) }
        link?.let { put(LINK, it) }
        if (appOpened) put(APP_OPENED, "1")
    }

    private fun restore(saved: Map<String, String>) {
        key = saved[KEY]
        if (forResult) key?.let { runtime.claim(it, force = true) }
        sessionId = saved[SESSION]
        state = saved[STATE]
        url = saved[URL]
        val savedLink = saved[LINK]
        appOpened = saved[APP_OPENED] == "1"
        when (Phase.entries.firstOrNull { it.name == saved[PHASE] }) {
            Phase.CREATING -> {
                // Still being created in this process (a rotation): attach. After a process death
                // the creation is gone; a session it may have recorded is resolved on a later start.
                val creation = key?.let(runtime::startedBefore) ?: return finish(CheckoutResult.Canceled)
                create(creation)
            }
            Phase.READY -> if (sessionId != null && state != null) {
                own()
                phase = Phase.READY
            } else {
                finish(CheckoutResult.Canceled)
            }
            Phase.LAUNCHED, Phase.AWAY -> awayAgain()
            Phase.VERIFYING -> if (!forResult && savedLink != null) {
                onLink(savedLink) // a link-only instance: attach to its verification again
            } else {
                awayAgain()
                if (phase != Phase.DONE) {
                    if (savedLink != null) onLink(savedLink) else resolveOurs()
                }
            }
            Phase.DONE, null -> finish(CheckoutResult.Canceled)
        }
    }

    private fun awayAgain() {
        if (!forResult || sessionId == null || state == null) return finish(CheckoutResult.Canceled)
        own()
        phase = Phase.AWAY
    }

    private companion object {
        const val PHASE = "phase"
        const val KEY = "key"
        const val SESSION = "session"
        const val STATE = "state"
        const val URL = "url"
        const val LINK = "link"
        const val APP_OPENED = "appOpened"
    }
}
