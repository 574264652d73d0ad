// Opens the Checkout page in the system browser surface. Android APIs: not compiled on the JVM
// here (syntax-checked only, see scripts/platform-check.sh).
package io.checkoutbridge.android

import android.app.Activity
import android.content.ActivityNotFoundException
import android.content.Context
import android.content.Intent
import android.net.Uri
import androidx.browser.customtabs.CustomTabsClient
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
        val provider = CustomTabsClient.getPackageName(context, null)
        if (provider != null) {
            val tab = CustomTabsIntent.Builder()
                .setShowTitle(true)
                .setShareState(CustomTabsIntent.SHARE_STATE_OFF)
                .build()
            tab.intent.setPackage(provider)
            if (context !is Activity) tab.intent.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK)
            try {
                tab.launchUrl(context, url)
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

    // The emulator (http://127.0.0.1 / 10.0.2.2 from an emulator image) in development builds.
    private fun isLoopback(url: Uri) =
        url.scheme == "http" && url.host in setOf("127.0.0.1", "localhost", "10.0.2.2")
}
