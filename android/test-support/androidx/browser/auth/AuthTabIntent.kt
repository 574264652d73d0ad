// Compile-only stand-in (android/test-support/README.md) for androidx.browser 1.9.0's
// AuthTabIntent (Auth Tab, Chrome 137+), as published at
// https://developer.android.com/reference/kotlin/androidx/browser/auth/AuthTabIntent and
// https://developer.android.com/reference/kotlin/androidx/browser/auth/AuthTabIntent.AuthResult:
// "fun launch(launcher: ActivityResultLauncher<Intent>, url: Uri, redirectScheme: String)",
// "fun launch(launcher, url, redirectHost: String, redirectPath: String)",
// "java-static fun registerActivityResultLauncher(caller: ActivityResultCaller,
//  callback: ActivityResultCallback<AuthTabIntent.AuthResult>): ActivityResultLauncher<Intent>",
// and the result codes RESULT_OK (-1), RESULT_CANCELED (0), RESULT_VERIFICATION_FAILED (2),
// RESULT_VERIFICATION_TIMED_OUT (3), RESULT_UNKNOWN_CODE (-2). Only the members the layer uses.
package androidx.browser.auth

import android.content.Intent
import android.net.Uri
import androidx.activity.result.ActivityResultCallback
import androidx.activity.result.ActivityResultCaller
import androidx.activity.result.ActivityResultLauncher

class AuthTabIntent private constructor(@JvmField val intent: Intent) {
    fun launch(launcher: ActivityResultLauncher<Intent>, url: Uri, redirectScheme: String): Unit =
        throw UnsupportedOperationException(STUB)

    fun launch(launcher: ActivityResultLauncher<Intent>, url: Uri, redirectHost: String, redirectPath: String): Unit =
        throw UnsupportedOperationException(STUB)

    class AuthResult private constructor(@JvmField val resultCode: Int, @JvmField val resultUri: Uri?)

    class Builder {
        fun build(): AuthTabIntent = throw UnsupportedOperationException(STUB)
    }

    companion object {
        const val RESULT_OK: Int = -1
        const val RESULT_CANCELED: Int = 0
        const val RESULT_VERIFICATION_FAILED: Int = 2
        const val RESULT_VERIFICATION_TIMED_OUT: Int = 3
        const val RESULT_UNKNOWN_CODE: Int = -2

        @JvmStatic
        fun registerActivityResultLauncher(
            caller: ActivityResultCaller,
            callback: ActivityResultCallback<AuthResult>,
        ): ActivityResultLauncher<Intent> = throw UnsupportedOperationException(STUB)

        private const val STUB = "compile-only stub of androidx.browser (android/test-support)"
    }
}
