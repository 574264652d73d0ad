// Compile-only stand-in (android/test-support/README.md) for androidx.lifecycle 2.8's Lifecycle,
// LifecycleOwner, LifecycleObserver and DefaultLifecycleObserver, as published at
// https://developer.android.com/reference/kotlin/androidx/lifecycle/Lifecycle,
// https://developer.android.com/reference/kotlin/androidx/lifecycle/LifecycleOwner and
// https://developer.android.com/reference/kotlin/androidx/lifecycle/DefaultLifecycleObserver.
// Only the members the layer uses.
package androidx.lifecycle

abstract class Lifecycle {
    abstract fun addObserver(observer: LifecycleObserver)

    abstract fun removeObserver(observer: LifecycleObserver)
}

interface LifecycleOwner {
    val lifecycle: Lifecycle
}

interface LifecycleObserver

interface DefaultLifecycleObserver : LifecycleObserver {
    fun onStart(owner: LifecycleOwner) {}

    fun onStop(owner: LifecycleOwner) {}

    fun onDestroy(owner: LifecycleOwner) {}
}
