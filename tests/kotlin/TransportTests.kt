// The transport seam from Kotlin: what the library hands a transport written in Kotlin (headers,
// one idempotency key across retries, printing without the credential), what it makes of a
// transport's failures, and that cancelling the caller cancels the OkHttp call underneath.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutClient
import io.checkoutbridge.CheckoutException
import io.checkoutbridge.ClientConfig
import io.checkoutbridge.Credential
import io.checkoutbridge.HttpHeader
import io.checkoutbridge.HttpMethod
import io.checkoutbridge.HttpRequest
import io.checkoutbridge.HttpResponse
import io.checkoutbridge.HttpTransport
import io.checkoutbridge.TransportException
import io.checkoutbridge.okhttp.OkHttpTransport
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import okhttp3.Call
import okhttp3.EventListener
import okhttp3.OkHttpClient
import org.junit.jupiter.api.Test
import java.io.IOException
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** A transport in Kotlin that records every request and answers from [answers] in turn. */
private class RecordingTransport(private vararg val answers: (HttpRequest) -> HttpResponse) : HttpTransport {
    val requests = CopyOnWriteArrayList<HttpRequest>()

    override suspend fun send(request: HttpRequest): HttpResponse {
        requests += request
        return answers[minOf(requests.size, answers.size) - 1](request)
    }
}

private fun json(status: Int, body: String) = HttpResponse(
    status = status,
    headers = listOf(HttpHeader("Content-Type", "application/json"), HttpHeader("Request-Id", "req_kotlin_1")),
    body = body.toByteArray(),
)

private const val SESSION = """{"id":"cs_test_kt","object":"checkout.session","mode":"payment","status":"open",""" +
    """"payment_status":"unpaid","currency":"usd","amount_total":1999,"livemode":false,"created":1,"expires_at":2}"""

private fun config(maxRetries: Int = 0) = ClientConfig(
    baseUrl = "https://api.shop.example/base",
    credential = Credential.secretKey(TEST_KEY),
    timeoutMs = 5_000L,
    maxRetries = maxRetries,
)

