// The sample's Application: where checkout-bridge is configured (once per process).
package com.example.shop

import android.app.Application
import io.checkoutbridge.ClientConfig
import io.checkoutbridge.Credential
import io.checkoutbridge.android.CheckoutBridge

/**
 * Debug builds talk to the Stripe emulator on the development machine
 * (`stripe-emulator --port 12111`, then `adb reverse tcp:12111 tcp:12111`, so that the
 * emulator's hosted page at http://127.0.0.1:12111 opens on the device too) with a test key;
 * release builds to your backend (`server/`) with the signed-in user's token.
 */
class ShopApp : Application() {
    override fun onCreate() {
        super.onCreate()
        if (BACKEND == null) {
            CheckoutBridge.configure {
                ClientConfig(baseUrl = EMULATOR, credential = Credential.secretKey("sk_test_sample"))
            }
        } else {
            CheckoutBridge.configureBackend(BACKEND) { signedInUserToken() }
        }
    }

    /** Your app's session token for the backend (a placeholder here). */
    private fun signedInUserToken(): String = "token-of-the-signed-in-user"

    private companion object {
        const val EMULATOR = "http://127.0.0.1:12111"

        /** Your backend's URL (server/), or null for the emulator. */
        val BACKEND: String? = null
    }
}
