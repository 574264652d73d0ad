// Opens Stripe's hosted Checkout page with ASWebAuthenticationSession and returns the link that
// brings the customer back. Part of module CheckoutBridge, next to the generated bindings.
import AuthenticationServices
import Foundation
#if canImport(UIKit)
import UIKit
#elseif canImport(AppKit)
import AppKit
#endif

/// Presents a Checkout page and waits for the return link.
///
/// ```swift
/// let pending = try await flow.start(params: params)
/// switch try await CheckoutPresenter().present(pending: pending, callback: .customScheme("myapp")) {
/// case .redirected(let url):
///     let result = try await flow.handleReturnUrl(url: url.absoluteString)
/// case .cancelledByUser:
///     let result = try await flow.resolvePending(sessionId: pending.sessionId)  // usually .open
/// }
/// ```
///
/// `ASWebAuthenticationSession` is the system browser surface (Safari's engine, cookies and
/// autofill, out of the app's process), never an app-owned `WKWebView`: wallets, Link and 3-D
/// Secure app switches break in web views.
///
/// `prefersEphemeralWebBrowserSession` is left `false` on purpose: the shared session is what
/// lets the customer's saved cards, Safari AutoFill and Link (Stripe's saved-payment login)
/// appear on the Checkout page. The cost is the system's "“App” Wants to Use “stripe.com” to
/// Sign In" prompt before the page opens; an ephemeral session would skip the prompt but make
/// every customer type their card again.
@MainActor
public final class CheckoutPresenter {
    /// Which navigation ends the session and comes back to the app.
    public enum Callback: Sendable, Equatable {
        /// `myapp://…`: the scheme of the flow's return base (`myapp://checkout`). Works on every
        /// supported iOS; the scheme needs no Info.plist registration for this use.
        case customScheme(String)
        /// `https://host/path…`: a return base such as `https://shop.example/checkout`. Needs
        /// iOS 17.4 / macOS 14.4 and the `webcredentials:` associated domain for `host`
        /// (apple-app-site-association); on older systems `present` throws `.httpsCallbackUnavailable`.
        case https(host: String, path: String)
    }

    /// How the page was left.
    public enum Completion: Sendable, Equatable {
        /// Stripe redirected to the return link: pass `url.absoluteString` to
        /// `CheckoutFlow.handleReturnUrl(url:)`, which decides the outcome from Stripe.
        case redirected(URL)
        /// The customer closed the sheet (Cancel / swipe down / declined the sign-in prompt).
        /// No link came back; this is not an error. Ask `CheckoutFlow.resolvePending(sessionId:)`:
        /// the outcome is normally `.open`, or `.paid` if they paid before closing.
        case cancelledByUser
    }

    /// The session could not be shown at all (nothing was opened).
    public enum PresentError: Error, Equatable, LocalizedError {
        case httpsCallbackUnavailable
        case couldNotStart
        case presentationContextMissing
        case notAWebURL(String)
        case failed(String)

        /// A sentence for the app to show (`localizedDescription`), instead of Foundation's
        /// "The operation couldn't be completed. (…PresentError error 2.)".
        public var errorDescription: String? {
            switch self {
            case .httpsCallbackUnavailable: return "Returning to the app on an https link needs iOS 17.4 or later."
            case .couldNotStart: return "The checkout page could not be opened."
            case .presentationContextMissing: return "There is no window to show the checkout page over."
            case .notAWebURL: return "The checkout page's address is not a web address."
            case .failed(let reason): return "The checkout page failed: \(reason)"
            }
        }
    }

    private let anchor: ASPresentationAnchor?
    private var session: ASWebAuthenticationSession?
    private var contextProvider: ContextProvider?
    /// Which `present` call owns `session`: a completion that arrives late (after a cancel, or
    /// after a newer `present`) must not clear a newer call's session.
    private var generation = 0

    /// - Parameter anchor: the window to present over; by default the key window.
    public init(anchor: ASPresentationAnchor? = nil) {
        self.anchor = anchor
    }

    /// Presents `pending.url` (from `CheckoutFlow.start(params:)`).
    public func present(pending: PendingCheckout, callback: Callback) async throws -> Completion {
        guard let url = URL(string: pending.url) else { throw PresentError.notAWebURL(pending.url) }
        return try await present(url: url, callback: callback)
    }

