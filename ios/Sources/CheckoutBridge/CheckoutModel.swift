// The SwiftUI-first entry point: an observable model that runs a whole checkout (create the
// session, present Stripe's page, verify the outcome with Stripe) and publishes the result.
// Part of module CheckoutBridge, next to the generated bindings and CheckoutPresenter.
import AuthenticationServices
import Combine
import Foundation

/// Runs checkouts for a screen and publishes what Stripe says about them.
///
/// SwiftUI:
///
/// ```swift
/// struct BuyView: View {
///     @StateObject private var checkout = CheckoutModel(backend: "https://api.shop.example", returnBase: "myapp://checkout") { try await Account.shared.token() }
///     var body: some View {
///         Button("Buy a T-shirt") { checkout.start(SimpleCheckout(amount: 1999, currency: "usd", name: "T-shirt")) }
///             .disabled(checkout.isBusy)
///         if let result = checkout.result { Text([.paid, .processing].contains(result.outcome) ? "Thank you for your order" : "Not paid") }
///     }
/// }
/// ```
///
/// UIKit, or any async code: `let result = try await checkout.run(item)`.
///
/// **Threading.** Creating the model is cheap and allowed on any thread (it is `nonisolated`):
/// it only starts a detached task that makes the library's first call (UniFFI's contract and
/// checksum checks), reads the return base and opens the pending-checkout store, then asks
/// Stripe about checkouts an earlier run left undecided. Every later call into the library runs
/// on the cooperative pool too; the main actor only publishes results and shows the sheet.
///
/// **Outcomes.** `result` is set only from what Stripe reports (`CheckoutFlow.handleReturnUrl`
/// or `resolvePending`): `.paid` → fulfil (your server also learns it from Stripe's webhook);
/// `.processing` → paid with a delayed method, wait; `.open` → the sheet was closed without
/// paying; `.canceled`, `.expired` → not paid. A checkout of an earlier run that Stripe reports
/// `.paid` or `.processing` is published too, when the model starts, unless a result of this run
/// is already showing (a newer result is never replaced by an older one).
///
/// **Errors.** `error` holds the last failure (a `CheckoutError` such as `.Network`, or a
/// `CheckoutPresenter.PresentError`). A failure after the page was shown leaves the checkout
/// pending in the store; the next model to start asks Stripe about it.
@MainActor
public final class CheckoutModel: ObservableObject {
    /// The last verified result: of the last checkout, or of an earlier run's paid checkout.
    @Published public private(set) var result: PaymentResult?
    /// The last failure; cleared when a checkout starts. Cancellation is not a failure.
    @Published public private(set) var error: (any Error)?
    /// A checkout is being created, shown or verified; `start` does nothing meanwhile.
    @Published public private(set) var isBusy = false
    /// The window to present over (UIKit); by default the key window.
    public var anchor: ASPresentationAnchor?

    /// Thrown by `run` while another checkout of this model is running.
    public struct Busy: Error, Equatable {}

    let provider: FlowProvider
    /// Shows the page; the presenter by default, a scripted customer in the package's tests.
    var present: (@MainActor (PendingCheckout, CheckoutPresenter.Callback, ASPresentationAnchor?) async throws -> CheckoutPresenter.Completion)?
    private var current: Task<Void, Never>?

    /// A model for your backend (the recommended setup: the app holds no Stripe key).
    ///
    /// - Parameters:
    ///   - backend: your server's base URL (`https://api.shop.example`; plain http only to
    ///     loopback, in debug builds).
    ///   - returnBase: where Stripe sends the customer back: an app scheme (`myapp://checkout`,
    ///     nothing to register) or an https base with an associated domain (iOS 17.4+).
    ///   - storeDirectory: where pending checkouts are kept; by default Application Support's
    ///     `checkout-bridge` folder.
    ///   - bearerToken: the signed-in user's token for your server, asked for (off the main
    ///     thread) whenever the model talks to it, so a refreshed token is picked up.
    public nonisolated convenience init(
        backend: String, returnBase: String, storeDirectory: URL? = nil,
        bearerToken: @escaping @Sendable () async throws -> String
    ) {
        let clients = BackendClients(baseUrl: backend)
        self.init(returnBase: returnBase, storeDirectory: storeDirectory) {
            try clients.client(token: try await bearerToken())
        }
    }

