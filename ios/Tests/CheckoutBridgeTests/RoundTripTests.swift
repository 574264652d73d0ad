// The whole round trip through the Swift bindings and the XCFramework's macOS slice, against the
// Stripe emulator started by the test. Runs with `swift test` on a Mac (ios/build-xcframework.sh
// --debug first: the round trip talks plain http to the emulator, which release device builds
// refuse); the emulator binary comes from STRIPE_EMULATOR, or the repository's
// target/debug/stripe-emulator (`cargo build -p checkout-bridge-emulator --bin stripe-emulator`).
import AuthenticationServices
import Foundation
import XCTest

@testable import CheckoutBridge

final class RoundTripTests: XCTestCase {
    private static var emulator: Process?
    private static var stdinPipe: Pipe?
    private static var baseURL = ""

    override class func setUp() {
        super.setUp()
        do {
            try startEmulator()
        } catch {
            // Every test then fails in makeFlow() with this message.
            baseURL = "error: \(error)"
        }
    }

    override class func tearDown() {
        emulator?.terminate()
        emulator = nil
        super.tearDown()
    }

    private static func emulatorPath() -> String {
        if let path = ProcessInfo.processInfo.environment["STRIPE_EMULATOR"] { return path }
        // ios/Tests/CheckoutBridgeTests/RoundTripTests.swift -> repository root.
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("target/debug/stripe-emulator").path
    }

