// Compile-only stand-in (android/test-support/README.md) for androidx.activity 1.10's
// ActivityResultLauncher: the member the layer calls, as published at
// https://developer.android.com/reference/kotlin/androidx/activity/result/ActivityResultLauncher
// ("open fun launch(input: I): Unit"; the overload with ActivityOptionsCompat is not used).
package androidx.activity.result

abstract class ActivityResultLauncher<I> {
    open fun launch(input: I): Unit = throw UnsupportedOperationException("compile-only stub of androidx.activity (android/test-support)")
}
