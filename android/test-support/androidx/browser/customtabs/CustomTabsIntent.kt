// Compile-only stand-in for androidx.browser.customtabs.CustomTabsIntent: exactly the members
// CheckoutLauncher uses, with androidx.browser 1.8's signatures (android/test-support/README.md).
package androidx.browser.customtabs

import android.content.Context
import android.content.Intent
import android.net.Uri

class CustomTabsIntent private constructor(@JvmField val intent: Intent) {
    fun launchUrl(context: Context, url: Uri): Unit = throw UnsupportedOperationException(STUB)

    class Builder {
        fun setShowTitle(showTitle: Boolean): Builder = throw UnsupportedOperationException(STUB)
        fun setShareState(shareState: Int): Builder = throw UnsupportedOperationException(STUB)
        fun build(): CustomTabsIntent = throw UnsupportedOperationException(STUB)
    }

    companion object {
        const val SHARE_STATE_OFF: Int = 2
        private const val STUB = "compile-only stub of androidx.browser (android/test-support)"
    }
}
