// Opens the Checkout page in the system browser surface: Auth Tab where the browser has it, a
// Custom Tab otherwise, the plain browser as the last resort. Compiled against the real Android
// framework and androidx.browser's published signatures by scripts/android-check.sh; the choice
// (chooseBrowser, BrowserChoice.kt) is tested on the JVM.
package io.checkoutbridge.android

import android.app.Activity
import android.content.ActivityNotFoundException
import android.content.Context
import android.content.Intent
import android.content.pm.ApplicationInfo
import android.content.pm.PackageManager
import android.net.Uri
import androidx.activity.result.ActivityResultLauncher
import androidx.browser.auth.AuthTabIntent
import androidx.browser.customtabs.CustomTabsIntent
import io.checkoutbridge.PendingCheckout

/**
 * Opens Stripe's hosted Checkout page. Never in an app-owned WebView: Google Pay, Link, 3-D
 * Secure app switches and saved cards need the real browser (and Stripe does not support
 * WebViews). [CheckoutManagementActivity] uses it; apps that drive the round trip themselves
 * (with [ReturnTracker]) may too.
 *
 * The library's manifest declares the `<queries>` entry Android 11+ needs to see Custom Tabs
 * providers; without it every device would look like it has none.
 */
class CheckoutLauncher(private val context: Context) {
    /**
     * Opens [pending]'s page in a Custom Tab or the browser (no Auth Tab: that needs an activity
     * result launcher, see the other overload). Throws [ActivityNotFoundException] when the device
     * has no browser at all (then nothing was opened and the checkout stays pending).
     */
    fun launch(pending: PendingCheckout): Surface = launch(Uri.parse(pending.url), null, null)

    /**
     * Opens [url] in Auth Tab when the chosen browser offers it and [authTab] (registered with
     * `AuthTabIntent.registerActivityResultLauncher`) and [returnBase] are given: the redirect to
     * `returnBase` then comes back as [authTab]'s result (a custom scheme, or an https return base
     * verified by Digital Asset Links). Otherwise a Custom Tab, or the browser.
     */
    fun launch(url: Uri, authTab: ActivityResultLauncher<Intent>?, returnBase: Uri?): Surface {
        require(url.scheme == "https" || (isDebuggable() && isLoopback(url))) {
            "Checkout pages are https (plain http only to the emulator on loopback, in debuggable builds)"
        }
        val choice = choose(authTab != null && returnBase?.scheme != null)
        try {
            when (choice.surface) {
                Surface.AUTH_TAB -> return openAuthTab(checkNotNull(authTab), checkNotNull(choice.packageName), url, checkNotNull(returnBase))
                Surface.CUSTOM_TAB -> return openCustomTab(checkNotNull(choice.packageName), url)
                Surface.BROWSER -> Unit
            }
        } catch (_: ActivityNotFoundException) {
            // The provider vanished between the query and the launch: use the browser.
        }
        val view = Intent(Intent.ACTION_VIEW, url).addCategory(Intent.CATEGORY_BROWSABLE)
        if (context !is Activity) view.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK)
        context.startActivity(view)
        return Surface.BROWSER
    }

    /**
     * Every browser that handles `VIEW https` is asked whether it exports the Custom Tabs service
     * and whether that service declares Auth Tab, the default browser first. `MATCH_ALL`: without
     * it, Android 6+ lists only the default browser once one is set.
     */
    private fun choose(authTabAllowed: Boolean): BrowserChoice {
        val pm = context.packageManager
        val browse = Intent(Intent.ACTION_VIEW, Uri.parse("https://")).addCategory(Intent.CATEGORY_BROWSABLE)
        val defaultBrowser = pm.resolveActivity(browse, PackageManager.MATCH_DEFAULT_ONLY)?.activityInfo?.packageName
        val browsers = pm.queryIntentActivities(browse, PackageManager.MATCH_ALL).map { it.activityInfo.packageName }
        fun service(pkg: String, category: String?) =
            pm.resolveService(Intent(ACTION_CUSTOM_TABS_CONNECTION).setPackage(pkg).apply { category?.let(::addCategory) }, 0) != null
        return chooseBrowser(
            defaultBrowser, browsers,
            hasCustomTabs = { service(it, null) },
            hasAuthTab = { service(it, CATEGORY_AUTH_TAB) },
            authTabAllowed = authTabAllowed,
        )
    }

    private fun openAuthTab(launcher: ActivityResultLauncher<Intent>, provider: String, url: Uri, returnBase: Uri): Surface {
        val tab = AuthTabIntent.Builder().build()
        tab.intent.setPackage(provider)
        if (returnBase.scheme == "https") {
            tab.launch(launcher, url, returnBase.host.orEmpty(), returnBase.path.orEmpty())
        } else {
            tab.launch(launcher, url, returnBase.scheme.orEmpty())
        }
        return Surface.AUTH_TAB
    }

    private fun openCustomTab(provider: String, url: Uri): Surface {
        val tab = CustomTabsIntent.Builder().setShowTitle(true).setShareState(CustomTabsIntent.SHARE_STATE_OFF).build()
        tab.intent.setPackage(provider)
        if (context !is Activity) tab.intent.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK)
        tab.launchUrl(context, url)
        return Surface.CUSTOM_TAB
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

        /** `CustomTabsService.CATEGORY_AUTH_TAB`: the category of a provider that supports Auth Tab. */
        const val CATEGORY_AUTH_TAB = "androidx.browser.auth.category.AuthTab"
    }
}
