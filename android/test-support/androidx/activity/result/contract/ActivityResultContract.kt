// Compile-only stand-in (android/test-support/README.md) for androidx.activity 1.10's
// ActivityResultContract, as published at
// https://developer.android.com/reference/kotlin/androidx/activity/result/contract/ActivityResultContract
// ("abstract fun createIntent(context: Context, input: I): Intent",
//  "abstract fun parseResult(resultCode: Int, intent: Intent?): O"; getSynchronousResult is not
// overridden by the layer).
package androidx.activity.result.contract

import android.content.Context
import android.content.Intent

abstract class ActivityResultContract<I, O> {
    abstract fun createIntent(context: Context, input: I): Intent

    abstract fun parseResult(resultCode: Int, intent: Intent?): O
}
