// The library's requests over URLSession: an HttpTransport (the UniFFI foreign trait) for
// CheckoutClient.withTransport(config:transport:). Part of module CheckoutBridge, next to the
// generated bindings.
import Foundation

/// Sends checkout-bridge's requests through `URLSession`, so they get what the app's networking
/// has: App Transport Security, the system's trust store and any pinning the app configures in its
/// `Info.plist` (`NSPinnedDomains`), system proxies and VPNs, HTTP/2 and HTTP/3, and the system's
/// network inspectors.
///
/// ```swift
/// let client = try CheckoutClient.withTransport(config: config, transport: URLSessionTransport())
/// ```
///
/// Headers, idempotency keys, retries, the deadline, the response size limit and error mapping
/// stay in the library. This transport never follows a redirect (the library refuses them), reads
/// at most `maxResponseBytes + 1` bytes of a body, and stops when the library drops the request:
/// cancelling the task that called the library cancels the `URLSessionTask`, since UniFFI cancels
/// the Swift task running `send` and URLSession's async calls cancel their data task with it.
///
/// Nothing here logs; errors carry the system's description, which names the host at most, and
/// the library redacts the credential from anything it shows.
public final class URLSessionTransport: HttpTransport, @unchecked Sendable {
    // @unchecked: both stored properties are immutable and URLSession is thread-safe.
    private let session: URLSession
    private let redirects = RedirectRefusal()

    /// A transport on its own `URLSession` with `configuration` (`.default`: the shared cookie
    /// store is not used, since the library sends no cookies).
    public init(configuration: URLSessionConfiguration = .default) {
        let configuration = configuration.copy() as? URLSessionConfiguration ?? configuration
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        configuration.urlCache = nil
        session = URLSession(configuration: configuration, delegate: redirects, delegateQueue: nil)
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    public func send(request: HttpRequest) async throws -> HttpResponse {
        guard let url = URL(string: request.url) else {
            throw TransportError.Connect(reason: "the request URL is not one URLSession accepts")
        }
        var urlRequest = URLRequest(
            url: url,
            cachePolicy: .reloadIgnoringLocalCacheData,
            timeoutInterval: TimeInterval(max(request.timeoutMs, 1)) / 1000
        )
        switch request.method {
        case .get:
            urlRequest.httpMethod = "GET"
        case .post:
            urlRequest.httpMethod = "POST"
        }
        for header in request.headers {
            urlRequest.addValue(header.value, forHTTPHeaderField: header.name)
        }
        urlRequest.httpBody = request.body

        let bytes: URLSession.AsyncBytes
        let response: URLResponse
        do {
            (bytes, response) = try await session.bytes(for: urlRequest, delegate: redirects)
        } catch {
            throw Self.transportError(error)
        }
        guard let http = response as? HTTPURLResponse else {
            bytes.task.cancel()
            throw TransportError.Io(reason: "the response is not HTTP")
        }
        let cap = request.maxResponseBytes < Int64.max ? request.maxResponseBytes + 1 : Int64.max
        var body = Data()
        do {
            for try await byte in bytes {
                body.append(byte)
                if Int64(body.count) >= cap {
                    break
                }
            }
        } catch {
            throw Self.transportError(error)
        }
        // Past the cap the rest is never read: the library refuses the body anyway.
        bytes.task.cancel()
        var headers: [HttpHeader] = []
        for (name, value) in http.allHeaderFields {
            headers.append(HttpHeader(name: String(describing: name), value: String(describing: value)))
        }
        return HttpResponse(status: Int32(http.statusCode), headers: headers, body: body)
    }

    /// URLSession's failure as the library's; the description names the host at most.
    private static func transportError(_ error: Error) -> Error {
        if error is CancellationError {
            return error
        }
        guard let urlError = error as? URLError else {
            return TransportError.Io(reason: error.localizedDescription)
        }
        let reason = "URLError \(urlError.code.rawValue): \(urlError.localizedDescription)"
        switch urlError.code {
        case .cancelled:
            return CancellationError()
        case .timedOut:
            return TransportError.Timeout(reason: reason)
        case .cannotFindHost, .cannotConnectToHost, .dnsLookupFailed, .notConnectedToInternet,
             .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected,
             .appTransportSecurityRequiresSecureConnection:
            return TransportError.Connect(reason: reason)
        default:
            return TransportError.Io(reason: reason)
        }
    }
}

/// Answers every redirect with "do not follow": URLSession then returns the `3xx` response
/// itself, which the library refuses.
private final class RedirectRefusal: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    // @unchecked: no stored state.
    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
