// The Kotlin benchmark on JMH (scripts/kotlin-bench.sh; jvm/bench/pom.xml), against one
// stripe-emulator process whose URL is -Dcheckoutbridge.emulatorUrl:
//   libraryPair   create + retrieve through CheckoutClient (the generated suspend functions) over
//                 the built-in reqwest transport
//   libraryOkHttpPair  the same through CheckoutClient.withTransport(…, OkHttpTransport(…)): the
//                 library's requests sent by OkHttp (kotlin-okhttp/)
//   okHttpPair    the same two requests with OkHttp, what Android apps use
//   jdkPair       the same two requests with the JDK's java.net.http.HttpClient
//   parseReturnUrl  one synchronous crossing (criterion gives the Rust side:
//                 `cargo bench --bench wire -- parse_return_url/exported_fn`)
// Request bodies, headers and parsing mirror benches/overhead.rs, which does the library and a
// bare reqwest client from Rust against the same emulator process (the Kotlin ÷ Rust ratio).
package io.checkoutbridge.bench

import io.checkoutbridge.CheckoutClient
import io.checkoutbridge.ClientConfig
import io.checkoutbridge.Credential
import io.checkoutbridge.ReturnEvent
import io.checkoutbridge.SimpleCheckout
import io.checkoutbridge.okhttp.OkHttpTransport
import io.checkoutbridge.parseReturnUrl
import io.checkoutbridge.simpleCheckoutParams
import kotlinx.coroutines.runBlocking
import okhttp3.FormBody
import okhttp3.OkHttpClient
import okhttp3.Request
import org.openjdk.jmh.annotations.Benchmark
import org.openjdk.jmh.annotations.BenchmarkMode
import org.openjdk.jmh.annotations.Fork
import org.openjdk.jmh.annotations.Level
import org.openjdk.jmh.annotations.Measurement
import org.openjdk.jmh.annotations.Mode
import org.openjdk.jmh.annotations.OutputTimeUnit
import org.openjdk.jmh.annotations.Param
import org.openjdk.jmh.annotations.Scope
import org.openjdk.jmh.annotations.Setup
import org.openjdk.jmh.annotations.State
import org.openjdk.jmh.annotations.TearDown
import org.openjdk.jmh.annotations.Warmup
import java.net.URI
import java.net.URLEncoder
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.UUID
import java.util.concurrent.TimeUnit

const val KEY = "sk_test_bench"
const val STRIPE_VERSION = "2026-07-29.dahlia"
const val SUCCESS = "myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}"
const val CANCEL = "myapp://checkout/cancel"
const val LINK = "myapp://checkout/success?session_id=" +
    "cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY&state=0123456789abcdef0123456789abcdef"

/** The form body both hand-written clients send: what the library encodes for [LibraryState.params]. */
val FORM: List<Pair<String, String>> = listOf(
    "mode" to "payment",
    "line_items[0][price_data][currency]" to "usd",
    "line_items[0][price_data][unit_amount]" to "1999",
    "line_items[0][price_data][product_data][name]" to "Bench T-shirt",
    "line_items[0][price_data][product_data][description]" to "Same body for both clients",
    "line_items[0][quantity]" to "1",
    "success_url" to SUCCESS,
    "cancel_url" to CANCEL,
)

private val idRegex = Regex("\"id\"\\s*:\\s*\"([^\"]+)\"")

/** The session ID in a 200 response body (a regex, as cheap as a JSON parser gets). */
fun sessionId(status: Int, body: String): String {
    check(status == 200) { "HTTP $status: $body" }
    return idRegex.find(body)?.groupValues?.get(1) ?: error("no id in $body")
}

fun emulatorUrl(): String = System.getProperty("checkoutbridge.emulatorUrl")
    ?: error("set -Dcheckoutbridge.emulatorUrl to a running stripe-emulator (scripts/kotlin-bench.sh does)")

@State(Scope.Benchmark)
open class LibraryState {
    lateinit var client: CheckoutClient
    val params = benchParams()

    @Setup(Level.Trial)
    fun setUp() {
        client = CheckoutClient(ClientConfig(baseUrl = emulatorUrl(), credential = Credential.secretKey(KEY)))
    }
}

