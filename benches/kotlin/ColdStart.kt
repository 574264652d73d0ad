// The first call into the library in a fresh JVM, in parts (scripts/cold-start.sh starts one JVM
// per sample and takes the medians). Each part forces one step of what the first call of an app
// does implicitly, in the order it happens, so the parts add up to that first call:
//
//   jna        JNA's Native class: its own native dispatch library loaded (on a desktop JVM,
//              unpacked from the jar first; on Android it comes from the APK)
//   library    libcheckout_bridge loaded (dlopen, through JNA's NativeLibrary, as the bindings do)
//   checks     UniFFI's IntegrityCheckingUniffiLib: its natives registered, the contract-version
//              check, and the per-function checksum checks unless the bindings omit them. UniFFI
//              0.32's Kotlin runs this only from uniffiEnsureInitialized(), which
//              CheckoutBridgeRuntime.warmUp() calls; without a warm-up no check runs at all
//   functions  UniFFI's UniffiLib: every exported function registered, callback vtables handed over
//   firstCall  one parseReturnUrl: the Kotlin/Rust conversions loaded, the Rust side's first use
//   secondCall the same call again, for scale
//
// Prints one JSON object: per part the wall time and this thread's CPU time ("cpu.PART") in
// milliseconds, and the classes the JVM loaded ("classes.PART"). Run with -Djna.library.path=DIR.
package io.checkoutbridge.bench

import com.sun.jna.Library
import com.sun.jna.NativeLibrary
import io.checkoutbridge.ReturnKind
import io.checkoutbridge.parseReturnUrl
import java.lang.management.ManagementFactory
import java.util.Locale

object ColdStart {
    @JvmStatic
    fun main(args: Array<String>) {
        val loader = ColdStart::class.java.classLoader
        // Wall time is what the user waits; this thread's CPU time is the work itself, which a
        // loaded machine does not inflate (printed as "cpu.PART").
        val cpu = ManagementFactory.getThreadMXBean()
        val classes = ManagementFactory.getClassLoadingMXBean()
        val parts = LinkedHashMap<String, Double>()
        var last = System.nanoTime()
        var lastCpu = cpu.currentThreadCpuTime
        var lastClasses = classes.totalLoadedClassCount
        fun lap(name: String) {
            val now = System.nanoTime()
            val nowCpu = cpu.currentThreadCpuTime
            val nowClasses = classes.totalLoadedClassCount
            parts[name] = (now - last) / 1e6
            parts["cpu.$name"] = (nowCpu - lastCpu) / 1e6
            parts["classes.$name"] = (nowClasses - lastClasses).toDouble()
            last = now
            lastCpu = nowCpu
            lastClasses = nowClasses
        }
        Class.forName("com.sun.jna.Native", true, loader)
        lap("jna")
        // The options the bindings' Native.register uses, so that it finds this instance loaded.
        NativeLibrary.getInstance("checkout_bridge", mapOf(Library.OPTION_CLASSLOADER to loader))
        lap("library")
        Class.forName("io.checkoutbridge.IntegrityCheckingUniffiLib", true, loader)
        lap("checks")
        Class.forName("io.checkoutbridge.UniffiLib", true, loader)
        lap("functions")
        check(parseReturnUrl(LINK, "myapp://checkout").kind == ReturnKind.SUCCESS)
        lap("firstCall")
        check(parseReturnUrl(LINK, "myapp://checkout").kind == ReturnKind.SUCCESS)
        lap("secondCall")
        println(parts.entries.joinToString(",", "{", "}") { (k, v) -> "\"$k\":${String.format(Locale.ROOT, "%.3f", v)}" })
    }
}
