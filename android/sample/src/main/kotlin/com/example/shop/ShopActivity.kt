// The sample's one screen: a Pay button and the verdict, through registerForCheckoutResult. The
// sample has no Application subclass: the screen configures the layer, as README.md shows.
package com.example.shop

import android.os.Bundle
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView
import androidx.activity.ComponentActivity
import io.checkoutbridge.ClientConfig
import io.checkoutbridge.Credential
import io.checkoutbridge.PaymentOutcome
import io.checkoutbridge.SimpleCheckout
import io.checkoutbridge.android.CheckoutBridge
import io.checkoutbridge.android.CheckoutResult
import io.checkoutbridge.android.launch
import io.checkoutbridge.android.registerForCheckoutResult

/**
 * Buys one T-shirt (19.99 USD) and shows what Stripe says about it.
 *
 * Debug builds talk to the Stripe emulator on the development machine
 * (`stripe-emulator --port 12111`, then `adb reverse tcp:12111 tcp:12111`, so that the
 * emulator's hosted page at http://127.0.0.1:12111 opens on the device too) with a test key;
 * release builds to your backend (`server/`) with the signed-in user's token.
 */
class ShopActivity : ComponentActivity() {
    private lateinit var status: TextView

    private val checkout = registerForCheckoutResult { result -> show(result) }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        // Before anything else of the screen: after the process was killed with the browser open,
        // Android recreates this activity beneath the library's, which waits for this call. The
        // lambdas are kept process-wide: they read app-wide state, never this activity.
        if (BACKEND == null) {
            CheckoutBridge.configure { ClientConfig(baseUrl = EMULATOR, credential = Credential.secretKey("sk_test_sample")) }
        } else {
            CheckoutBridge.configureBackend(BACKEND) { signedInUserToken() }
        }
        status = TextView(this).apply { text = "One T-shirt, 19.99 USD" }
        val pay = Button(this).apply {
            text = "Pay"
            setOnClickListener { checkout.launch(SimpleCheckout(amount = 1999, currency = "usd", name = "T-shirt")) }
        }
        setContentView(LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            addView(status)
            addView(pay)
        })
    }

    private fun show(result: CheckoutResult) {
        status.text = when (result) {
            is CheckoutResult.Verified -> when (result.payment.outcome) {
                PaymentOutcome.PAID -> "Paid: ${result.payment.session.id}"
                PaymentOutcome.PROCESSING -> "Payment processing"
                PaymentOutcome.CANCELED, PaymentOutcome.EXPIRED, PaymentOutcome.OPEN -> "Not paid"
            }
            is CheckoutResult.Failed -> "Could not check out: ${result.error.message}" // toString() is a call into Rust
            CheckoutResult.NoBrowser -> "No browser installed"
            CheckoutResult.Canceled -> "Canceled"
        }
    }

    private companion object {
        const val EMULATOR = "http://127.0.0.1:12111"

        /** Your backend's URL (server/), or null for the emulator. */
        val BACKEND: String? = null

        /** Your app's session token for the backend (a placeholder here). */
        fun signedInUserToken(): String = "token-of-the-signed-in-user"
    }
}
