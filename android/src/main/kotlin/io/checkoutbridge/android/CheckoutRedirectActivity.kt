// Receives the return link from the browser and hands it to the app's checkout activity, the
// redirect-activity pattern of AppAuth (openid/AppAuth-Android, RedirectUriReceiverActivity).
package io.checkoutbridge.android

import android.app.Activity
import android.content.ComponentName
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Bundle

/**
 * An invisible activity that owns the return link's intent filter (declared in the app's
 * manifest, see android/samples/AndroidManifest.xml) and forwards the link to the activity that
 * started the checkout, named by the meta-data [RETURN_ACTIVITY], then finishes.
 *
 * Why not the checkout activity itself: the Custom Tab runs in the app's task *on top of* the
 * checkout activity, so a `singleTop` activity is not at the top when the link arrives and
 * Android creates a second instance for it (a fresh tracker; the old instance and the tab stay
 * underneath, and back shows the Stripe page again). `singleTask` would avoid that, but Android's
 * documentation of `android:launchMode` calls `singleTask` and `singleInstance` "not appropriate
 * for most applications" (they make the activity a task root with one instance, which changes
 * the app's own navigation). Forwarding with
 * - `FLAG_ACTIVITY_CLEAR_TOP`: "if the activity being launched is already running in the current
 *   task, … all of the other activities on top of it will be closed" (the Custom Tab and this
 *   activity);
 * - `FLAG_ACTIVITY_SINGLE_TOP`: with it, CLEAR_TOP "delivers the Intent to the current instance's
 *   onNewIntent()" instead of finishing and re-creating it (Intent reference);
 * - `FLAG_ACTIVITY_NEW_TASK`: the app's task (by affinity) is the one searched, even when a browser
 *   started this activity in its own task; Chrome itself sends return links with
 *   `NEW_TASK | CLEAR_TOP` (Chromium's ExternalNavigationHandler.prepareExternalIntent)
 * keeps the checkout activity's launch mode free and works with any browser.
 *
 * A relaunch from Recents (`FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY`) replays the original link: it
 * is not forwarded; the app's launcher activity opens instead. A recreation with saved state
 * forwards nothing either.
 */
class CheckoutRedirectActivity : Activity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val next = redirectIntent(intent, savedInstanceState != null, packageName, returnActivity()) {
            packageManager.getLaunchIntentForPackage(packageName)
        }
        if (next != null) startActivity(next)
        finish()
    }

    /** The `io.checkoutbridge.android.RETURN_ACTIVITY` meta-data of this activity's declaration. */
    private fun returnActivity(): String {
        val info = packageManager.getActivityInfo(ComponentName(this, javaClass), PackageManager.GET_META_DATA)
        return info.metaData?.getString(RETURN_ACTIVITY)?.takeIf { it.isNotBlank() }
            ?: throw IllegalStateException(
                "CheckoutRedirectActivity needs <meta-data android:name=\"$RETURN_ACTIVITY\" " +
                    "android:value=\"<fully qualified class of your checkout activity>\"/> in its manifest entry",
            )
    }

    companion object {
        /** The meta-data naming the checkout activity (its fully qualified class name). */
        const val RETURN_ACTIVITY = "io.checkoutbridge.android.RETURN_ACTIVITY"

        /** The flags the link is forwarded with (see the class documentation). */
        const val FORWARD_FLAGS =
            Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TOP or Intent.FLAG_ACTIVITY_SINGLE_TOP

        /**
         * What the redirect activity starts for [incoming]: the link forwarded to [returnActivity]
         * (a class of the app [packageName]) with [FORWARD_FLAGS]; on a relaunch from Recents the
         * app's [launcherIntent] (it may be null); null for anything else.
         */
        fun redirectIntent(
            incoming: Intent?,
            recreated: Boolean,
            packageName: String,
            returnActivity: String,
            launcherIntent: () -> Intent?,
        ): Intent? {
            val fromHistory = incoming != null && (incoming.flags and Intent.FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY) != 0
            if (fromHistory && !recreated) return launcherIntent()
            if (!shouldForwardReturn(recreated, fromHistory, incoming?.action == Intent.ACTION_VIEW, incoming?.dataString)) {
                return null
            }
            return Intent(Intent.ACTION_VIEW, incoming?.data)
                .setClassName(packageName, returnActivity)
                .addFlags(FORWARD_FLAGS)
        }
    }
}
