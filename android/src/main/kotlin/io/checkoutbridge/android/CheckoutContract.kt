// The activity-result API for a whole checkout. Compiled against the real Android framework and
// androidx.activity's published signatures (android/test-support/) by scripts/android-check.sh;
// the request and result encodings it uses are tested on the JVM.
package io.checkoutbridge.android

import android.content.Context
import android.content.Intent
import androidx.activity.ComponentActivity
import androidx.activity.result.ActivityResultLauncher
import androidx.activity.result.contract.ActivityResultContract
import androidx.lifecycle.DefaultLifecycleObserver
import androidx.lifecycle.LifecycleOwner
import io.checkoutbridge.CreateSessionParams
import io.checkoutbridge.SimpleCheckout
import java.util.UUID

/**
 * Starts a checkout in the library's own activity ([CheckoutManagementActivity]: creates the
 * session, opens the page in Auth Tab, a Custom Tab or the browser, waits for the customer) and
 * returns Stripe's verdict, verified by the library, as the activity result:
 *
 * ```kotlin
 * private val checkout = registerForActivityResult(CheckoutContract()) { result -> show(result) }
 * fun pay() = checkout.launch(SimpleCheckout(amount = 1999, currency = "usd", name = "T-shirt"))
 * ```
 *
 * The activity-result API delivers the result once, to the current instance of the launching
 * activity, across its rotation and the process being killed while the browser was open.
 * [registerForCheckoutResult] does the same and also reports checkouts from an earlier process.
 */
class CheckoutContract : ActivityResultContract<CheckoutRequest, CheckoutResult>() {
    override fun createIntent(context: Context, input: CheckoutRequest): Intent =
        Intent(context, CheckoutManagementActivity::class.java)
            .putExtra(EXTRA_REQUEST, input.encode())
            .putExtra(EXTRA_KEY, UUID.randomUUID().toString())

    override fun parseResult(resultCode: Int, intent: Intent?): CheckoutResult =
        CheckoutResult.decode(intent?.getByteArrayExtra(EXTRA_RESULT))

    internal companion object {
        const val EXTRA_REQUEST = "io.checkoutbridge.android.REQUEST"
        const val EXTRA_KEY = "io.checkoutbridge.android.KEY"
        const val EXTRA_RESULT = "io.checkoutbridge.android.RESULT"
    }
}

/** Launches a single-item checkout (amount in minor units). */
fun ActivityResultLauncher<CheckoutRequest>.launch(simple: SimpleCheckout) = launch(CheckoutRequest(simple))

/** Launches a checkout with full session parameters. */
fun ActivityResultLauncher<CheckoutRequest>.launch(params: CreateSessionParams) = launch(CheckoutRequest(params))

/**
 * [CheckoutContract] registered for this activity, plus [CheckoutBridge.onRecovered] while it is
 * started: [onResult] gets each launched checkout's verdict, and also verdicts no screen waited
 * for (a checkout left pending when the process was killed, a link that came back late). Call
 * it where `registerForActivityResult` may be called: as a property initializer or in `onCreate`.
 */
fun ComponentActivity.registerForCheckoutResult(onResult: (CheckoutResult) -> Unit): ActivityResultLauncher<CheckoutRequest> {
    val launcher = registerForActivityResult(CheckoutContract()) { onResult(it) }
    lifecycle.addObserver(object : DefaultLifecycleObserver {
        // Bound through the activity: its process may not be the one the provider ran in.
        override fun onStart(owner: LifecycleOwner) = CheckoutBridge.runtime(this@registerForCheckoutResult).onRecovered(onResult)

        override fun onStop(owner: LifecycleOwner) = CheckoutBridge.runtime(this@registerForCheckoutResult).clearRecovered(onResult)
    })
    return launcher
}
