// Compile-only stand-in (android/test-support/README.md) for androidx.activity 1.10's
// ActivityResultCallback, as published at
// https://developer.android.com/reference/kotlin/androidx/activity/result/ActivityResultCallback
package androidx.activity.result

fun interface ActivityResultCallback<O> {
    fun onActivityResult(result: O)
}