    private static func startEmulator() throws {
        let path = emulatorPath()
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw NSError(domain: "RoundTripTests", code: 1, userInfo: [NSLocalizedDescriptionKey:
                "no stripe-emulator at \(path): cargo build -p checkout-bridge-emulator --bin stripe-emulator, or set STRIPE_EMULATOR"])
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        // --exit-on-stdin-eof: the emulator exits with this test process, even after a crash.
        process.arguments = ["--port", "0", "--exit-on-stdin-eof"]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        // First line: "stripe-emulator listening on http://127.0.0.1:PORT".
        var line = Data()
        while true {
            let byte = stdout.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        let prefix = "stripe-emulator listening on "
        guard text.hasPrefix(prefix) else {
            throw NSError(domain: "RoundTripTests", code: 2, userInfo: [NSLocalizedDescriptionKey: "emulator said: \(text)"])
        }
        emulator = process
        stdinPipe = stdin
        baseURL = String(text.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
    }

    private func makeFlow() throws -> CheckoutFlow {
        let base = Self.baseURL
        guard base.hasPrefix("http://") else {
            throw NSError(domain: "RoundTripTests", code: 3, userInfo: [NSLocalizedDescriptionKey: base])
        }
        let client = try CheckoutClient(config: ClientConfig(
            baseUrl: base, credential: .secretKey(key: "sk_test_SwiftRoundTrip42"), maxRetries: 0))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return try CheckoutFlow(client: client, returnBase: "myapp://checkout", store: try openFileStore(dir: dir.path))
    }

    private let tshirt = simpleCheckoutParams(simple: SimpleCheckout(amount: 1999, currency: "usd", name: "T-shirt"))

    /// Acts like the customer on the hosted page: POST the form of `button`, return the redirect.
    private func click(_ button: String, on pageURL: String) async throws -> String {
        let noRedirects = NoRedirects()
        let http = URLSession(configuration: .ephemeral, delegate: noRedirects, delegateQueue: nil)
        let (data, _) = try await http.data(from: URL(string: pageURL)!)
        let page = String(decoding: data, as: UTF8.self)
        let pattern = #"<form method="post" action="([^"]+)">\s*<button[^>]*>([^<]*)</button>"#
        let regex = try NSRegularExpression(pattern: pattern)
        var action: String?
        for m in regex.matches(in: page, range: NSRange(page.startIndex..., in: page)) {
            let label = String(page[Range(m.range(at: 2), in: page)!]).trimmingCharacters(in: .whitespacesAndNewlines)
            if label == button { action = String(page[Range(m.range(at: 1), in: page)!]) }
        }
        let target = try XCTUnwrap(action.flatMap { URL(string: $0, relativeTo: URL(string: pageURL)) }, "no \(button) form")
        var request = URLRequest(url: target)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        let (_, response) = try await http.data(for: request)
        let http303 = try XCTUnwrap(response as? HTTPURLResponse)
        XCTAssertEqual(http303.statusCode, 303)
        return try XCTUnwrap(http303.value(forHTTPHeaderField: "Location"))
    }

    func testPayThenReturnLinkIsPaid() async throws {
        let flow = try makeFlow()
        let pending = try await flow.start(params: tshirt)
        let link = try await click("Pay", on: pending.url)
        XCTAssertTrue(link.hasPrefix("myapp://checkout/success?"), link)
        let result = try await flow.handleReturnUrl(url: link)
        XCTAssertEqual(result.outcome, .paid)
        XCTAssertEqual(result.session.id, pending.sessionId)
        XCTAssertTrue(try flow.pending().isEmpty)
    }

    /// Two teas at 12.50 (adjustable), promotion codes, automatic tax and two shipping rates.
    private let discountedTaxedShipped = CreateSessionParams(
        mode: .payment,
        lineItems: [LineItemParams(
            price: .inline(currency: "usd", unitAmount: 1250, productName: "Tea", taxBehavior: .exclusive),
            quantity: 2,
            adjustableQuantity: AdjustableQuantity(enabled: true, minimum: 1, maximum: 10))],
        allowPromotionCodes: true,
        automaticTax: AutomaticTax(enabled: true),
        shippingAddressCollection: ShippingAddressCollection(allowedCountries: ["US", "DE"]),
        shippingOptions: [.rate(id: "shr_test_standard"), .rate(id: "shr_test_express")])

    /// The customer's choices on the page, through the emulator's control endpoint.
    private func completeWithChoices(_ sessionId: String) async throws {
        var request = URLRequest(url: URL(string: "\(Self.baseURL)/_emulator/sessions/\(sessionId)/complete")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"paid":true,"promotion_code":"SAVE10","shipping_rate":"shr_test_express","quantities":[3],"country":"DE"}"#.utf8)
        let (body, response) = try await URLSession(configuration: .ephemeral).data(for: request)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200, String(decoding: body, as: UTF8.self))
    }

    func testDiscountedTaxedShippedCheckoutIsPaidWithItsReceipt() async throws {
        let flow = try makeFlow()
        let pending = try await flow.start(params: discountedTaxedShipped)
        XCTAssertEqual(pending.amountTotal, 2500 + 500)
        try await completeWithChoices(pending.sessionId)
        let link = "myapp://checkout/success?session_id=\(pending.sessionId)&state=\(pending.state)"
        let result = try await flow.handleReturnUrl(url: link)
        // The total changed (SAVE10, express shipping, 3 items, German tax), honestly: paid.
        XCTAssertEqual(result.outcome, .paid)
        XCTAssertEqual(result.receipt, Receipt(
            currency: "usd", subtotal: 3750, discount: 375, shipping: 1500,
            tax: 641 + 285, total: 3750 - 375 + 1500 + 641 + 285, shippingRate: "shr_test_express"))
    }

    func testCancelLinkIsCanceled() async throws {
        let flow = try makeFlow()
        let pending = try await flow.start(params: tshirt)
        let link = try await click("Cancel", on: pending.url)
        let result = try await flow.handleReturnUrl(url: link)
        XCTAssertEqual(result.outcome, .canceled)
    }

    func testSheetClosedWithoutLinkResolvesToOpen() async throws {
        let flow = try makeFlow()
        let pending = try await flow.start(params: tshirt)
        // What the app does on CheckoutPresenter.Completion.cancelledByUser:
        let result = try await flow.resolvePending(sessionId: pending.sessionId)
        XCTAssertEqual(result.outcome, .open)
        XCTAssertEqual(try flow.pending().map(\.sessionId), [pending.sessionId])
    }

    func testForgedLinkIsRejected() async throws {
        let flow = try makeFlow()
        _ = try await flow.start(params: tshirt)
        do {
            _ = try await flow.handleReturnUrl(url: "myapp://checkout/success?session_id=cs_test_x&state=forged")
            XCTFail("a forged link was accepted")
        } catch let error as CheckoutError {
            guard case .InvalidReturnUrl = error else { return XCTFail("unexpected \(error)") }
        }
    }

    func testPresenterMapsTheUsersCancel() {
        let cancel = ASWebAuthenticationSessionError(.canceledLogin)
        XCTAssertEqual(try CheckoutPresenter.completion(callbackURL: nil, error: cancel).get(), .cancelledByUser)
        let url = URL(string: "myapp://checkout/success?session_id=cs_1&state=s")!
        XCTAssertEqual(try CheckoutPresenter.completion(callbackURL: url, error: nil).get(), .redirected(url))
        let noContext = ASWebAuthenticationSessionError(.presentationContextNotProvided)
        XCTAssertThrowsError(try CheckoutPresenter.completion(callbackURL: nil, error: noContext).get())
    }
}

private final class NoRedirects: NSObject, URLSessionTaskDelegate {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
