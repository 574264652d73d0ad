// The sample's one screen: a Pay button and the verdict, through registerForCheckoutResult.
package com.example.shop

import android.os.Bundle
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView
import androidx.activity.ComponentActivity
import io.checkoutbridge.PaymentOutcome
import io.checkoutbridge.SimpleCheckout
import io.checkoutbridge.android.CheckoutResult
import io.checkoutbridge.android.launch
import io.checkoutbridge.android.registerForCheckoutResult

/** Buys one T-shirt (19.99 USD) and shows what Stripe says about it. */
class ShopActivity : ComponentActivity() {
    private lateinit var status: TextView

    private val checkout = registerForCheckoutResult { result -> show(result) }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
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
            is CheckoutResult.Failed -> "Could not check out: ${result.error}"
            CheckoutResult.NoBrowser -> "No browser installed"
            CheckoutResult.Canceled -> "Canceled"
        }
    }
}