/** The library over the OkHttp transport, on one OkHttpClient as an app has. */
@State(Scope.Benchmark)
open class LibraryOkHttpState {
    lateinit var http: OkHttpClient
    lateinit var client: CheckoutClient
    val params = benchParams()

    @Setup(Level.Trial)
    fun setUp() {
        http = OkHttpClient()
        client = CheckoutClient.withTransport(
            ClientConfig(baseUrl = emulatorUrl(), credential = Credential.secretKey(KEY)),
            OkHttpTransport(http),
        )
    }

    @TearDown(Level.Trial)
    fun tearDown() {
        http.dispatcher.executorService.shutdown()
        http.connectionPool.evictAll()
    }
}

fun benchParams() = simpleCheckoutParams(
    SimpleCheckout(
        amount = 1999, currency = "usd", name = "Bench T-shirt", description = "Same body for both clients",
        successUrl = SUCCESS, cancelUrl = CANCEL, customerEmail = null,
    ),
)

@State(Scope.Benchmark)
open class OkHttpState {
    lateinit var http: OkHttpClient
    lateinit var base: String
    val form: FormBody = FORM.fold(FormBody.Builder()) { b, (k, v) -> b.add(k, v) }.build()

    @Setup(Level.Trial)
    fun setUp() {
        base = emulatorUrl()
        http = OkHttpClient.Builder().followRedirects(false).build()
    }

    @TearDown(Level.Trial)
    fun tearDown() {
        http.dispatcher.executorService.shutdown()
        http.connectionPool.evictAll()
    }
}

@State(Scope.Benchmark)
open class JdkState {
    lateinit var http: HttpClient
    lateinit var base: String
    val form: String = FORM.joinToString("&") { (k, v) ->
        URLEncoder.encode(k, Charsets.UTF_8) + "=" + URLEncoder.encode(v, Charsets.UTF_8)
    }

    @Setup(Level.Trial)
    fun setUp() {
        base = emulatorUrl()
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build()
    }
}

@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(3, jvmArgsAppend = ["-Xss4m"])
open class CheckoutBench {
    @Benchmark
    fun libraryPair(s: LibraryState): String = runBlocking {
        val created = s.client.createSession(s.params)
        val got = s.client.retrieveSession(created.id)
        check(got.id == created.id)
        got.id
    }

    @Benchmark
    fun libraryOkHttpPair(s: LibraryOkHttpState): String = runBlocking {
        val created = s.client.createSession(s.params)
        val got = s.client.retrieveSession(created.id)
        check(got.id == created.id)
        got.id
    }

    @Benchmark
    fun okHttpPair(s: OkHttpState): String {
        val create = Request.Builder().url("${s.base}/v1/checkout/sessions")
            .header("Authorization", "Bearer $KEY")
            .header("Stripe-Version", STRIPE_VERSION)
            .header("Idempotency-Key", UUID.randomUUID().toString())
            .post(s.form)
            .build()
        val created = s.http.newCall(create).execute().use { sessionId(it.code, it.body.string()) }
        val get = Request.Builder().url("${s.base}/v1/checkout/sessions/$created")
            .header("Authorization", "Bearer $KEY")
            .header("Stripe-Version", STRIPE_VERSION)
            .build()
        val got = s.http.newCall(get).execute().use { sessionId(it.code, it.body.string()) }
        check(got == created)
        return got
    }

    @Benchmark
    fun jdkPair(s: JdkState): String {
        val create = HttpRequest.newBuilder(URI.create("${s.base}/v1/checkout/sessions"))
            .header("Authorization", "Bearer $KEY")
            .header("Stripe-Version", STRIPE_VERSION)
            .header("Idempotency-Key", UUID.randomUUID().toString())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(s.form))
            .build()
        val created = s.http.send(create, HttpResponse.BodyHandlers.ofString()).let { sessionId(it.statusCode(), it.body()) }
        val get = HttpRequest.newBuilder(URI.create("${s.base}/v1/checkout/sessions/$created"))
            .header("Authorization", "Bearer $KEY")
            .header("Stripe-Version", STRIPE_VERSION)
            .GET()
            .build()
        val got = s.http.send(get, HttpResponse.BodyHandlers.ofString()).let { sessionId(it.statusCode(), it.body()) }
        check(got == created)
        return got
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    fun parseReturnUrl(): ReturnEvent = parseReturnUrl(LINK, "myapp://checkout")
}
