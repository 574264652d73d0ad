// Compile-only stand-in (android/test-support/README.md) for androidx.activity 1.10's
// ComponentActivity, as published at
// https://developer.android.com/reference/kotlin/androidx/activity/ComponentActivity
// (a subclass of android.app.Activity through androidx.core's ComponentActivity; a LifecycleOwner
// and an ActivityResultCaller). Only the members the layer uses.
package androidx.activity

import android.app.Activity
import androidx.activity.result.ActivityResultCallback
import androidx.activity.result.ActivityResultCaller
import androidx.activity.result.ActivityResultLauncher
import androidx.activity.result.contract.ActivityResultContract
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.LifecycleOwner

open class ComponentActivity : Activity(), LifecycleOwner, ActivityResultCaller {
    override val lifecycle: Lifecycle
        get() = throw UnsupportedOperationException(STUB)

    final override fun <I, O> registerForActivityResult(
        contract: ActivityResultContract<I, O>,
        callback: ActivityResultCallback<O>,
    ): ActivityResultLauncher<I> = throw UnsupportedOperationException(STUB)

    private companion object {
        const val STUB = "compile-only stub of androidx.activity (android/test-support)"
    }
}
