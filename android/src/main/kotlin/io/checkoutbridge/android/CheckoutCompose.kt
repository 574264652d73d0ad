// The Compose form of CheckoutContract. Compiled here against the published signature of
// rememberLauncherForActivityResult (android/test-support/); the Gradle module compiles it with
// the Compose compiler plugin against androidx.activity:activity-compose (compileOnly: apps
// without Compose never load this class).
package io.checkoutbridge.android

import androidx.activity.compose.ManagedActivityResultLauncher
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.compose.runtime.Composable

/**
 * A launcher for [CheckoutContract] remembered in the composition:
 *
 * ```kotlin
 * val checkout = rememberCheckoutLauncher { result -> verdict = result }
 * Button(onClick = { checkout.launch(SimpleCheckout(amount = 1999, currency = "usd", name = "T-shirt")) }) { Text("Pay") }
 * ```
 */
@Composable
fun rememberCheckoutLauncher(onResult: (CheckoutResult) -> Unit): ManagedActivityResultLauncher<CheckoutRequest, CheckoutResult> =
    rememberLauncherForActivityResult(CheckoutContract(), onResult)
