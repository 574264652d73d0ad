// Receives the return link from the browser and hands it to the activity that waits for it, the
// redirect-activity pattern of AppAuth (openid/AppAuth-Android, RedirectUriReceiverActivity).
// Declared in the library's own manifest with the `${checkoutRedirectScheme}` placeholder.
package io.checkoutbridge.android

import android.app.Activity
import android.content.ComponentName
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Bundle

/**
 * An invisible activity that owns the return link's intent filter (the library's manifest:
 * `<scheme from the placeholder>://checkout`; an app adds an https App Link filter to the same
 * entry) and forwards the link to [CheckoutManagementActivity], or to the app's own activity named
 * by the meta-data [RETURN_ACTIVITY] (the lower-level [ReturnTracker] path), then finishes.
 *
 * Why not the waiting activity itself: the Custom Tab runs in the app's task *on top of* it, so
 * a `singleTop` activity is not at the top when the link arrives and Android creates a second
 * instance. `singleTask` would avoid that, but Android's documentation of `android:launchMode`
 * calls `singleTask` and `singleInstance` "not appropriate for most applications". Forwarding with
 * - `FLAG_ACTIVITY_CLEAR_TOP`: "if the activity being launched is already running in the current
 *   task, … all of the other activities on top of it will be closed" (the Custom Tab and this
 *   activity);
 * - `FLAG_ACTIVITY_SINGLE_TOP`: with it, CLEAR_TOP "delivers the Intent to the current instance's
 *   onNewIntent()" instead of finishing and re-creating it (Intent reference);
 * - `FLAG_ACTIVITY_NEW_TASK`: the app's task (by affinity) is the one searched, even when a browser
 *   started this activity in its own task; Chrome itself sends return links with
 *   `NEW_TASK | CLEAR_TOP` (Chromium's ExternalNavigationHandler.prepareExternalIntent)
 * keeps every launch mode at its default and works with any browser. With Auth Tab the browser
 * returns the link to [CheckoutManagementActivity] directly and this activity is not involved.
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

    /** The `RETURN_ACTIVITY` meta-data of this activity's manifest entry, else the library's activity. */
    private fun returnActivity(): String {
        val info = packageManager.getActivityInfo(ComponentName(this, javaClass), PackageManager.GET_META_DATA)
        return info.metaData?.getString(RETURN_ACTIVITY)?.takeIf { it.isNotBlank() }
            ?: CheckoutManagementActivity::class.java.name
    }

    companion object {
        /** Meta-data naming an app activity that handles links itself ([ReturnTracker]). */
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
