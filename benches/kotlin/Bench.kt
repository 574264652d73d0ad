// Kotlin-side benchmark, one JVM against one emulator (scripts/kotlin-bench.sh):
//   (a) parseReturnUrl called from Kotlin, ns per call (criterion gives the Rust-side figure:
//       `cargo bench --bench wire -- parse_return_url/exported_fn`);
//   (b) create + retrieve through the library from Kotlin, µs per pair (compare with
//       `cargo bench --bench overhead`, which does the same from Rust);
//   (c) the same two requests built by hand with the JDK's java.net.http.HttpClient.
// After warm-up, rounds interleave the three (alternating which HTTP side goes first); figures
// are medians over rounds. Parameters mirror benches/overhead.rs and benches/wire.rs.
// It also reports CPU time per pair on the calling thread and on the library's I/O thread
// (ThreadMXBean), which shows where the Kotlin-only cost sits.
package io.checkoutbridge.bench

import io.checkoutbridge.CheckoutClient
import io.checkoutbridge.ClientConfig
import io.checkoutbridge.Credential
import io.checkoutbridge.ReturnKind
import io.checkoutbridge.SimpleCheckout
import io.checkoutbridge.parseReturnUrl
import io.checkoutbridge.simpleCheckoutParams
import io.checkoutbridge.tests.Emulator
import kotlinx.coroutines.runBlocking
import java.lang.management.ManagementFactory
import java.net.URI
import java.net.URLEncoder
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.UUID
import kotlin.system.exitProcess

const val KEY = "sk_test_bench"
const val STRIPE_VERSION = "2026-07-29.dahlia"
const val SUCCESS = "myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}"
const val CANCEL = "myapp://checkout/cancel"
const val LINK = "myapp://checkout/success?session_id=" +
    "cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY&state=0123456789abcdef0123456789abcdef"

val params = simpleCheckoutParams(
    SimpleCheckout(
        amount = 1999, currency = "usd", name = "Bench T-shirt", description = "Same body for both clients",
        successUrl = SUCCESS, cancelUrl = CANCEL, customerEmail = null,
    ),
)

@Volatile var sink: Any? = null

suspend fun libraryPair(client: CheckoutClient) {
    val s = client.createSession(params)
    val r = client.retrieveSession(s.id)
    check(r.id == s.id)
    sink = r
}

class JdkClient(private val base: String) {
    private val http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build()
    private val idRegex = Regex("\"id\"\\s*:\\s*\"([^\"]+)\"")
    private fun enc(s: String) = URLEncoder.encode(s, Charsets.UTF_8)
    private val form = listOf(
        "mode" to "payment",
        "line_items[0][price_data][currency]" to "usd",
        "line_items[0][price_data][unit_amount]" to "1999",
        "line_items[0][price_data][product_data][name]" to "Bench T-shirt",
        "line_items[0][price_data][product_data][description]" to "Same body for both clients",
        "line_items[0][quantity]" to "1",
        "success_url" to SUCCESS,
        "cancel_url" to CANCEL,
    ).joinToString("&") { (k, v) -> enc(k) + "=" + enc(v) }

    private fun id(resp: HttpResponse<String>): String {
        check(resp.statusCode() == 200) { "HTTP ${resp.statusCode()}: ${resp.body()}" }
        return idRegex.find(resp.body())?.groupValues?.get(1) ?: error("no id in ${resp.body()}")
    }

    fun pair() {
        val create = HttpRequest.newBuilder(URI.create("$base/v1/checkout/sessions"))
            .header("Authorization", "Bearer $KEY")
            .header("Stripe-Version", STRIPE_VERSION)
            .header("Idempotency-Key", UUID.randomUUID().toString())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build()
        val created = id(http.send(create, HttpResponse.BodyHandlers.ofString()))
        val get = HttpRequest.newBuilder(URI.create("$base/v1/checkout/sessions/$created"))
            .header("Authorization", "Bearer $KEY")
            .header("Stripe-Version", STRIPE_VERSION)
            .GET()
            .build()
        val got = id(http.send(get, HttpResponse.BodyHandlers.ofString()))
        check(got == created)
        sink = got
    }
}