    /// Presents `url` and returns when the customer comes back. If the calling task is already
    /// cancelled nothing is shown; cancelling it later dismisses the sheet. Both throw
    /// `CancellationError`.
    public func present(url: URL, callback: Callback) async throws -> Completion {
        guard let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw PresentError.notAWebURL(url.absoluteString)
        }
        try Task.checkCancellation()
        let once = ResumeOnce()
        generation += 1
        let current = generation
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Completion, Error>) in
                once.set(continuation)
                // A cancel that came after the check above already resumed `once` (onCancel runs
                // at once for a cancelled task): starting now would show a sheet nobody waits for.
                if Task.isCancelled || once.isFinished {
                    once.resume(with: .failure(CancellationError()))
                    return
                }
                // @Sendable: the system may call it off the main actor. The task captures `self`
                // weakly itself: reading the closure's own weak (mutable) capture from inside the
                // task is an error under Swift 6 strict concurrency (scripts/ios-check.sh checks
                // this pattern).
                let completion: ASWebAuthenticationSession.CompletionHandler = { @Sendable [weak self] callbackURL, error in
                    Task { @MainActor [weak self] in self?.endSession(current) }
                    once.resume(with: CheckoutPresenter.completion(callbackURL: callbackURL, error: error))
                }
                let session: ASWebAuthenticationSession
                do {
                    session = try Self.makeSession(url: url, callback: callback, completion: completion)
                } catch {
                    once.resume(with: .failure(error))
                    return
                }
                let provider = ContextProvider(anchor: anchor)
                session.presentationContextProvider = provider
                // false: keep the shared Safari session (saved cards, AutoFill, Link); see the type's doc.
                session.prefersEphemeralWebBrowserSession = false
                self.contextProvider = provider
                self.session = session
                if !session.start() {
                    endSession(current)
                    once.resume(with: .failure(PresentError.couldNotStart))
                }
            }
        } onCancel: {
            once.resume(with: .failure(CancellationError()))
            Task { @MainActor [weak self] in self?.endSession(current, dismiss: true) }
        }
    }

    /// Forgets (and with `dismiss`, cancels) the session of `present` call `owner`, if it is
    /// still the current one. Every way out of `present` ends here or never set a session.
    private func endSession(_ owner: Int, dismiss: Bool = false) {
        guard owner == generation else { return }
        if dismiss { session?.cancel() }
        session = nil
        contextProvider = nil
    }

    /// The session for `callback`: `init(url:callback:completionHandler:)` where it exists
    /// (iOS 17.4, macOS 14.4), which deprecates `init(url:callbackURLScheme:completionHandler:)`;
    /// the older initializer below that, where only a custom scheme is possible. Apple:
    /// https://developer.apple.com/documentation/authenticationservices/aswebauthenticationsession/init(url:callback:completionhandler:)-6nut7
    private static func makeSession(
        url: URL, callback: Callback, completion: @escaping ASWebAuthenticationSession.CompletionHandler
    ) throws -> ASWebAuthenticationSession {
        if #available(iOS 17.4, macOS 14.4, visionOS 1.1, *) {
            switch callback {
            case .customScheme(let name):
                return ASWebAuthenticationSession(url: url, callback: .customScheme(name), completionHandler: completion)
            case .https(let host, let path):
                return ASWebAuthenticationSession(url: url, callback: .https(host: host, path: path), completionHandler: completion)
            }
        }
        switch callback {
        case .customScheme(let name):
            return ASWebAuthenticationSession(url: url, callbackURLScheme: name, completionHandler: completion)
        case .https:
            throw PresentError.httpsCallbackUnavailable
        }
    }

    /// Whether this system can complete a session on an https link (`Callback.https`): iOS 17.4,
    /// macOS 14.4. Below, `present` throws `.httpsCallbackUnavailable`.
    public nonisolated static var supportsHTTPSCallback: Bool {
        if #available(iOS 17.4, macOS 14.4, visionOS 1.1, *) { return true }
        return false
    }

    /// Maps what ASWebAuthenticationSession reports. The user's cancel is a completion, not an error.
    nonisolated static func completion(callbackURL: URL?, error: Error?) -> Result<Completion, Error> {
        if let error = error {
            if let authError = error as? ASWebAuthenticationSessionError {
                switch authError.code {
                case .canceledLogin:
                    return .success(.cancelledByUser)
                case .presentationContextNotProvided, .presentationContextInvalid:
                    return .failure(PresentError.presentationContextMissing)
                @unknown default:
                    return .failure(PresentError.failed(authError.localizedDescription))
                }
            }
            return .failure(PresentError.failed(error.localizedDescription))
        }
        guard let url = callbackURL else { return .failure(PresentError.failed("no callback URL")) }
        return .success(.redirected(url))
    }
}

/// Supplies the window; called by the system on the main thread.
private final class ContextProvider: NSObject, ASWebAuthenticationPresentationContextProviding {
    private let anchor: ASPresentationAnchor?

    init(anchor: ASPresentationAnchor?) {
        self.anchor = anchor
    }

    func presentationAnchor(for session: ASWebAuthenticationSession) -> ASPresentationAnchor {
        if let anchor = anchor { return anchor }
        return MainActor.assumeIsolated { Self.keyWindow() ?? ASPresentationAnchor() }
    }

    @MainActor
    private static func keyWindow() -> ASPresentationAnchor? {
        #if canImport(UIKit)
        return UIApplication.shared.connectedScenes
            .compactMap { $0 as? UIWindowScene }
            .flatMap { $0.windows }
            .first { $0.isKeyWindow }
        #elseif canImport(AppKit)
        return NSApplication.shared.keyWindow
        #else
        return nil
        #endif
    }
}

/// Resumes a continuation exactly once, whichever of completion, start failure or task
/// cancellation comes first.
private final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<CheckoutPresenter.Completion, Error>?
    private var early: Result<CheckoutPresenter.Completion, Error>?
    private var done = false

    /// Whether a result was delivered (or is held for the continuation).
    var isFinished: Bool {
        lock.lock()
        defer { lock.unlock() }
        return done
    }

    func set(_ c: CheckedContinuation<CheckoutPresenter.Completion, Error>) {
        lock.lock()
        if let result = early {
            early = nil
            lock.unlock()
            c.resume(with: result)
            return
        }
        continuation = c
        lock.unlock()
    }

    func resume(with result: Result<CheckoutPresenter.Completion, Error>) {
        lock.lock()
        if done {
            lock.unlock()
            return
        }
        done = true
        guard let c = continuation else {
            // Cancelled before the continuation existed: deliver when it is set.
            early = result
            lock.unlock()
            return
        }
        continuation = nil
        lock.unlock()
        c.resume(with: result)
    }
}
