// CheckoutModel against the Stripe emulator (TestEmulator), with a scripted customer in place of
// the ASWebAuthenticationSession sheet: warm-up off the main thread, pay, close the sheet, a
// failed warm-up, a busy model, cancellation, an earlier run's paid checkout, a link from outside
// the sheet. Runs with `swift test` on a Mac (ios/build-xcframework.sh --debug first).
import AuthenticationServices
import Foundation
import XCTest

@testable import CheckoutBridge

@MainActor
final class CheckoutModelTests: XCTestCase {
    private let tshirt = SimpleCheckout(amount: 1999, currency: "usd", name: "T-shirt")

    private func directory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    private func makeModel(returnBase: String = "myapp://checkout", in dir: URL) throws -> CheckoutModel {
        let base = try TestEmulator.url()
        return CheckoutModel(returnBase: returnBase, storeDirectory: dir) {
            try CheckoutClient(config: ClientConfig(baseUrl: base, credential: .secretKey(key: "sk_test_SwiftModel42"), maxRetries: 0))
        }
    }

    /// The customer presses `button` on the page; the sheet hands back the link Stripe redirected to.
    private func customer(pressing button: String) -> @MainActor (PendingCheckout, CheckoutPresenter.Callback, ASPresentationAnchor?) async throws -> CheckoutPresenter.Completion {
        return { pending, callback, _ in
            XCTAssertEqual(callback, .customScheme("myapp"))
            let link = try await TestEmulator.click(button, on: pending.url)
            return .redirected(try XCTUnwrap(URL(string: link)))
        }
    }

