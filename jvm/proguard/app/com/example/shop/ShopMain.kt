// An app-like entry point for the shrinking check (jvm/proguard): what an Android app's code does
// with the library, on the desktop JVM, in an app package that ProGuard obfuscates like an app's.
// One checkout through the platform layer's round trip (CheckoutRuntime, CheckoutRoundTrip), the
// customer pays on the emulator's hosted page, the library verifies. Prints `round trip: OUTCOME`.
package com.example.shop

import io.checkoutbridge.ClientConfig
import io.checkoutbridge.Credential
import io.checkoutbridge.SimpleCheckout
import io.checkoutbridge.android.CheckoutRequest
import io.checkoutbridge.android.CheckoutResult
import io.checkoutbridge.android.CheckoutRoundTrip
import io.checkoutbridge.android.CheckoutRuntime
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import kotlin.coroutines.ContinuationInterceptor
import kotlin.system.exitProcess

/** `ShopMain EMULATOR_URL STORE_DIR`. */
fun main(args: Array<String>) {
    val (emulator, storeDir) = args
    val result = runBlocking {
        val main = coroutineContext[ContinuationInterceptor] as CoroutineDispatcher
        val runtime = CheckoutRuntime(storeDir, "shop://checkout", main)
        runtime.warmUp()
        runtime.configure {
            ClientConfig(baseUrl = emulator, credential = Credential.secretKey("sk_test_shrunk_app"), timeoutMs = 10_000, maxRetries = 0)
        }
        val opened = CompletableDeferred<String>()
        val done = CompletableDeferred<CheckoutResult?>()
        val trip = CheckoutRoundTrip(runtime, object : CheckoutRoundTrip.Host {
            override fun openPage(url: String) = opened.complete(url)
            override fun complete(result: CheckoutResult?) {
                done.complete(result)
            }
        }, CoroutineScope(coroutineContext))
        trip.onCreate(null, "launch-1", CheckoutRequest(SimpleCheckout(amount = 1999, currency = "usd", name = "T-shirt")), null)
        trip.onResume()
        val page = withTimeout(30_000) { opened.await() }
        trip.onPause()
        trip.onLink(withContext(Dispatchers.IO) { pay(page) })
        trip.onResume()
        withTimeout(30_000) { done.await() }.also { runtime.close() }
    }
    if (result is CheckoutResult.Verified) {
        println("round trip: ${result.payment.outcome} ${result.payment.session.id}")
        exitProcess(0)
    }
    println("round trip: $result")
    exitProcess(1)
}

/** The customer on the hosted page: submits its Pay form and returns the redirect (the return link). */
private fun pay(page: String): String {
    val http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()
    val html = http.send(HttpRequest.newBuilder(URI.create(page)).build(), HttpResponse.BodyHandlers.ofString()).body()
    val action = Regex("""<form method="post" action="([^"]+)">\s*<button[^>]*>\s*Pay\s*</button>""").find(html)?.groupValues?.get(1)
        ?: error("no Pay form on $page")
    val post = HttpRequest.newBuilder(URI.create(page).resolve(action))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(""))
        .build()
    return http.send(post, HttpResponse.BodyHandlers.discarding()).headers().firstValue("location").orElseThrow()
}
