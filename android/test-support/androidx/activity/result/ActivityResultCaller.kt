// Compile-only stand-in (android/test-support/README.md) for androidx.activity 1.10's
// ActivityResultCaller, as published at
// https://developer.android.com/reference/kotlin/androidx/activity/result/ActivityResultCaller
// (the overload taking an ActivityResultRegistry is not used).
package androidx.activity.result

import androidx.activity.result.contract.ActivityResultContract

interface ActivityResultCaller {
    fun <I, O> registerForActivityResult(
        contract: ActivityResultContract<I, O>,
        callback: ActivityResultCallback<O>,
    ): ActivityResultLauncher<I>
}
