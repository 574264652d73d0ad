// The clients CheckoutModel's backend initializer uses. Part of module CheckoutBridge.
import Foundation

/// Clients for one backend, one per bearer token: a token the app refreshed gets a new client
/// (a `Credential` is fixed for the life of its client), the same token the same client.
final class BackendClients: @unchecked Sendable {
    private let baseUrl: String
    private let lock = NSLock()
    private var last: (token: String, client: CheckoutClient)?

    init(baseUrl: String) {
        self.baseUrl = baseUrl
    }

    /// Called off the main thread (FlowProvider): it calls into the library.
    func client(token: String) throws -> CheckoutClient {
        lock.lock()
        defer { lock.unlock() }
        if let last = last, last.token == token { return last.client }
        let client = try CheckoutClient(config: ClientConfig(baseUrl: baseUrl, credential: .backend(bearerToken: token)))
        last = (token, client)
        return client
    }
}