    /// Waits (at most 10 s) for `condition`.
    private func eventually(_ what: String, _ condition: () -> Bool) async throws {
        for _ in 0..<200 {
            if condition() { return }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        XCTFail("timed out waiting for \(what)")
    }

    func testWarmUpRunsOffTheMainThreadAndDerivesTheCallback() async throws {
        let model = try makeModel(in: try directory())       // on the main actor, like a view's @StateObject
        let warm = try await model.provider.warm.value
        XCTAssertFalse(warm.onMainThread)
        XCTAssertEqual(warm.callback, .customScheme("myapp"))
        XCTAssertEqual(warm.earlier, [])
        let https = CheckoutModel(returnBase: "https://shop.example/checkout", storeDirectory: try directory()) {
            throw CancellationError()
        }
        let httpsCallback = try await https.provider.warm.value.callback
        XCTAssertEqual(httpsCallback, .https(host: "shop.example", path: "/checkout"))
    }

    func testRunPaysAndPublishesTheVerifiedResult() async throws {
        let model = try makeModel(in: try directory())
        model.present = customer(pressing: "Pay")
        let result = try await model.run(tshirt)
        XCTAssertEqual(result.outcome, .paid)
        XCTAssertEqual(result.receipt?.total, 1999)
        XCTAssertEqual(model.result, result)
        XCTAssertNil(model.error)
        XCTAssertFalse(model.isBusy)
    }

    func testStartFromAButtonPublishesTheResult() async throws {
        let model = try makeModel(in: try directory())
        model.present = customer(pressing: "Cancel")
        model.start(tshirt)
        XCTAssertTrue(model.isBusy)                          // at once: the button can be disabled
        model.start(tshirt)                                  // ignored while busy
        try await eventually("a result") { model.result != nil && !model.isBusy }
        XCTAssertEqual(model.result?.outcome, .canceled)
        XCTAssertNil(model.error)
    }

    func testClosedSheetResolvesToOpenWithoutError() async throws {
        let model = try makeModel(in: try directory())
        model.present = { _, _, _ in .cancelledByUser }
        let result = try await model.run(tshirt)
        XCTAssertEqual(result.outcome, .open)
        XCTAssertNil(model.error)
    }

    func testFailedWarmUpIsPublishedAndThrown() async throws {
        let model = try makeModel(returnBase: "not a return base", in: try directory())
        try await eventually("the warm-up error") { model.error != nil }
        guard case .InvalidInput? = model.error as? CheckoutError else { return XCTFail("unexpected \(String(describing: model.error))") }
        do {
            _ = try await model.run(tshirt)
            XCTFail("a checkout ran on a model that never warmed up")
        } catch is CheckoutError {
            XCTAssertNotNil(model.error)
        }
    }

    func testSecondRunWhileBusyThrowsBusy() async throws {
        let model = try makeModel(in: try directory())
        let gate = AsyncGate()
        model.present = { _, _, _ in
            await gate.wait()
            return .cancelledByUser
        }
        let first = Task { try await model.run(tshirt) }
        try await eventually("the first checkout to be presented") { gate.waiting }
        do {
            _ = try await model.run(tshirt)
            XCTFail("two checkouts ran at once")
        } catch let error as CheckoutModel.Busy {
            XCTAssertEqual(error, CheckoutModel.Busy())
        }
        gate.open()
        let firstResult = try await first.value
        XCTAssertEqual(firstResult.outcome, .open)
    }

    func testCancelEndsTheCheckoutWithoutAnError() async throws {
        let model = try makeModel(in: try directory())
        model.present = { _, _, _ in
            try await Task.sleep(nanoseconds: 60_000_000_000)   // a sheet nobody closes
            return .cancelledByUser
        }
        model.start(tshirt)
        try await eventually("the sheet") { model.isBusy }
        try await Task.sleep(nanoseconds: 200_000_000)
        model.cancel()
        try await eventually("the end of the checkout") { !model.isBusy }
        XCTAssertNil(model.error)
        XCTAssertNil(model.result)
    }

    func testTaskCancelledBeforeTheSessionCreatesNone() async throws {
        let model = try makeModel(in: try directory())
        model.present = { _, _, _ in
            XCTFail("a cancelled checkout was presented")
            return .cancelledByUser
        }
        let checkout = Task { try await model.run(tshirt) }
        checkout.cancel()                                    // before the task first runs (same actor)
        do {
            _ = try await checkout.value
            XCTFail("a cancelled checkout ran")
        } catch is CancellationError {}
        XCTAssertNil(model.error)
        XCTAssertFalse(model.isBusy)
        let flow = try await model.provider.currentFlow()
        XCTAssertEqual(try flow.pending(), [])               // no session was created
    }

    func testEarlierRunsPaidCheckoutIsPublishedAtStart() async throws {
        let dir = try directory()
        let first = try makeModel(in: dir)
        first.present = { pending, _, _ in
            _ = try await TestEmulator.click("Pay", on: pending.url)
            throw CancellationError()                        // the app died before the link came back
        }
        do {
            _ = try await first.run(tshirt)
            XCTFail("expected the scripted interruption")
        } catch is CancellationError {}
        XCTAssertNil(first.result)
        let second = try makeModel(in: dir)
        try await eventually("the earlier checkout's result") { second.result != nil }
        XCTAssertEqual(second.result?.outcome, .paid)
        XCTAssertNil(second.error)
    }

    func testEarlierRunsResultNeverReplacesANewerOne() async throws {
        let model = try makeModel(in: try directory())
        model.present = { _, _, _ in .cancelledByUser }
        let now = try await model.run(tshirt)               // this run: the sheet closed, `.open`
        var earlier = now
        earlier.outcome = .paid                              // an earlier run's checkout, answered late
        model.publishEarlier([earlier])
        XCTAssertEqual(model.result, now)
        XCTAssertEqual(model.result?.outcome, .open)
    }

    func testLinkFromOutsideTheSheetIsVerifiedAndOthersIgnored() async throws {
        let model = try makeModel(in: try directory())
        let item = tshirt
        let (_, pending) = try await model.provider.start { simpleCheckoutParams(simple: item) }
        let link = try await TestEmulator.click("Pay", on: pending.url)
        model.handleReturnLink(try XCTUnwrap(URL(string: "myapp://elsewhere/profile")))
        model.handleReturnLink(try XCTUnwrap(URL(string: link)))
        try await eventually("the verified link") { model.result != nil }
        XCTAssertEqual(model.result?.outcome, .paid)
        XCTAssertEqual(model.result?.session.id, pending.sessionId)
        XCTAssertNil(model.error)
    }

    func testForeignLinkAsksForNoClient() async throws {
        let model = CheckoutModel(returnBase: "myapp://checkout", storeDirectory: try directory()) {
            throw NoSignedInUser()                           // the token closure of a signed-out app
        }
        for foreign in ["myapp://elsewhere/profile", "myapp://checkout/orders", "https://shop.example/checkout/success?state=s"] {
            let result = try await model.provider.handle(link: foreign)
            XCTAssertNil(result, foreign)
        }
        do {
            _ = try await model.provider.handle(link: "myapp://checkout/success?session_id=cs_test_1&state=s")
            XCTFail("a link to the return base was verified without a client")
        } catch is NoSignedInUser {}                         // only the model's own links ask for one
        model.handleReturnLink(try XCTUnwrap(URL(string: "myapp://elsewhere/profile")))
        try await Task.sleep(nanoseconds: 200_000_000)
        XCTAssertNil(model.error)
    }
}

/// What a client closure throws when the app has no signed-in user.
private struct NoSignedInUser: Error {}

/// Holds a scripted sheet open until the test opens it.
@MainActor
private final class AsyncGate {
    private var continuation: CheckedContinuation<Void, Never>?
    private var opened = false
    var waiting: Bool { continuation != nil }

    func wait() async {
        if opened { return }
        await withCheckedContinuation { continuation = $0 }
    }

    func open() {
        opened = true
        continuation?.resume()
        continuation = nil
    }
}
