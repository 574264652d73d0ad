// Hand-written companion to the generated bindings (compiled into the same Kotlin module, so it
// can reach their internals). Shared by the Android module and the JVM tests.
package io.checkoutbridge

import com.sun.jna.CallbackThreadInitializer
import com.sun.jna.Native

/**
 * Process-wide tuning of the JNA bridge the bindings use.
 *
 * Every async call is woken by a callback from the library's single I/O thread. By default JNA
 * attaches that native thread to the JVM for each callback and detaches it afterwards, which
 * costs more than the work itself; keeping it attached (it is one thread for the whole process)
 * makes create + retrieve about a third faster on the JVM (see BENCHMARKS.md).
 */
object CheckoutBridgeRuntime {
    private var tuned = false

    /** Idempotent; call once at startup (Application.onCreate, or before the first call). */
    @JvmStatic
    @Synchronized
    fun keepCallbackThreadAttached() {
        if (tuned) return
        Native.setCallbackThreadInitializer(
            uniffiRustFutureContinuationCallbackImpl,
            CallbackThreadInitializer(/* daemon = */ true, /* detach = */ false, "checkout-bridge-io"),
        )
        tuned = true
    }
}
