// Hand-written companion to the generated bindings: the library's one-time start-up, made once,
// off the caller's thread if the caller wants. Shared by the Android module and the JVM tests.
package io.checkoutbridge

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/**
 * The native library's start-up, done once per process and never on the main thread when the
 * app warms up at start.
 *
 * The first call into the library pays for loading JNA and `libcheckout_bridge`, registering
 * every native function, and UniFFI's checks that the library matches these bindings
 * (docs/performance.md has the figures from `scripts/cold-start.sh`). Whatever call comes first
 * pays it, on whatever thread makes it. [warmUp] pays it ahead of time:
 *
 * ```kotlin
 * class ShopApplication : Application() {
 *     override fun onCreate() {
 *         super.onCreate()
 *         CheckoutBridgeRuntime.warmUpInBackground()
 *     }
 * }
 * ```
 *
 * and the app's first real call then costs what every later call does.
 *
 * Warming up also makes the checks run at all: UniFFI 0.32's Kotlin bindings load the library on
 * the first call but never run their contract-version and per-function checksum checks by
 * themselves (only `uniffiEnsureInitialized()` does, which nothing in them calls). [warmUp] calls
 * it, so a library built from other sources than these bindings fails here, with UniFFI's
 * "checksum mismatch", instead of misbehaving in a payment call.
 */
public object CheckoutBridgeRuntime {
    @Volatile
    private var warm = false

    @Volatile
    private var started = false

    private val lock = Any()

    /** Whether [warmUp] has finished in this process: the next call into the library is warm. */
    @JvmStatic
    public val isWarm: Boolean
        get() = warm

    /**
     * Loads the native library and makes it ready, once per process: JNA and the library loaded,
     * UniFFI's contract-version and per-function checksum checks run, every function registered,
     * and one call made (a return-link parse, nothing sent anywhere) so that the conversions
     * between Kotlin and Rust are loaded too.
     *
     * Blocking, so call it off the main thread ([warmUpInBackground] does). Thread-safe: the
     * first caller does the work while concurrent callers wait for it; once it has succeeded,
     * every call returns at once. If it fails, the next call tries again.
     *
     * @throws UnsatisfiedLinkError when `libcheckout_bridge` cannot be loaded (missing from the
     *   APK's ABI, or from `jna.library.path` on a desktop JVM).
     * @throws RuntimeException "UniFFI contract version mismatch" / "UniFFI API checksum
     *   mismatch" when the library was built from other sources than these bindings.
     */
    @JvmStatic
    public fun warmUp() {
        if (warm) return
        synchronized(lock) {
            if (warm) return
            uniffiEnsureInitialized()
            // A valid link, so the call takes the path a real return does; its result is dropped.
            parseReturnUrl(WARM_UP_LINK, WARM_UP_BASE)
            warm = true
        }
    }

    /**
     * Starts [warmUp] on a new background thread (a daemon: it never keeps the process alive) and
     * returns at once. Does nothing when the library is warm or a warm-up was already started
     * here. A failure is not thrown anywhere: the app's first real call then fails with the same
     * error, where the app handles errors anyway.
     */
    @JvmStatic
    public fun warmUpInBackground() {
        if (warm || started) return
        synchronized(lock) {
            if (warm || started) return
            started = true
        }
        val thread = Thread({
            try {
                warmUp()
            } catch (e: Throwable) {
                // Surfaces again, typed, on the app's first call; a later warm-up may retry.
                started = false
            }
        }, "checkout-bridge-warm-up")
        thread.isDaemon = true
        thread.start()
    }

    /**
     * Suspends until the library is warm, warming it up on [Dispatchers.IO] if needed; returns at
     * once when it is. For code that must not make the first call on the main thread.
     */
    public suspend fun awaitWarm() {
        if (warm) return
        withContext(Dispatchers.IO) { warmUp() }
    }

    private const val WARM_UP_BASE = "checkout-bridge-warm-up://checkout"
    private const val WARM_UP_LINK = "$WARM_UP_BASE/cancel?state=00000000000000000000000000000000"
}