class TransportTests : EmulatorTest() {
    @Test
    fun `a Kotlin transport gets the whole request and prints it without the key`() = runBlocking<Unit> {
        val transport = RecordingTransport({ json(503, """{"error":{"type":"api_error"}}""") }, { json(200, SESSION) })
        val client = CheckoutClient.withTransport(config(maxRetries = 1), transport)
        val session = client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL))
        assertEquals("cs_test_kt", session.id)
        assertEquals(2, transport.requests.size, "one retry after the 503")
        val (first, retry) = transport.requests
        assertEquals(HttpMethod.POST, first.method)
        assertEquals("https://api.shop.example/base/v1/checkout/sessions", first.url)
        val headers = first.headers.associate { it.name to it.value }
        assertEquals("Bearer $TEST_KEY", headers["authorization"])
        assertEquals("application/x-www-form-urlencoded", headers["content-type"])
        assertTrue(headers["stripe-version"]!!.isNotBlank() && headers["user-agent"]!!.startsWith("checkout-bridge/"))
        val key = headers["idempotency-key"]!!
        assertEquals(key, retry.headers.single { it.name == "idempotency-key" }.value, "one key across retries")
        assertTrue(String(first.body!!).contains("customer_email=kotlin%40example.com"), String(first.body!!))
        assertEquals(5_000L, first.timeoutMs)
        assertEquals(2L * 1024 * 1024, first.maxResponseBytes)
        // Printing the request, its headers or a list of them never shows the key.
        for (text in listOf(first.toString(), "$first", first.headers.toString(), first.headers[0].toString())) {
            assertFalse(text.contains(TEST_KEY.removePrefix("sk_test_")), text)
        }
        assertTrue(first.toString().startsWith("POST https://api.shop.example/base/v1/checkout/sessions"), "$first")
        assertEquals("authorization: [redacted]", first.headers[0].toString())
        // A GET has no body and no idempotency key.
        client.retrieveSession("cs_test_kt")
        val get = transport.requests.last()
        assertEquals(HttpMethod.GET, get.method)
        assertNull(get.body)
        assertTrue(get.headers.none { it.name == "idempotency-key" || it.name == "content-type" })
    }

    @Test
    fun `what a transport throws becomes a typed, redacted CheckoutException`() = runBlocking<Unit> {
        val leaky = "connection to proxy failed, auth was Bearer $TEST_KEY"
        val cases = listOf<Pair<() -> Nothing, suspend (CheckoutClient) -> Unit>>(
            { throw TransportException.Connect(leaky) } to { c ->
                expectError<CheckoutException.Network>("could not connect") { c.retrieveSession("cs_1") }
            },
            { throw TransportException.Io(leaky) } to { c ->
                expectError<CheckoutException.Network>("connection failed") { c.retrieveSession("cs_1") }
            },
            { throw TransportException.Timeout("read timed out") } to { c ->
                val e = expectError<CheckoutException.Timeout>("5000") { c.retrieveSession("cs_1") }
                assertEquals(5_000L, e.timeoutMs)
            },
            // Not a TransportException: UniFFI hands it over as unexpected, the library maps it.
            { throw IllegalStateException(leaky) } to { c ->
                expectError<CheckoutException.Network>("unexpectedly") { c.retrieveSession("cs_1") }
            },
            { throw IOException(leaky) } to { c ->
                expectError<CheckoutException.Network>("unexpectedly") { c.retrieveSession("cs_1") }
            },
        )
        for ((fail, check) in cases) {
            val transport = object : HttpTransport {
                override suspend fun send(request: HttpRequest): HttpResponse = fail()
            }
            check(CheckoutClient.withTransport(config(), transport))
        }
        // A status that is not one, and a body past the limit, are refused whichever transport sent them.
        for (bad in listOf(
            HttpResponse(status = 1000, headers = emptyList(), body = SESSION.toByteArray()),
            HttpResponse(status = 200, headers = emptyList(), body = ByteArray(2 * 1024 * 1024 + 1) { ' '.code.toByte() }),
        )) {
            val client = CheckoutClient.withTransport(config(), RecordingTransport({ bad }))
            expectError<CheckoutException.InvalidResponse>() { client.retrieveSession("cs_1") }
        }
    }

    @Test
    fun `the library's timeout governs, not the OkHttpClient's own`() = runBlocking<Unit> {
        // An app client with a 300 ms read timeout, a library timeout of 10 s, an answer after 1.5 s.
        val impatient = OkHttpClient.Builder().readTimeout(300, java.util.concurrent.TimeUnit.MILLISECONDS).build()
        val client = CheckoutClient.withTransport(
            ClientConfig(baseUrl = Emulator.baseUrl, credential = Credential.secretKey(TEST_KEY), timeoutMs = 10_000L, maxRetries = 0),
            OkHttpTransport(impatient),
        )
        val session = client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL))
        Emulator.fault("""{"kind":"delay","delay_ms":1500,"count":1,"method":"GET"}""")
        assertEquals(session.id, client.retrieveSession(session.id).id)
        // And a library timeout shorter than the answer ends the call at that timeout.
        val hasty = CheckoutClient.withTransport(
            ClientConfig(baseUrl = Emulator.baseUrl, credential = Credential.secretKey(TEST_KEY), timeoutMs = 400L, maxRetries = 0),
            OkHttpTransport(),
        )
        Emulator.fault("""{"kind":"delay","delay_ms":3000,"count":1,"method":"GET"}""")
        val started = System.nanoTime()
        expectError<CheckoutException.Timeout>("400") { hasty.retrieveSession(session.id) }
        assertTrue((System.nanoTime() - started) / 1_000_000 < 2_500, "ended near the 400 ms timeout")
    }

    @Test
    fun `cancelling the caller cancels the OkHttp call`() = runBlocking<Unit> {
        val started = CompletableDeferred<Call>()
        val canceled = CompletableDeferred<Call>()
        val failed = CompletableDeferred<IOException>()
        // Only the retrieve is watched: the create before it goes through the same client.
        val events = object : EventListener() {
            override fun requestHeadersEnd(call: Call, request: okhttp3.Request) {
                if (request.method == "GET") started.complete(call)
            }
            override fun canceled(call: Call) { canceled.complete(call) }
            override fun callFailed(call: Call, ioe: IOException) { failed.complete(ioe) }
        }
        val transport = OkHttpTransport(OkHttpClient.Builder().eventListener(events).build())
        val client = CheckoutClient.withTransport(
            ClientConfig(baseUrl = Emulator.baseUrl, credential = Credential.secretKey(TEST_KEY), timeoutMs = 30_000L, maxRetries = 0),
            transport,
        )
        val session = client.createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL))
        val slow = SlowRetrieve(this, client, session.id)
        val job = slow.job
        val call = withTimeout(5_000) { started.await() }
        assertFalse(call.isCanceled(), "the call is in flight, held by the emulator for 10 s")
        job.cancel()
        job.join()
        assertEquals("cancelled", slow.outcome)
        // Under load the call can be cancelled before the emulator read it; its delay must not
        // then hold the next request.
        Emulator.clearFaults()
        assertEquals(call, withTimeout(2_000) { canceled.await() }, "OkHttp's call was cancelled")
        assertTrue(call.isCanceled())
        withTimeout(2_000) { failed.await() } // and it ended: the socket was given up
        // The transport and the client work afterwards.
        assertEquals(session.id, client.retrieveSession(session.id).id)
    }
}
