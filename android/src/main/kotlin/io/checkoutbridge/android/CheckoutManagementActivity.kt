// The library's own checkout activity: adapts Android's lifecycle, intents and the Auth Tab
// result to CheckoutRoundTrip (pure Kotlin, tested on the JVM). Declared in the library's manifest;
// compiled against the real Android framework and androidx's published signatures by
// scripts/android-check.sh.
package io.checkoutbridge.android

import android.content.ActivityNotFoundException
import android.content.Intent
import android.net.Uri
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.browser.auth.AuthTabIntent
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.cancel

/**
 * Started by [CheckoutContract] (for a result) or by [CheckoutRedirectActivity] (with a return
 * link). Invisible (translucent, no title): the customer sees the app, then the hosted page, then
 * the app again. It owns the Auth Tab's result launcher (registered unconditionally at
 * construction, as androidx.browser requires) and receives forwarded links in [onNewIntent],
 * before `onResume`, which the round trip relies on to tell "came back with a link" from "closed
 * the tab". When it finishes as the root of its task (a link that came back after the app's task
 * was removed), it starts the app's launch activity first, so the customer lands in the app.
 */
class CheckoutManagementActivity : ComponentActivity(), CheckoutRoundTrip.Host {
    private val scope = MainScope()
    private lateinit var trip: CheckoutRoundTrip

    private val authTab = AuthTabIntent.registerActivityResultLauncher(this) { result ->
        val uri = result.resultUri
        if (result.resultCode == AuthTabIntent.RESULT_OK && uri != null) trip.onLink(uri.toString()) else trip.onTabClosed()
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        trip = CheckoutRoundTrip(CheckoutBridge.runtime(this), this, scope)
        trip.onCreate(
            saved = savedInstanceState?.getBundle(STATE)?.let { b -> b.keySet().associateWith { b.getString(it).orEmpty() } },
            key = intent.getStringExtra(CheckoutContract.EXTRA_KEY),
            request = CheckoutRequest.decode(intent.getByteArrayExtra(CheckoutContract.EXTRA_REQUEST)),
            link = intent.link(),
        )
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        intent.link()?.let(trip::onLink)
    }

    override fun onResume() {
        super.onResume()
        trip.onResume()
    }

    override fun onPause() {
        super.onPause()
        trip.onPause()
    }

    override fun onSaveInstanceState(outState: Bundle) {
        super.onSaveInstanceState(outState)
        outState.putBundle(STATE, Bundle().apply { trip.save().forEach { (k, v) -> putString(k, v) } })
    }

    override fun onDestroy() {
        trip.onDestroy(isFinishing)
        scope.cancel()
        super.onDestroy()
    }

    override fun openPage(url: String): Boolean = try {
        val base = CheckoutBridge.runtime(this).returnBase?.let(Uri::parse)
        CheckoutLauncher(this).launch(Uri.parse(url), authTab, base)
        true
    } catch (_: ActivityNotFoundException) {
        false
    }

    override fun isAlone(): Boolean = isTaskRoot

    override fun openApp(): Boolean {
        // MAIN/LAUNCHER with FLAG_ACTIVITY_NEW_TASK: started in the task of the app's affinity,
        // this one, on top of this activity (whose task root is not the launcher activity).
        val launch = packageManager.getLaunchIntentForPackage(packageName) ?: return false
        return try {
            startActivity(launch)
            true
        } catch (_: ActivityNotFoundException) {
            false
        }
    }

    override fun complete(result: CheckoutResult?) {
        if (result != null) setResult(RESULT_OK, Intent().putExtra(CheckoutContract.EXTRA_RESULT, result.encode()))
        finish()
    }

    /** The return link a `VIEW` intent carries (forwarded by [CheckoutRedirectActivity]). */
    private fun Intent.link(): String? = if (action == Intent.ACTION_VIEW) dataString?.takeIf { it.isNotEmpty() } else null

    private companion object {
        const val STATE = "io.checkoutbridge.android.CheckoutRoundTrip"
    }
}
