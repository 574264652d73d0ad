// JVM tests of android/src/main/kotlin/io/checkoutbridge/android/ReturnLogic.kt (the part of the
// Android layer that does not touch Android APIs). Run by scripts/platform-check.sh with the
// JVM-flavoured bindings, the real library and, for the round trip, the stripe-emulator binary
// (-Dcheckoutbridge.emulator=PATH). A plain main() so they need no test framework; prints
// PASS/FAIL lines and `android-jvm: N passed, M failed`.
package io.checkoutbridge.android.jvmtest

import io.checkoutbridge.CheckoutClient
import io.checkoutbridge.CheckoutFlow
import io.checkoutbridge.ClientConfig
import io.checkoutbridge.Credential
import io.checkoutbridge.PaymentOutcome
import io.checkoutbridge.SimpleCheckout
import io.checkoutbridge.android.ReturnAction
import io.checkoutbridge.android.ReturnLinkMatcher
import io.checkoutbridge.android.ReturnTracker
import io.checkoutbridge.android.perform
import io.checkoutbridge.android.resolveAllPending
import io.checkoutbridge.openFileStore
import io.checkoutbridge.simpleCheckoutParams
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import kotlin.system.exitProcess
import kotlinx.coroutines.runBlocking

private var passed = 0
private var failed = 0

private fun test(name: String, body: () -> Unit) {
    try {
        body()
        passed++
        println("PASS $name")
    } catch (e: Throwable) {
        failed++
        println("FAIL $name: $e")
    }
}

private fun <T> eq(expected: T, actual: T, what: String = "") {
    check(expected == actual) { "$what expected <$expected>, got <$actual>" }
}

fun main() {
    val app = ReturnLinkMatcher("myapp://checkout")
    val web = ReturnLinkMatcher("https://shop.example/checkout/")

    test("matcher accepts success and cancel links under a custom-scheme base") {
        val ok = "myapp://checkout/success?session_id=cs_test_1&state=abc"
        eq(ok, app.extract(ok))
        eq("myapp://checkout/cancel?state=abc", app.extract("myapp://checkout/cancel?state=abc"))
        // Scheme and host compare case-insensitively, as Android's Uri matching does; the
        // link is handed on unchanged.
        eq("MyApp://CHECKOUT/success?state=x", app.extract("MyApp://CHECKOUT/success?state=x"))
    }

    test("matcher leaves the app's other links alone") {
        for (other in listOf(
            null, "", "myapp://checkout", "myapp://checkout/", "myapp://checkout?state=x",
            "myapp://settings/success?state=x", "myapp://checkoutx/success?state=x",
            "otherapp://checkout/success?state=x", "myapp:/checkout/success", "checkout/success",
            "myapp://checkout/success?state=" + "a".repeat(2100), "://checkout/success",
        )) eq(null, app.extract(other), "for $other:")
    }

    test("matcher with an https App Link base") {
        eq("https://shop.example/checkout/success?state=s", web.extract("https://shop.example/checkout/success?state=s"))
        for (other in listOf(
            "http://shop.example/checkout/success?state=s", "https://shop.example/checkoutx/success",
            "https://shop.example.evil.test/checkout/success", "https://evil.test/shop.example/checkout/success",
            "https://shop.example:8443/checkout/success", "https://user@shop.example/checkout/success",
            "https://shop.example/other/checkout/success",
        )) eq(null, web.extract(other), "for $other:")
    }

    test("matcher refuses a malformed base") {
        for (bad in listOf("checkout", "myapp:checkout", "myapp://checkout?x=1", "1app://checkout")) {
            check(runCatching { ReturnLinkMatcher(bad) }.isFailure) { "accepted base $bad" }
        }
    }

    test("tracker: link while away is handled, the following resume does nothing") {
        val t = ReturnTracker(app)
        t.onLaunched("cs_1")
        t.onPaused()
        eq(ReturnAction.HandleLink("myapp://checkout/success?state=s"), t.onLink("myapp://checkout/success?state=s"))
        eq(ReturnAction.None, t.onResumed())
        eq(ReturnTracker.Phase.IDLE, t.phase)
    }

    test("tracker: resumed without a link resolves the pending checkout once") {
        val t = ReturnTracker(app)
        t.onLaunched("cs_2")
        t.onPaused()
        eq(ReturnAction.ResolvePending("cs_2"), t.onResumed())
        eq(ReturnAction.None, t.onResumed(), "second resume:")
    }

    test("tracker: a resume before the browser covered the activity does nothing") {
        val t = ReturnTracker(app)
        eq(ReturnAction.None, t.onResumed(), "idle:")
        t.onLaunched("cs_3")
        eq(ReturnAction.None, t.onResumed(), "launched, never paused:")
        eq(ReturnTracker.Phase.LAUNCHED, t.phase)
        t.onPaused()
        eq(ReturnAction.ResolvePending("cs_3"), t.onResumed())
    }

    test("tracker: a foreign link or an intent without data does not count as the return") {
        val t = ReturnTracker(app)
        t.onLaunched("cs_4")
        t.onPaused()
        eq(ReturnAction.None, t.onLink("myapp://settings/open"))
        eq(ReturnAction.None, t.onLink(null))
        eq(ReturnAction.ResolvePending("cs_4"), t.onResumed())
    }

    test("tracker: a link with no checkout in progress (after process death) is still handled") {
        val t = ReturnTracker(app)
        eq(ReturnAction.HandleLink("myapp://checkout/cancel?state=z"), t.onLink("myapp://checkout/cancel?state=z"))
    }

    test("tracker: snapshot and restore survive activity recreation") {
        val t = ReturnTracker(app)
        t.onLaunched("cs_5")
        t.onPaused()
        val saved = t.snapshot()
        val u = ReturnTracker(app)
        u.restore(saved)
        eq(ReturnTracker.Phase.AWAY, u.phase)
        eq(ReturnAction.ResolvePending("cs_5"), u.onResumed())
        for (junk in listOf(null, "", "AWAY:", "NOPE:cs_1", "IDLE:cs_1", "AWAY")) {
            u.restore(junk)
            eq(ReturnTracker.Phase.IDLE, u.phase, "restore($junk):")
        }
    }

    val emulatorPath = System.getProperty("checkoutbridge.emulator")
    if (emulatorPath == null) {
        println("SKIP round trip: -Dcheckoutbridge.emulator not set")
    } else {
        roundTrip(emulatorPath, app)
    }

    println("android-jvm: $passed passed, $failed failed")
    exitProcess(if (failed == 0) 0 else 1)
}

