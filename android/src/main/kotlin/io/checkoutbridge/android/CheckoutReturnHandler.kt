// Brings the customer back: Intent -> return URL -> CheckoutFlow, and "closed the tab without a
// redirect" detection. The decisions live in ReturnLogic.kt (ReturnTracker, pure Kotlin); this
// file only adapts Android types to it. Run on the desktop JVM with the real Intent and Bundle
// classes (Robolectric's android-all) by android/jvm-test/.
package io.checkoutbridge.android

import android.content.Intent
import android.os.Bundle
import io.checkoutbridge.CheckoutFlow
import io.checkoutbridge.CreateSessionParams
import io.checkoutbridge.PaymentResult
import io.checkoutbridge.PendingCheckout

/**
 * Wire it into the activity that starts checkouts. The return link reaches that activity through
 * [CheckoutRedirectActivity] (declared in the app's manifest with the link's intent filter), which
 * closes the Custom Tab and delivers the link to the existing instance's `onNewIntent`, before
 * `onResume`. The activity keeps its own launch mode (`standard` is fine):
 *
 * ```kotlin
 * override fun onCreate(state: Bundle?) { …; handle(returns.onCreate(state, intent)) }
 * override fun onNewIntent(intent: Intent) { super.onNewIntent(intent); handle(returns.onNewIntent(intent)) }
 * override fun onPause() { super.onPause(); returns.onPause() }
 * override fun onResume() { super.onResume(); handle(returns.onResume()) }
 * override fun onSaveInstanceState(out: Bundle) { super.onSaveInstanceState(out); returns.save(out) }
 * private fun handle(a: ReturnAction) { if (a != ReturnAction.None) lifecycleScope.launch { show(returns.perform(a)) } }
 * ```
 *
 * [flow] should be one per process (an `Application` property): the handler's tracker belongs to
 * one activity instance, the flow and its store to the app.
 */
class CheckoutReturnHandler(private val flow: CheckoutFlow) {
    private val tracker = ReturnTracker(flow.returnBase())

    /** Where the tracker stands (for tests and diagnostics). */
    val phase: ReturnTracker.Phase get() = tracker.phase

    /** Whether a created checkout waits for the activity to resume before its page opens. */
    val isLaunchWaiting: Boolean get() = tracker.isLaunchWaiting

    /**
     * Creates the session (recorded durably by the core), then opens its page once the activity
     * is resumed (see [ReturnTracker.whenResumed]) and starts tracking it. Call it from the main
     * thread (lifecycleScope). Throws [io.checkoutbridge.CheckoutException] when the session
     * cannot be created, and [android.content.ActivityNotFoundException] when the device has no
     * browser at all (the checkout then stays pending; nothing was opened).
     */
    suspend fun startCheckout(launcher: CheckoutLauncher, params: CreateSessionParams): PendingCheckout =
        startCheckout(params) { launcher.launch(it) }

    /** [startCheckout] with the app's own way of opening the page (never a WebView). */
    suspend fun startCheckout(params: CreateSessionParams, openPage: (PendingCheckout) -> Unit): PendingCheckout =
        tracker.start(flow, params, openPage)

    /**
     * The return URL carried by [intent] when it is a `VIEW` intent addressed to the flow's return
     * base (the core's `ReturnBase.matches`), else null. Works for a custom scheme and for a
     * verified https App Link alike: both arrive as `ACTION_VIEW` with the URL as the data.
     */
    fun returnUrl(intent: Intent?): String? {
        if (intent?.action != Intent.ACTION_VIEW) return null
        return intent.dataString?.takeIf { flow.isReturnLink(it) }
    }

    /**
     * From `onCreate`: restores the tracker from [state] and takes the link from [intent] only on
     * a fresh start (no saved state) that is not a relaunch from Recents.
     */
    fun onCreate(state: Bundle?, intent: Intent?): ReturnAction =
        tracker.onCreate(state != null, state?.getString(STATE_KEY), returnUrl(intent), intent.fromHistory())

    /** From `onNewIntent`. */
    fun onNewIntent(intent: Intent?): ReturnAction = tracker.onNewIntent(returnUrl(intent), intent.fromHistory())

    fun onPause() = tracker.onPaused()

    fun onResume(): ReturnAction = tracker.onResumed()

    /** Runs the action against the flow (network: call from a coroutine). Throws CheckoutException. */
    suspend fun perform(action: ReturnAction): PaymentResult? = flow.perform(action)

    fun save(out: Bundle) = out.putString(STATE_KEY, tracker.snapshot())

    private fun Intent?.fromHistory(): Boolean =
        this != null && (flags and Intent.FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY) != 0

    private companion object {
        const val STATE_KEY = "io.checkoutbridge.android.ReturnTracker"
    }
}
