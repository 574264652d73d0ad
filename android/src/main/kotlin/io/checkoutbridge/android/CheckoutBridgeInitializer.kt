// Starts the library at process start, off the main thread. Declared in the library's own
// manifest (android/src/main/AndroidManifest.xml), so the app adds nothing.
package io.checkoutbridge.android

import android.content.ContentProvider
import android.content.ContentValues
import android.database.Cursor
import android.net.Uri

/**
 * A ContentProvider only for its `onCreate`, which Android runs at process start, before
 * `Application.onCreate` (the pattern of androidx.startup's `InitializationProvider`, without the
 * dependency): binds [CheckoutBridge] to the app and starts the warm-up on a background thread
 * ([CheckoutRuntime.warmUp]: kotlin-support's `CheckoutBridgeRuntime.warmUp()`, which loads the
 * library and runs UniFFI's checks, then the store's first disk read). By the time the app's
 * first checkout call arrives, the library is normally warm; if it is not, that call waits for it
 * without blocking the main thread (every library call of the layer runs in [CheckoutRuntime]). An app that removes this provider
 * (`tools:node="remove"`) calls [CheckoutBridge.initialize] itself.
 */
class CheckoutBridgeInitializer : ContentProvider() {
    override fun onCreate(): Boolean {
        CheckoutBridge.initialize(checkNotNull(context) { "ContentProvider.onCreate without a context" })
        return true
    }

    override fun query(uri: Uri, projection: Array<out String>?, selection: String?, selectionArgs: Array<out String>?, sortOrder: String?): Cursor? = null

    override fun getType(uri: Uri): String? = null

    override fun insert(uri: Uri, values: ContentValues?): Uri? = null

    override fun delete(uri: Uri, selection: String?, selectionArgs: Array<out String>?): Int = 0

    override fun update(uri: Uri, values: ContentValues?, selection: String?, selectionArgs: Array<out String>?): Int = 0
}
