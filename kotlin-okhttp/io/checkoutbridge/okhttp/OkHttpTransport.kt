// The library's requests over OkHttp: an HttpTransport (the UniFFI foreign trait) for
// CheckoutClient.withTransport. Its own artifact (jvm/okhttp/pom.xml), so that apps which do not
// use OkHttp do not get it through the bindings.
package io.checkoutbridge.okhttp

import io.checkoutbridge.HttpHeader
import io.checkoutbridge.HttpMethod
import io.checkoutbridge.HttpRequest
import io.checkoutbridge.HttpResponse
import io.checkoutbridge.HttpTransport
import io.checkoutbridge.TransportException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withContext
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import okhttp3.Response
import java.io.IOException
import java.io.InterruptedIOException
import java.net.ConnectException
import java.net.NoRouteToHostException
import java.net.UnknownHostException
import java.util.concurrent.TimeUnit
import javax.net.ssl.SSLHandshakeException
import javax.net.ssl.SSLPeerUnverifiedException
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

/**
 * Sends checkout-bridge's requests through OkHttp, so they get what the app's networking has:
 * the Network Security Config's trust anchors and certificate pins, the app's
 * [okhttp3.CertificatePinner], proxies, HTTP/2, interceptors and network inspectors.
 *
 * ```kotlin
 * val client = CheckoutClient.withTransport(config, OkHttpTransport(appOkHttpClient))
 * ```
 *
 * Pass the app's own [OkHttpClient] to share its connection pool and settings; the transport
 * derives a client from it that never follows redirects (the library refuses them) and gives
 * each call the library's timeout (for the whole call, and for reads and writes; connecting at
 * most 30 s) in place of the client's own. Headers, idempotency keys, retries, the deadline, the
 * response size limit and error mapping stay in the library.
 *
 * Cancelling the coroutine that called the library cancels the OkHttp call: the library drops
 * its request, UniFFI cancels the coroutine running [send], and that cancels the
 * [okhttp3.Call]. Calls run on [Dispatchers.IO], not on OkHttp's dispatcher.
 *
 * Nothing here logs; OkHttp's own `toString()` of headers hides `Authorization`, and the
 * library's [HttpRequest] prints without it.
 */
public class OkHttpTransport(client: OkHttpClient = OkHttpClient()) : HttpTransport {
    private val client: OkHttpClient = client.newBuilder()
        .followRedirects(false)
        .followSslRedirects(false)
        // The library's timeout governs, not OkHttpClient's defaults (10 s per connect, read and
        // write): each request carries its own, applied to this call only.
        .addInterceptor { chain ->
            val ms = chain.request().tag(LibraryTimeout::class.java)?.ms?.coerceIn(1L, Int.MAX_VALUE.toLong())?.toInt()
            if (ms == null) {
                chain.proceed(chain.request())
            } else {
                chain.withConnectTimeout(minOf(ms, MAX_CONNECT_TIMEOUT_MS), TimeUnit.MILLISECONDS)
                    .withReadTimeout(ms, TimeUnit.MILLISECONDS)
                    .withWriteTimeout(ms, TimeUnit.MILLISECONDS)
                    .proceed(chain.request())
            }
        }
        .build()

    override suspend fun send(request: HttpRequest): HttpResponse = withContext(Dispatchers.IO) {
        val call = client.newCall(request.toOkHttp())
        // The library enforces the same deadline; this makes OkHttp give the connection up too.
        call.timeout().timeout(request.timeoutMs.coerceAtLeast(1), TimeUnit.MILLISECONDS)
        suspendCancellableCoroutine { continuation ->
            continuation.invokeOnCancellation { call.cancel() }
            // Executed here, on an IO thread, rather than enqueued: OkHttp's dispatcher would add
            // a thread hop per request, and its threads are not daemons (a desktop JVM would wait
            // a minute for them to exit). Cancelling makes execute() throw, which is then ignored.
            val result = runCatching { call.execute().use { it.read(request.maxResponseBytes) } }
            result.fold(
                onSuccess = { continuation.resume(it) },
                onFailure = { e -> continuation.resumeWithException(if (e is IOException) e.toTransportException() else e) },
            )
        }
    }
}

/** The request's timeout, as a tag the interceptor reads. */
private class LibraryTimeout(val ms: Long)

/** Connecting may take at most this long, as the built-in transport allows (`src/client.rs`). */
private const val MAX_CONNECT_TIMEOUT_MS = 30_000

private fun HttpRequest.toOkHttp(): Request {
    val builder = Request.Builder().url(url).tag(LibraryTimeout::class.java, LibraryTimeout(timeoutMs))
    for (h in headers) builder.addHeader(h.name, h.value)
    return when (method) {
        HttpMethod.GET -> builder.get().build()
        // No media type on the body: the library's content-type header is sent as given.
        HttpMethod.POST -> builder.post((body ?: ByteArray(0)).toRequestBody(null)).build()
    }
}

/** Status, headers and at most [limit] + 1 bytes of the body: the library refuses a longer one. */
private fun Response.read(limit: Long): HttpResponse {
    val source = body.source()
    val cap = if (limit < 0 || limit == Long.MAX_VALUE) Long.MAX_VALUE else limit + 1
    source.request(cap)
    val bytes = source.buffer.readByteArray(minOf(source.buffer.size, cap))
    return HttpResponse(
        status = code,
        headers = headers.map { (name, value) -> HttpHeader(name, value) },
        body = bytes,
    )
}

/** OkHttp's failure as the library's: its message names the host at most, never a header. */
private fun IOException.toTransportException(): TransportException {
    val reason = toString()
    return when (this) {
        is UnknownHostException, is ConnectException, is NoRouteToHostException,
        is SSLHandshakeException, is SSLPeerUnverifiedException,
        -> TransportException.Connect(reason)
        // SocketTimeoutException is one; OkHttp's call timeout is a bare InterruptedIOException.
        is InterruptedIOException -> TransportException.Timeout(reason)
        else -> TransportException.Io(reason)
    }
}
