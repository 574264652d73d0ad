// Brings the customer back: Intent -> return URL -> CheckoutFlow, and "closed the tab without a
// redirect" detection. The decisions live in ReturnLogic.kt (pure Kotlin, tested on the JVM);
// this file only adapts Android types to it.
package io.checkoutbridge.android

import android.content.Intent
import android.os.Bundle
import io.checkoutbridge.CheckoutFlow
import io.checkoutbridge.CreateSessionParams
import io.checkoutbridge.PaymentResult
import io.checkoutbridge.PendingCheckout

/**
 * Wire it into the activity that starts checkouts and receives the return link (declare that
 * activity `android:launchMode="singleTop"` or `"singleTask"` so the link arrives in
 * `onNewIntent`, before `onResume`):
 *
 * ```kotlin
 * override fun onCreate(state: Bundle?) { …; returns.restore(state); handle(returns.onIntent(intent)) }
 * override fun onNewIntent(intent: Intent) { super.onNewIntent(intent); handle(returns.onIntent(intent)) }
 * override fun onPause() { super.onPause(); returns.onPause() }
 * override fun onResume() { super.onResume(); handle(returns.onResume()) }
 * override fun onSaveInstanceState(out: Bundle) { super.onSaveInstanceState(out); returns.save(out) }
 * private fun handle(a: ReturnAction) { if (a != ReturnAction.None) lifecycleScope.launch { show(returns.perform(a)) } }
 * ```
 */
class CheckoutReturnHandler(
    private val flow: CheckoutFlow,
    returnBase: String,
) {
    private val matcher = ReturnLinkMatcher(returnBase)
    private val tracker = ReturnTracker(matcher)

    /** Creates the session (recorded durably by the core), opens its page, starts tracking. */
    suspend fun startCheckout(launcher: CheckoutLauncher, params: CreateSessionParams): PendingCheckout {
        val pending = flow.start(params)
        launcher.launch(pending)
        tracker.onLaunched(pending.sessionId)
        return pending
    }

    /**
     * The return URL carried by [intent], or null if it is not a VIEW intent addressed to the
     * return base. Works for a custom scheme and for a verified https App Link alike: both arrive
     * as `ACTION_VIEW` with the URL as the intent's data.
     */
    fun returnUrl(intent: Intent?): String? {
        if (intent?.action != Intent.ACTION_VIEW) return null
        return matcher.extract(intent.dataString)
    }

    /** From `onCreate` and `onNewIntent`. */
    fun onIntent(intent: Intent?): ReturnAction {
        val action = tracker.onLink(returnUrl(intent))
        // Handle each link once: a recreated activity gets its launch intent again.
        if (action is ReturnAction.HandleLink) intent?.data = null
        return action
    }

    fun onPause() = tracker.onPaused()

    fun onResume(): ReturnAction = tracker.onResumed()

    /** Runs the action against the flow (network: call from a coroutine). Throws CheckoutException. */
    suspend fun perform(action: ReturnAction): PaymentResult? = flow.perform(action)

    fun save(out: Bundle) = out.putString(STATE_KEY, tracker.snapshot())

    fun restore(state: Bundle?) = tracker.restore(state?.getString(STATE_KEY))

    private companion object {
        const val STATE_KEY = "io.checkoutbridge.android.ReturnTracker"
    }
}
