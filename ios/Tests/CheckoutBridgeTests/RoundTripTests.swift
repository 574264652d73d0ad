// The whole round trip through the Swift bindings and the XCFramework's macOS slice, against the
// Stripe emulator (TestEmulator). Runs with `swift test` on a Mac (ios/build-xcframework.sh
// --debug first: the round trip talks plain http to the emulator, which release device builds
// refuse).
import AuthenticationServices
import Foundation
import XCTest

@testable import CheckoutBridge

final class RoundTripTests: XCTestCase {
    private func makeFlow() throws -> CheckoutFlow {
        let base = try TestEmulator.url()
        let client = try CheckoutClient(config: ClientConfig(
            baseUrl: base, credential: .secretKey(key: "sk_test_SwiftRoundTrip42"), maxRetries: 0))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return try CheckoutFlow(client: client, returnBase: "myapp://checkout", store: try openFileStore(dir: dir.path))
    }

    private let tshirt = simpleCheckoutParams(simple: SimpleCheckout(amount: 1999, currency: "usd", name: "T-shirt"))

    func testPayThenReturnLinkIsPaid() async throws {
        let flow = try makeFlow()
        let pending = try await flow.start(params: tshirt)
        let link = try await TestEmulator.click("Pay", on: pending.url)
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
        let base = try TestEmulator.url()
        var request = URLRequest(url: URL(string: "\(base)/_emulator/sessions/\(sessionId)/complete")!)
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
        let link = try await TestEmulator.click("Cancel", on: pending.url)
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
        XCTAssertThrowsError(try CheckoutPresenter.completion(callbackURL: nil, error: noContext).get()) { error in
            XCTAssertEqual(error as? CheckoutPresenter.PresentError, .presentationContextMissing)
            XCTAssertEqual(error.localizedDescription, "There is no window to show the checkout page over.")
        }
    }
}