fun median(v: List<Double>) = v.sorted()[v.size / 2]

val threads = ManagementFactory.getThreadMXBean()

/** JVM id of the library's I/O thread (attached under this name once the first call woke us). */
fun ioThreadId(): Long? = Thread.getAllStackTraces().keys.firstOrNull { it.name == "checkout-bridge-io" }?.id

/** CPU nanoseconds used so far by thread [id], 0 when unknown. */
fun cpuNs(id: Long?): Long = id?.let { threads.getThreadCpuTime(it).coerceAtLeast(0) } ?: 0

fun main(args: Array<String>) {
    val quick = args.contains("--quick")
    io.checkoutbridge.CheckoutBridgeRuntime.keepCallbackThreadAttached()
    val rounds = if (quick) 3 else 15
    val perRound = if (quick) 20 else 200
    val parsesPerRound = if (quick) 2_000 else 20_000

    val base = Emulator.baseUrl
    val client = CheckoutClient(ClientConfig(baseUrl = base, credential = Credential.secretKey(KEY)))
    val jdk = JdkClient(base)
    check(parseReturnUrl(LINK, "myapp://checkout").kind == ReturnKind.SUCCESS)

    val started = System.nanoTime()
    runBlocking {
        // Warm-up: JIT, connection pools, the emulator's allocator.
        repeat(if (quick) 20 else 300) {
            libraryPair(client)
            jdk.pair()
        }
        repeat(if (quick) 2_000 else 50_000) { sink = parseReturnUrl(LINK, "myapp://checkout") }

        val parseNs = mutableListOf<Double>()
        val libUs = mutableListOf<Double>()
        val jdkUs = mutableListOf<Double>()
        val ratios = mutableListOf<Double>()
        val callerCpuUs = DoubleArray(2)
        var ioCpuUs = 0.0
        val ioThread = ioThreadId() // looked up once, after warm-up: the lookup walks every stack
        for (round in 0 until rounds) {
            var t = System.nanoTime()
            repeat(parsesPerRound) { sink = parseReturnUrl(LINK, "myapp://checkout") }
            parseNs += (System.nanoTime() - t).toDouble() / parsesPerRound

            val perSide = DoubleArray(2)
            for (side in if (round % 2 == 0) listOf(0, 1) else listOf(1, 0)) {
                val cpu = threads.currentThreadCpuTime
                val io = cpuNs(ioThread)
                t = System.nanoTime()
                repeat(perRound) { if (side == 0) libraryPair(client) else jdk.pair() }
                perSide[side] = (System.nanoTime() - t) / 1e3 / perRound
                callerCpuUs[side] += (threads.currentThreadCpuTime - cpu) / 1e3 / perRound / rounds
                if (side == 0) ioCpuUs += (cpuNs(ioThread) - io) / 1e3 / perRound / rounds
            }
            libUs += perSide[0]
            jdkUs += perSide[1]
            ratios += perSide[0] / perSide[1]
        }
        val secs = (System.nanoTime() - started) / 1e9
        println("kotlin bench: $rounds rounds, $perRound pairs and $parsesPerRound parses per round, emulator $base (%.1f s)".format(secs))
        // Read at run time: the constants would be inlined from the JNA jar compiled against.
        val jna = { name: String -> com.sun.jna.Native::class.java.getField(name).apply { isAccessible = true }.get(null) }
        println("JVM ${System.getProperty("java.vm.version")}, JNA ${jna("VERSION")} (native ${jna("VERSION_NATIVE")})")
        println("parseReturnUrl from Kotlin:               %.0f ns per call".format(median(parseNs)))
        println("create+retrieve from Kotlin (library):    %.1f µs per pair".format(median(libUs)))
        println("create+retrieve via JDK HttpClient:       %.1f µs per pair".format(median(jdkUs)))
        println("ratio library/JDK, median of %d rounds:   %.3f".format(rounds, median(ratios)))
        println("CPU per pair, library: calling thread %.1f µs, library I/O thread %.1f µs".format(callerCpuUs[0], ioCpuUs))
        println("CPU per pair, JDK:     calling thread %.1f µs (plus the JDK client's own threads)".format(callerCpuUs[1]))
    }
    exitProcess(0)
}
