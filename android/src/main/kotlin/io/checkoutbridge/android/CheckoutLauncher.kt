// Opens the Checkout page in the system browser surface. Compiled against the real Android
// framework by scripts/android-check.sh; the choice of provider (chooseCustomTabsProvider,
// ReturnLogic.kt) is tested on the JVM. The Custom Tabs call itself (openCustomTab) needs
// androidx.browser, which is not on Maven Central.
package io.checkoutbridge.android

import android.app.Activity
import android.content.ActivityNotFoundException
import android.content.Context
import android.content.Intent
import android.content.pm.ApplicationInfo
import android.content.pm.PackageManager
import android.net.Uri
import androidx.browser.customtabs.CustomTabsIntent
import io.checkoutbridge.PendingCheckout

/**
 * Opens Stripe's hosted Checkout page in a Custom Tab, or in the default browser when no
 * installed browser offers Custom Tabs. Never in an app-owned WebView: Google Pay, Link, 3-D Secure
 * app switches and saved cards need the real browser (and Stripe does not support WebViews).
 *
 * The library's manifest declares the `<queries>` entry Android 11+ needs to see Custom Tabs
 * providers; without it every device would look like it has none.
 */
class CheckoutLauncher(private val context: Context) {
    /** How the page was opened. */
    enum class Surface { CUSTOM_TAB, BROWSER }

    /**
     * Opens [pending]'s page. Throws [ActivityNotFoundException] when the device has no browser
     * at all (then nothing was opened and the checkout stays pending).
     */
    fun launch(pending: PendingCheckout): Surface = launch(Uri.parse(pending.url))

    fun launch(url: Uri): Surface {
        require(url.scheme == "https" || (isDebuggable() && isLoopback(url))) {
            "Checkout pages are https (plain http only to the emulator on loopback, in debuggable builds)"
        }
        val provider = customTabsProvider()
        if (provider != null) {
            try {
                openCustomTab(provider, url)
                return Surface.CUSTOM_TAB
            } catch (_: ActivityNotFoundException) {
                // The provider vanished between the query and the launch: use the browser.
            }
        }
        val view = Intent(Intent.ACTION_VIEW, url).addCategory(Intent.CATEGORY_BROWSABLE)
        if (context !is Activity) view.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK)
        context.startActivity(view)
        return Surface.BROWSER
    }

    /**
     * The package to open the page in as a Custom Tab, or null: every browser that handles
     * `VIEW https` is asked whether it exports the Custom Tabs service, the default browser first
     * (Chrome's documentation, "Check if a browser supports Custom Tabs"), so a default browser
     * without Custom Tabs, or no default at all, still finds Chrome or another provider.
     * `MATCH_ALL`: without it, Android 6+ lists only the default browser once one is set.
     * The library's manifest declares the `<queries>` this needs on Android 11+.
     */
    private fun customTabsProvider(): String? {
        val pm = context.packageManager
        val browse = Intent(Intent.ACTION_VIEW, Uri.parse("https://")).addCategory(Intent.CATEGORY_BROWSABLE)
        val defaultBrowser = pm.resolveActivity(browse, PackageManager.MATCH_DEFAULT_ONLY)?.activityInfo?.packageName
        val browsers = pm.queryIntentActivities(browse, PackageManager.MATCH_ALL).map { it.activityInfo.packageName }
        return chooseCustomTabsProvider(defaultBrowser, browsers) { pkg ->
            pm.resolveService(Intent(ACTION_CUSTOM_TABS_CONNECTION).setPackage(pkg), 0) != null
        }
    }

    /** The only use of androidx.browser. */
    private fun openCustomTab(provider: String, url: Uri) {
        val tab = CustomTabsIntent.Builder().setShowTitle(true).setShareState(CustomTabsIntent.SHARE_STATE_OFF).build()
        tab.intent.setPackage(provider)
        if (context !is Activity) tab.intent.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK)
        tab.launchUrl(context, url)
    }

    // The emulator (http://127.0.0.1 / 10.0.2.2 from an emulator image) in development builds:
    // the app's own debuggable flag, as the core allows loopback http on devices only in debug
    // builds (any app on the phone can listen on 127.0.0.1).
    private fun isLoopback(url: Uri) =
        url.scheme == "http" && url.host in setOf("127.0.0.1", "localhost", "10.0.2.2")

    private fun isDebuggable() = (context.applicationInfo.flags and ApplicationInfo.FLAG_DEBUGGABLE) != 0

    private companion object {
        /** `CustomTabsService.ACTION_CUSTOM_TABS_CONNECTION`: the service a Custom Tabs browser exports. */
        const val ACTION_CUSTOM_TABS_CONNECTION = "android.support.customtabs.action.CustomTabsService"
    }
}