    /// A model over any client: `client` is called off the main thread whenever the model needs
    /// one (return the same client to keep it), e.g. direct mode with a test key against the
    /// Stripe emulator: `{ try CheckoutClient(config: ClientConfig(baseUrl: "http://127.0.0.1:12111", credential: .secretKey(key: "sk_test_…"))) }`.
    public nonisolated init(
        returnBase: String, storeDirectory: URL? = nil,
        client: @escaping @Sendable () async throws -> CheckoutClient
    ) {
        let provider = FlowProvider(returnBase: returnBase, storeDirectory: storeDirectory, client: client)
        self.provider = provider
        Task { @MainActor [weak self] in
            do {
                let earlier = try await provider.resolveEarlier()
                self?.publishEarlier(earlier)
            } catch {
                self?.error = error                      // the warm-up failed: bad return base, storage
            }
        }
    }

    /// Publishes the newest paid or processing checkout of an earlier run, unless this run has
    /// published a result already: Stripe's answer about the earlier checkout can arrive after the
    /// customer finished a new one (it waits for the network and the token), and an earlier
    /// purchase must not replace what the customer just did on screen (a closed sheet would read
    /// "Paid"). The earlier checkout is final in the store either way; your server has it.
    func publishEarlier(_ results: [PaymentResult]) {
        guard result == nil, let last = results.last(where: { $0.outcome == .paid || $0.outcome == .processing }) else { return }
        result = last
    }

    /// Starts a checkout for one item (the button action); does nothing while one is running.
    /// The outcome arrives in `result`, a failure in `error`.
    public func start(_ item: SimpleCheckout) {
        start { simpleCheckoutParams(simple: item) }
    }

    /// Starts a checkout with full parameters (several items, subscriptions, tax, shipping…);
    /// leave `successUrl` and `cancelUrl` unset: the flow builds them.
    public func start(_ params: CreateSessionParams) {
        start { params }
    }

    private func start(_ params: @escaping @Sendable () -> CreateSessionParams) {
        guard claim() else { return }
        current = Task { _ = try? await perform(params) }
    }

    /// Runs a whole checkout and returns its verified result (also published as `result`).
    /// Cancelling the calling task dismisses the sheet and throws `CancellationError`.
    public func run(_ item: SimpleCheckout) async throws -> PaymentResult {
        try await run { simpleCheckoutParams(simple: item) }
    }

    /// `run` with full parameters.
    public func run(_ params: CreateSessionParams) async throws -> PaymentResult {
        try await run { params }
    }

    private func run(_ params: @escaping @Sendable () -> CreateSessionParams) async throws -> PaymentResult {
        guard claim() else { throw Busy() }
        return try await perform(params)
    }

    /// Marks the model busy for a new checkout; false when one is running.
    private func claim() -> Bool {
        guard !isBusy else { return false }
        isBusy = true
        error = nil
        return true
    }

    /// The checkout itself; the caller has set `isBusy`.
    private func perform(_ params: @escaping @Sendable () -> CreateSessionParams) async throws -> PaymentResult {
        defer { isBusy = false }
        do {
            let warm = try await provider.warm.value
            // Waiting for the warm-up ignores cancellation: a task cancelled meanwhile (the view
            // went away, `cancel()`) must not create a session nobody is shown.
            try Task.checkCancellation()
            // Before creating a session that could not be shown (an https return base below iOS 17.4).
            if case .https = warm.callback, !CheckoutPresenter.supportsHTTPSCallback {
                throw CheckoutPresenter.PresentError.httpsCallbackUnavailable
            }
            let (flow, pending) = try await provider.start(params)
            let completion: CheckoutPresenter.Completion
            if let present = present {
                completion = try await present(pending, warm.callback, anchor)
            } else {
                completion = try await CheckoutPresenter(anchor: anchor).present(pending: pending, callback: warm.callback)
            }
            let verified = try await provider.finish(completion, of: pending, on: flow)
            result = verified
            return verified
        } catch {
            if !(error is CancellationError) { self.error = error }
            throw error
        }
    }

    /// Dismisses the sheet of the checkout `start` began, if it is running (the checkout stays
    /// pending; see `error`). A `run` is cancelled by cancelling the task that awaits it.
    public func cancel() {
        current?.cancel()
    }

    /// Verifies a checkout link that reached the app outside the sheet (`.onOpenURL`, a
    /// Universal Link opened elsewhere); links of other features are ignored before anything
    /// else happens (no token asked for, no client built, nothing published), so forwarding
    /// every incoming URL is safe.
    public func handleReturnLink(_ url: URL) {
        Task {
            do {
                if let verified = try await provider.handle(link: url.absoluteString) { result = verified }
            } catch {
                self.error = error
            }
        }
    }
}