/** The tracker and perform() against the real library and the emulator. */
private fun roundTrip(emulatorPath: String, matcher: ReturnLinkMatcher) {
    val process = ProcessBuilder(emulatorPath, "--port", "0", "--exit-on-stdin-eof")
        .redirectError(ProcessBuilder.Redirect.INHERIT).start()
    try {
        val line = process.inputStream.bufferedReader().readLine() ?: error("emulator exited")
        val base = line.removePrefix("stripe-emulator listening on ").trim()
        val http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()
        val client = CheckoutClient(ClientConfig(baseUrl = base, credential = Credential.secretKey("sk_test_AndroidLayer42"), maxRetries = 0))
        val dir = Files.createTempDirectory("checkout-android-jvm")
        val flow = CheckoutFlow(client, "myapp://checkout", openFileStore(dir.toString()))
        val params = simpleCheckoutParams(SimpleCheckout(amount = 1999, currency = "usd", name = "T-shirt"))

        test("round trip: tab closed without a link -> resolvePending says OPEN, later PAID") {
            runBlocking {
                val t = ReturnTracker(matcher)
                val pending = flow.start(params)
                t.onLaunched(pending.sessionId)
                t.onPaused()
                val action = t.onResumed()
                eq(ReturnAction.ResolvePending(pending.sessionId), action)
                eq(PaymentOutcome.OPEN, flow.perform(action)?.outcome)
                // The customer paid in the tab after all; the next app start finds out.
                val r = http.send(
                    HttpRequest.newBuilder(URI.create("$base/_emulator/sessions/${pending.sessionId}/complete"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("""{"paid":true}""")).build(),
                    HttpResponse.BodyHandlers.ofString(),
                )
                check(r.statusCode() in 200..299) { "complete -> ${r.statusCode()} ${r.body()}" }
                val all = flow.resolveAllPending()
                eq(1, all.size, "pending entries:")
                eq(PaymentOutcome.PAID, all[0].second.getOrThrow().outcome)
            }
        }

        test("round trip: Pay on the hosted page -> link -> HandleLink -> PAID") {
            runBlocking {
                val t = ReturnTracker(matcher)
                val pending = flow.start(params)
                t.onLaunched(pending.sessionId)
                t.onPaused()
                val link = clickOnHostedPage(http, pending.url, "Pay")
                val action = t.onLink(link)
                eq(ReturnAction.HandleLink(link), action)
                val result = flow.perform(action) ?: error("no result")
                eq(PaymentOutcome.PAID, result.outcome)
                eq(pending.sessionId, result.session.id)
                eq(ReturnAction.None, t.onResumed())
            }
        }

        test("round trip: Cancel on the hosted page -> CANCELED") {
            runBlocking {
                val t = ReturnTracker(matcher)
                val pending = flow.start(params)
                t.onLaunched(pending.sessionId)
                t.onPaused()
                val link = clickOnHostedPage(http, pending.url, "Cancel")
                eq(PaymentOutcome.CANCELED, flow.perform(t.onLink(link))?.outcome)
            }
        }
        dir.toFile().deleteRecursively()
    } finally {
        process.destroy()
    }
}

/** GET the hosted page, POST the form whose button says [button], return the redirect target. */
private fun clickOnHostedPage(http: HttpClient, url: String, button: String): String {
    val page = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString())
    val action = Regex("""<form method="post" action="([^"]+)">\s*<button[^>]*>([^<]*)</button>""")
        .findAll(page.body()).firstOrNull { it.groupValues[2].trim() == button }?.groupValues?.get(1)
        ?: error("no \"$button\" form on the hosted page")
    val post = http.send(
        HttpRequest.newBuilder(URI.create(url).resolve(action))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("")).build(),
        HttpResponse.BodyHandlers.ofString(),
    )
    check(post.statusCode() == 303) { "POST $action -> ${post.statusCode()}" }
    return post.headers().firstValue("location").orElseThrow()
}
