// Opens the Checkout page in the system browser surface. Compiled against the real Android
// framework by scripts/android-check.sh and run under Robolectric (android/jvm-test/); the
// Custom Tabs call itself (openCustomTab) needs androidx.browser, which is not on Maven Central.
package io.checkoutbridge.android

import android.app.Activity
import android.content.ActivityNotFoundException
import android.content.Context
import android.content.Intent
import android.net.Uri
import androidx.browser.customtabs.CustomTabsIntent
import io.checkoutbridge.PendingCheckout

/**
 * Opens Stripe's hosted Checkout page in a Custom Tab, or in the default browser when no
 * Custom Tabs provider is installed. Never in an app-owned WebView: Google Pay, Link, 3-D Secure
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
        require(url.scheme == "https" || isLoopback(url)) { "Checkout pages are https: $url" }
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
     * The default browser's package when it offers Custom Tabs, else null: what androidx.browser's
     * `CustomTabsClient.getPackageName(context, null)` answers, asked of the PackageManager directly.
     */
    private fun customTabsProvider(): String? {
        val pm = context.packageManager
        val browser = pm.resolveActivity(Intent(Intent.ACTION_VIEW, Uri.parse("http://")), 0)
            ?.activityInfo?.packageName ?: return null
        val service = Intent(ACTION_CUSTOM_TABS_CONNECTION).setPackage(browser)
        return if (pm.resolveService(service, 0) != null) browser else null
    }

    /** The only use of androidx.browser. */
    private fun openCustomTab(provider: String, url: Uri) {
        val tab = CustomTabsIntent.Builder().setShowTitle(true).setShareState(CustomTabsIntent.SHARE_STATE_OFF).build()
        tab.intent.setPackage(provider)
        if (context !is Activity) tab.intent.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK)
        tab.launchUrl(context, url)
    }

    // The emulator (http://127.0.0.1 / 10.0.2.2 from an emulator image) in development builds.
    private fun isLoopback(url: Uri) =
        url.scheme == "http" && url.host in setOf("127.0.0.1", "localhost", "10.0.2.2")

    private companion object {
        /** `CustomTabsService.ACTION_CUSTOM_TABS_CONNECTION`: the service a Custom Tabs browser exports. */
        const val ACTION_CUSTOM_TABS_CONNECTION = "android.support.customtabs.action.CustomTabsService"
    }
}
