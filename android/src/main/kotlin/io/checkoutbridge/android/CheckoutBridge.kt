// The app's one entry point for configuration: the process-wide CheckoutRuntime, bound to the
// app's files directory and main thread. Compiled against the real Android framework by
// scripts/android-check.sh; what it delegates to (CheckoutRuntime) is tested on the JVM.
package io.checkoutbridge.android

import android.content.Context
import android.content.pm.PackageManager
import io.checkoutbridge.ClientConfig
import io.checkoutbridge.Credential
import io.checkoutbridge.HttpTransport
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import java.io.File

/**
 * The library's process-wide state. [CheckoutBridgeInitializer] (declared in the library's own
 * manifest) calls [initialize] at process start, which starts loading the library on a
 * background thread; the app calls [configure] from `onCreate` of the activity that launches
 * checkouts (no `Application` subclass needed), or once from `Application.onCreate` in an app
 * that has one, as Stripe's own Android SDK is set up (`PaymentConfiguration.init`).
 *
 * After the process was killed with the browser open, the activity that verifies a checkout is
 * recreated before the app's activity beneath it, whose `onCreate` configures: the round trip
 * waits for [configure] up to [CheckoutRuntime.CONFIGURATION_WAIT_MS] (15 s), then fails with
 * `CheckoutException.InvalidInput` on the field [CheckoutRuntime.NOT_CONFIGURED_FIELD], leaving the
 * checkout pending for the next configured start.
 */
object CheckoutBridge {
    @Volatile
    private var instance: CheckoutRuntime? = null

    // What configure and onRecovered set before the layer was bound, applied in order when it is.
    private val early = mutableListOf<(CheckoutRuntime) -> Unit>()

    /**
     * Binds the layer to the app (idempotent). Called by [CheckoutBridgeInitializer] in the app's
     * main process, and by the layer's activities in whichever process they run; an app that
     * removes that provider from its merged manifest calls it first thing in `Application.onCreate`.
     */
    @JvmStatic
    fun initialize(context: Context): CheckoutRuntime = instance ?: run {
        val app = context.applicationContext
        bind({ File(app.filesDir, STORE_DIR).path }, redirectScheme(context)?.let { "$it://checkout" }, Dispatchers.Main)
    }

    /** [initialize] with what it reads from the context (idempotent: the first binding wins). */
    internal fun bind(storeDir: () -> String, defaultReturnBase: String?, main: CoroutineDispatcher): CheckoutRuntime =
        instance ?: synchronized(this) {
            instance ?: CheckoutRuntime(storeDir, defaultReturnBase, main).also { runtime ->
                early.forEach { it(runtime) }
                early.clear()
                instance = runtime
                runtime.warmUp()
            }
        }

    /** Whether the layer is bound to the app in this process. */
    internal val isInitialized: Boolean get() = instance != null

    /** The runtime, binding the layer to [context]'s app first if needed. */
    internal fun runtime(context: Context): CheckoutRuntime = initialize(context)

    /**
     * Runs [action] on the runtime, or keeps it for when the layer is bound. Android installs the
     * library's provider only in the app's main process, but runs `Application.onCreate` (where
     * an app with an `Application` subclass configures the layer) in every process of the app: in
     * the others, the settings wait and nothing is loaded.
     */
    private fun withRuntime(action: (CheckoutRuntime) -> Unit) {
        val runtime = instance ?: synchronized(this) {
            instance ?: run {
                early += action
                return
            }
        }
        action(runtime)
    }

    /**
     * Where checkouts are created and verified. [client] is called off the main thread for each
     * checkout operation (read the current user's token there). [returnBase] defaults to
     * `<checkoutRedirectScheme>://checkout` from the manifest placeholder; give
     * `https://shop.example/checkout` for a verified App Link (docs/android.md).
     *
     * [transport] sends every request through the app's network stack instead of the library's
     * built-in one: `OkHttpTransport(okHttpClient)` from `io.checkoutbridge:checkout-bridge-android-okhttp`
     * (the app's TLS trust and pins from its Network Security Config, proxies, interceptors;
     * docs/android.md, "The app's network stack"). Required with a library built without reqwest
     * (`CHECKOUT_BRIDGE_TRANSPORT=platform android/build-rust.sh`).
     *
     * Call it from `onCreate` of each activity that launches checkouts, or from
     * `Application.onCreate`; calling it again (a rotation, another screen) replaces the
     * settings. [client] and [transport] are kept for the whole process: let them hold app-wide
     * state (the signed-in session, the app's one `OkHttpClient`), not the activity that
     * configured them, which they would otherwise keep alive.
     */
    @JvmStatic
    @JvmOverloads
    fun configure(returnBase: String? = null, transport: HttpTransport? = null, client: () -> ClientConfig) =
        withRuntime { it.configure(returnBase, transport, client) }

    /**
     * [configure] for the recommended setup: the app's own backend (`server/`) at [backend], the
     * signed-in user's [bearerToken] (read off the main thread, per operation), sent through
     * [transport] when given (see [configure]).
     */
    @JvmStatic
    @JvmOverloads
    fun configureBackend(backend: String, transport: HttpTransport? = null, bearerToken: () -> String) =
        configure(transport = transport) { ClientConfig(baseUrl = backend, credential = Credential.backend(bearerToken())) }

    /**
     * Receives, on the main thread and each once, verdicts no screen launched for: a checkout
     * whose screen was gone when its link arrived, and, from the first listener on, checkouts
     * still pending from an earlier process (the browser was open when it was killed). `OPEN`
     * and failures are not reported. [registerForCheckoutResult] sets this for its activity while
     * it is started; null stops delivery (verdicts wait for the next listener, on disk: a later
     * process delivers what this one could not).
     */
    @JvmStatic
    fun onRecovered(listener: ((CheckoutResult) -> Unit)?) = withRuntime { it.onRecovered(listener) }

    /** `io.checkoutbridge.android.REDIRECT_SCHEME`: the library manifest's `${checkoutRedirectScheme}`. */
    private fun redirectScheme(context: Context): String? = try {
        context.packageManager.getApplicationInfo(context.packageName, PackageManager.GET_META_DATA)
            .metaData?.getString(REDIRECT_SCHEME_KEY)?.takeIf { it.isNotBlank() }
    } catch (_: PackageManager.NameNotFoundException) {
        null
    }

    private const val STORE_DIR = "io.checkoutbridge"

    /** The application meta-data the library's manifest fills from the placeholder. */
    const val REDIRECT_SCHEME_KEY = "io.checkoutbridge.android.REDIRECT_SCHEME"
}
