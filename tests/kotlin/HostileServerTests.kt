// Servers that break the rules on purpose, served from a raw socket on 127.0.0.1 (as
// tests/hostile_server.rs does from Rust), through this run's transport (reqwest or OkHttp, see
// support/Transports.kt): a typed error, bounded reading, no redirect followed, no secret shown.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutClient
import io.checkoutbridge.CheckoutException
import io.checkoutbridge.ClientConfig
import io.checkoutbridge.Credential
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test
import java.io.InputStream
import java.io.OutputStream
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.concurrent.thread
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * Answers every connection on loopback with [respond] (request head and body in, raw bytes out
 * through the socket's stream), one thread per connection, until [close].
 */
private class RawServer(private val respond: (request: String, out: OutputStream) -> Unit) : AutoCloseable {
    private val socket = ServerSocket(0, 50, InetAddress.getLoopbackAddress())
    val requests = CopyOnWriteArrayList<String>()
    val baseUrl = "http://127.0.0.1:${socket.localPort}"

    init {
        thread(isDaemon = true, name = "hostile-server") {
            while (!socket.isClosed) {
                val conn = runCatching { socket.accept() }.getOrNull() ?: break
                thread(isDaemon = true, name = "hostile-conn") { serve(conn) }
            }
        }
    }

    private fun serve(conn: Socket) = conn.use {
        runCatching {
            val request = readRequest(conn.getInputStream()) ?: return@use
            requests += request
            respond(request, conn.getOutputStream())
            conn.getOutputStream().flush()
        }
    }

    /** The head and the body its Content-Length announces, so the answer never races unread bytes. */
    private fun readRequest(input: InputStream): String? {
        val head = StringBuilder()
        while (!head.endsWith("\r\n\r\n")) {
            val b = input.read()
            if (b < 0 || head.length > 64 * 1024) return null
            head.append(b.toChar())
        }
        val length = head.lines().firstOrNull { it.lowercase().startsWith("content-length:") }
            ?.substringAfter(':')?.trim()?.toIntOrNull() ?: 0
        return head.toString() + String(input.readNBytes(length))
    }

    override fun close() = socket.close()
}

private fun http(status: String, contentType: String, body: ByteArray, extra: String = ""): ByteArray =
    ("HTTP/1.1 $status\r\nContent-Type: $contentType\r\nContent-Length: ${body.size}\r\n" +
        "Connection: close\r\n$extra\r\n").toByteArray() + body

private fun bearer(request: String): String =
    request.lines().first { it.lowercase().startsWith("authorization:") }.substringAfter("Bearer ").trim()

class HostileServerTests {
    private val servers = mutableListOf<RawServer>()

    private fun server(respond: (String, OutputStream) -> Unit) = RawServer(respond).also { servers += it }

    private fun client(base: String, timeoutMs: Long = 5_000L): CheckoutClient = clientFor(
        ClientConfig(baseUrl = base, credential = Credential.secretKey(TEST_KEY), timeoutMs = timeoutMs, maxRetries = 0),
    )

    @AfterEach
    fun closeServers() = servers.forEach { it.close() }

    @Test
    fun `an endless body is refused after the limit, not buffered until the timeout`() = runBlocking<Unit> {
        val s = server { _, out ->
            out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n".toByteArray())
            val chunk = ByteArray(64 * 1024) { ' '.code.toByte() }
            // No end: 64 KiB every 5 ms until the client hangs up (the write then fails) or 20 s
            // pass. A transport that reads it all would buffer until the 5 s timeout (about
            // 65 MB at this pace) and end in Timeout; one that stops after the limit ends early.
            val until = System.nanoTime() + 20_000_000_000L
            while (System.nanoTime() < until) {
                out.write(chunk)
                Thread.sleep(5)
            }
        }
        val started = System.nanoTime()
        expectError<CheckoutException.InvalidResponse>("exceeds") { client(s.baseUrl, timeoutMs = 5_000L).retrieveSession("cs_1") }
        val ms = (System.nanoTime() - started) / 1_000_000
        assertTrue(ms < 4_000, "stopped reading after the limit, not at the 5 s timeout: $ms ms")
    }

    @Test
    fun `a server echoing the credential gets it redacted, in the message and the headers`() = runBlocking<Unit> {
        val s = server { req, out ->
            val token = bearer(req)
            val body = """{"error":{"type":"invalid_request_error","message":"bad key $token","param":"$token"}}"""
            out.write(http("401 Unauthorized", "application/json", body.toByteArray(), "Request-Id: req_$token\r\n"))
        }
        val e = expectError<CheckoutException.Authentication>("401") { client(s.baseUrl).retrieveSession("cs_1") }
        val text = listOf(e.toString(), e.details.toString(), e.details.stripeMessage, e.details.param, e.details.requestId)
        for (t in text) assertTrue(t == null || !t.contains(TEST_KEY.removePrefix("sk_test_")), "leaked: $t")
    }

    @Test
    fun `a redirect is refused, never followed`() = runBlocking<Unit> {
        val s = server { req, out ->
            if (req.startsWith("GET /elsewhere")) {
                out.write(http("200 OK", "application/json", """{"id":"cs_followed","object":"checkout.session"}""".toByteArray()))
            } else {
                out.write(http("302 Found", "text/plain", ByteArray(0), "Location: /elsewhere\r\n"))
            }
        }
        val e = expectError<CheckoutException.Api>("302") { client(s.baseUrl).retrieveSession("cs_1") }
        assertEquals(302, e.details.status)
        assertTrue(s.requests.none { it.startsWith("GET /elsewhere") }, "followed to ${s.requests}")
        // A POST too (307 would repeat it with its body and key elsewhere).
        val s2 = server { _, out -> out.write(http("307 Temporary Redirect", "text/plain", ByteArray(0), "Location: http://127.0.0.1:9/steal\r\n")) }
        expectError<CheckoutException.Api>("307") { client(s2.baseUrl).createSession(tshirt(SHOP_SUCCESS, SHOP_CANCEL)) }
        assertEquals(1, s2.requests.size)
    }

    @Test
    fun `wrongly shaped, empty, truncated and unstatused answers are typed errors`() = runBlocking<Unit> {
        val shape = server { _, out -> out.write(http("200 OK", "application/json", """{"id":5}""".toByteArray())) }
        expectError<CheckoutException.InvalidResponse>("expected JSON") { client(shape.baseUrl).retrieveSession("cs_1") }
        val empty = server { _, out -> out.write(http("500 Internal Server Error", "application/json", ByteArray(0))) }
        val e = expectError<CheckoutException.Api>("500", "empty error body") { client(empty.baseUrl).retrieveSession("cs_1") }
        assertEquals(500, e.details.status)
        val truncated = server { _, out -> out.write("HTTP/1.1 200 OK\r\nContent-Le".toByteArray()) }
        expectError<CheckoutException.Network>() { client(truncated.baseUrl).retrieveSession("cs_1") }
        val shortBody = server { _, out ->
            out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":".toByteArray())
        }
        expectError<CheckoutException.Network>() { client(shortBody.baseUrl).retrieveSession("cs_1") }
        val unknown = server { _, out -> out.write(http("799 Weird", "application/json", """{"id":"cs_1"}""".toByteArray())) }
        expectError<CheckoutException.InvalidResponse>("799") { client(unknown.baseUrl).retrieveSession("cs_1") }
    }

    @Test
    fun `a body trickled slower than the timeout ends at the timeout`() = runBlocking<Unit> {
        val s = server { _, out ->
            out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n".toByteArray())
            out.flush()
            repeat(100) {
                out.write(' '.code)
                out.flush()
                Thread.sleep(100)
            }
        }
        val started = System.nanoTime()
        val e = expectError<CheckoutException.Timeout>("800") { client(s.baseUrl, timeoutMs = 800L).retrieveSession("cs_1") }
        val ms = (System.nanoTime() - started) / 1_000_000
        assertEquals(800L, e.timeoutMs)
        assertTrue(ms < 5_000, "took $ms ms")
    }
}
