// Which browser surface opens the Checkout page. Pure Kotlin (no android.*): CheckoutLauncher
// asks the PackageManager, this decides; tested on the JVM (android/jvm-test/).
package io.checkoutbridge.android

/** Where the Checkout page opens. Never an app-owned WebView. */
enum class Surface {
    /** androidx.browser's Auth Tab (Chrome 137+): the redirect comes back as an activity result. */
    AUTH_TAB,

    /** A Custom Tab: the redirect comes back through [CheckoutRedirectActivity]'s intent filter. */
    CUSTOM_TAB,

    /** The default browser, as a plain `VIEW` intent. */
    BROWSER,
}

/** A [surface] and the browser package to use for it (null for [Surface.BROWSER]: the default). */
data class BrowserChoice(val surface: Surface, val packageName: String?)

/**
 * The Custom Tabs provider as Chrome's documentation checks it
 * (https://developer.chrome.com/docs/android/custom-tabs/howto-custom-tab-check) and
 * androidx.browser's `CustomTabsClient.getPackageName(context, packages)` picks it: the default
 * browser if it offers Custom Tabs, else the first of the other browsers that handle `VIEW https`
 * and offer them. Then Auth Tab if that provider declares it (the `CustomTabsService` intent
 * filter category `androidx.browser.auth.category.AuthTab`, `CustomTabsService.CATEGORY_AUTH_TAB`,
 * which `CustomTabsClient.isAuthTabSupported` checks) and [authTabAllowed] (the activity can
 * receive its result); else a Custom Tab; else, with no provider at all, the default browser.
 */
fun chooseBrowser(
    defaultBrowser: String?,
    browsers: List<String>,
    hasCustomTabs: (String) -> Boolean,
    hasAuthTab: (String) -> Boolean,
    authTabAllowed: Boolean,
): BrowserChoice {
    val provider = (listOfNotNull(defaultBrowser) + browsers).distinct().firstOrNull(hasCustomTabs)
        ?: return BrowserChoice(Surface.BROWSER, null)
    return if (authTabAllowed && hasAuthTab(provider)) BrowserChoice(Surface.AUTH_TAB, provider) else BrowserChoice(Surface.CUSTOM_TAB, provider)
}
