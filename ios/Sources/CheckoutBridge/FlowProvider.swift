// Everything CheckoutModel asks of the Rust library, always off the main thread. Part of module
// CheckoutBridge, next to the generated bindings.
import Foundation

/// Warms the library up, opens the store and hands out `CheckoutFlow`s, on the cooperative pool.
///
/// The first call into the library runs UniFFI's contract-version and API-checksum checks (one
/// call per exported function) and loads the store from disk; on a cold start that is long enough
/// to drop frames, so it must never happen on the main thread (issue 27). `init` starts it on a
/// detached task; every other method is `async` and nonisolated, so it runs on the generic
/// executor (SE-0338), never on the caller's actor, and each synchronous library call below
/// (constructors, `returnBase`, `pending`, `simpleCheckoutParams`) happens there.
final class FlowProvider: @unchecked Sendable {
    /// What the warm-up prepared.
    struct Warm: Sendable {
        let store: PendingStore
        /// The parsed return base: routes incoming links without a client (`handle(link:)`).
        let base: ReturnBase
        /// The `ASWebAuthenticationSession` callback for the flow's return base.
        let callback: CheckoutPresenter.Callback
        /// Session IDs the store held at start: checkouts of an earlier run (the app was closed,
        /// or the process killed, before their outcome came back).
        let earlier: [String]
        /// Whether the warm-up ran on the main thread (never; the package's tests check it).
        let onMainThread: Bool
    }

    /// The warm-up, started by `init`: library checks, return base, store.
    let warm: Task<Warm, Error>
    private let returnBase: String
    private let makeClient: @Sendable () async throws -> CheckoutClient
    private let lock = NSLock()
    /// The last client and the flow built on it: a new flow only when the client changes (a
    /// fresh token).
    private var cached: (client: CheckoutClient, flow: CheckoutFlow)?

    init(returnBase: String, storeDirectory: URL?, client: @escaping @Sendable () async throws -> CheckoutClient) {
        self.returnBase = returnBase
        self.makeClient = client
        warm = Task.detached(priority: .userInitiated) {
            try Self.warmUp(returnBase: returnBase, storeDirectory: storeDirectory)
        }
    }

    private static func warmUp(returnBase: String, storeDirectory: URL?) throws -> Warm {
        // The first call: fatalError here (bindings and binary from different commits) rather
        // than at the customer's first tap.
        uniffiEnsureCheckoutBridgeInitialized()
        let base = try ReturnBase(base: returnBase)
        let directory = try storeDirectory ?? FileManager.default
            .url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
            .appendingPathComponent("checkout-bridge", isDirectory: true)
        let store = try openFileStore(dir: directory.path)
        return Warm(store: store, base: base, callback: callback(for: base), earlier: try store.loadAll().map(\.sessionId),
                    onMainThread: Thread.isMainThread)
    }

    /// The presenter's callback for links under `base`: its scheme for an app scheme
    /// (`myapp://checkout`), its host and path for https (a Universal Link return base).
    static func callback(for base: ReturnBase) -> CheckoutPresenter.Callback {
        let scheme = base.scheme()
        return scheme == "https" ? .https(host: base.host(), path: base.path()) : .customScheme(scheme)
    }

    /// A flow on the current client (the closure given to `init`, called each time: it may
    /// return a new client for a refreshed token).
    func currentFlow() async throws -> CheckoutFlow {
        let store = try await warm.value.store
        let client = try await makeClient()
        return try makeFlow(on: client, store: store)
    }

    private func makeFlow(on client: CheckoutClient, store: PendingStore) throws -> CheckoutFlow {
        lock.lock()
        defer { lock.unlock() }
        if let cached = cached, cached.client === client { return cached.flow }
        let flow = try CheckoutFlow(client: client, returnBase: returnBase, store: store)
        cached = (client, flow)
        return flow
    }

    /// Creates the session for `params` (evaluated here, off the main thread: building them may
    /// call into the library, as `simpleCheckoutParams` does).
    func start(_ params: @Sendable () -> CreateSessionParams) async throws -> (CheckoutFlow, PendingCheckout) {
        let flow = try await currentFlow()
        return (flow, try await flow.start(params: params()))
    }

    /// The outcome Stripe reports for a checkout the presenter finished.
    func finish(_ completion: CheckoutPresenter.Completion, of pending: PendingCheckout, on flow: CheckoutFlow) async throws -> PaymentResult {
        switch completion {
        case .redirected(let url):                       // Stripe sent the customer back
            return try await flow.handleReturnUrl(url: url.absoluteString)
        case .cancelledByUser:                           // sheet closed, no link: ask Stripe
            return try await flow.resolvePending(sessionId: pending.sessionId)
        }
    }

    /// Verifies a link that reached the app outside the sheet (`onOpenURL`, a Universal Link);
    /// nil when it is not addressed to this flow's return base. The routing comes first, on the
    /// base the warm-up parsed (`CheckoutFlow.isReturnLink` is the same `ReturnBase.matches`): a
    /// link of another feature must not ask the app for a token, build a client, or surface their
    /// failures (no signed-in user yet, no network) as the model's `error`.
    func handle(link: String) async throws -> PaymentResult? {
        guard try await warm.value.base.matches(link: link) else { return nil }
        return try await currentFlow().handleReturnUrl(url: link)
    }

    /// Asks Stripe about the checkouts of an earlier run that are still undecided. Throws only
    /// when the warm-up failed; anything else (no network, no token yet, one checkout failing)
    /// leaves those checkouts pending for next time.
    func resolveEarlier() async throws -> [PaymentResult] {
        let earlier = try await warm.value.earlier
        guard !earlier.isEmpty, let flow = try? await currentFlow(), let undecided = try? flow.pending() else { return [] }
        var results: [PaymentResult] = []
        for checkout in undecided where earlier.contains(checkout.sessionId) {
            if let result = try? await flow.resolvePending(sessionId: checkout.sessionId) {
                results.append(result)
            }
        }
        return results
    }
}
