// The emulator the Kotlin tests run against: one stripe-emulator process per test JVM, its hosted
// page and /_emulator/ control endpoints over HTTP, and the fixtures every test uses.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutClient
import io.checkoutbridge.ClientConfig
import io.checkoutbridge.Credential
import io.checkoutbridge.SimpleCheckout
import io.checkoutbridge.simpleCheckoutParams
import org.junit.jupiter.api.AfterEach
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.concurrent.TimeUnit

/** The test key every client uses; error messages must never contain it. */
const val TEST_KEY = "sk_test_KotlinSuiteSecret4242"

/**
 * The emulator process. Started lazily on first use with `--exit-on-stdin-eof`, so it exits
 * when this JVM does (its stdin is a pipe held by this process), even after a crash.
 */
object Emulator {
    private val process: Process
    val baseUrl: String

    init {
        val path = System.getProperty("checkoutbridge.emulator")
            ?: System.getenv("STRIPE_EMULATOR")
            ?: error("set -Dcheckoutbridge.emulator=PATH (or STRIPE_EMULATOR) to the stripe-emulator binary")
        require(File(path).canExecute()) { "stripe-emulator not found or not executable at $path" }
        process = ProcessBuilder(path, "--port", "0", "--exit-on-stdin-eof")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start()
        val out = process.inputStream.bufferedReader()
        val first = out.readLine() ?: error("stripe-emulator exited before announcing its address")
        val prefix = "stripe-emulator listening on "
        require(first.startsWith(prefix)) { "unexpected first line from stripe-emulator: $first" }
        baseUrl = first.removePrefix(prefix).trim()
        // Keep draining stdout so the emulator can never block on a full pipe.
        Thread({ out.forEachLine { } }, "emulator-stdout").apply { isDaemon = true }.start()
        Runtime.getRuntime().addShutdownHook(Thread {
            process.destroy()
            process.waitFor(2, TimeUnit.SECONDS)
        })
    }

    val http: HttpClient = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(5))
        .build()

    fun send(method: String, path: String, json: String? = null): HttpResponse<String> {
        val b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
        if (json != null) b.header("Content-Type", "application/json")
        b.method(method, if (json != null) HttpRequest.BodyPublishers.ofString(json) else HttpRequest.BodyPublishers.noBody())
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString())
    }

    /** A control call under /_emulator/ that must succeed; returns the response body. */
    fun control(method: String, path: String, json: String? = null): String {
        val r = send(method, "/_emulator/$path", json)
        check(r.statusCode() in 200..299) { "$method /_emulator/$path -> ${r.statusCode()}: ${r.body()}" }
        return r.body()
    }

    fun fault(json: String) { control("POST", "faults", json) }
    fun clearFaults() { control("DELETE", "faults") }
    fun complete(id: String, paid: Boolean = true) { control("POST", "sessions/$id/complete", """{"paid":$paid}""") }
    fun expire(id: String) { control("POST", "sessions/$id/expire", "{}") }
    fun tamper(id: String, json: String) { control("POST", "sessions/$id/tamper", json) }

    /** Number of /v1/ requests the emulator has logged so far. */
    fun requestCount(): Int = Regex("\"method\"").findAll(control("GET", "requests")).count()

    /**
     * Acts like the user on the hosted page: GET the session's page, find the form whose button
     * says [button] ("Pay", "Pay later", "Cancel"), POST it, and return the redirect's Location.
     */
    fun clickOnHostedPage(sessionUrl: String, button: String): String {
        val page = http.send(HttpRequest.newBuilder(URI.create(sessionUrl)).GET().build(), HttpResponse.BodyHandlers.ofString())
        check(page.statusCode() == 200) { "hosted page ${page.statusCode()}: ${page.body()}" }
        val forms = Regex("""<form method="post" action="([^"]+)">\s*<button[^>]*>([^<]*)</button>""")
            .findAll(page.body()).associate { it.groupValues[2].trim() to it.groupValues[1] }
        val action = forms[button] ?: error("no \"$button\" form on the hosted page; forms: ${forms.keys}")
        val post = http.send(
            HttpRequest.newBuilder(URI.create(sessionUrl).resolve(action))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(""))
                .build(),
            HttpResponse.BodyHandlers.ofString(),
        )
        check(post.statusCode() == 303) { "POST $action -> ${post.statusCode()}: ${post.body()}" }
        return post.headers().firstValue("location").orElseThrow { IllegalStateException("303 without Location") }
    }
}

fun newClient(
    baseUrl: String = Emulator.baseUrl,
    key: String = TEST_KEY,
    timeoutMs: Long = 10_000L,
    maxRetries: Int = 0,
): CheckoutClient = clientFor(
    ClientConfig(baseUrl = baseUrl, credential = Credential.secretKey(key), timeoutMs = timeoutMs, maxRetries = maxRetries),
)

/** One T-shirt for 19.99 USD; return URLs only when given (CheckoutFlow builds its own). */
fun tshirt(successUrl: String? = null, cancelUrl: String? = null, amount: Long = 1999) = simpleCheckoutParams(
    SimpleCheckout(
        amount = amount, currency = "usd", name = "T-shirt", description = "Kotlin test",
        successUrl = successUrl, cancelUrl = cancelUrl, customerEmail = "kotlin@example.com",
    ),
)

const val SHOP_SUCCESS = "https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}"
const val SHOP_CANCEL = "https://shop.example/cancel"

/**
 * Base of the test classes that talk to the emulator: a test that left faults queued must not
 * break the next one.
 */
abstract class EmulatorTest {
    @AfterEach
    fun clearEmulatorFaults() {
        runCatching { Emulator.clearFaults() }
    }
}
