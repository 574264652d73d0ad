// Secrets never reach Swift text: `Credential` is an opaque object whose `description` and
// `debugDescription` are Rust's redacting Display and Debug, so `print(config)`, string
// interpolation, `dump` and the errors that reject a credential show no key or token.
import Foundation
import XCTest

@testable import CheckoutBridge

final class SecretTests: XCTestCase {
    private let key = "sk_test_" + "SwiftNeverShowThisKey4242"
    private let token = "usr-" + "SwiftNeverShowThisToken7f3a"

    /// No 6-character piece of `secret` in `text`.
    private func assertNoSecret(_ text: String, _ secret: String, file: StaticString = #filePath, line: UInt = #line) {
        let chars = Array(secret)
        for length in 6...chars.count {
            for start in 0...(chars.count - length) {
                let piece = String(chars[start..<(start + length)])
                XCTAssertFalse(text.contains(piece), "secret piece \(piece) in: \(text)", file: file, line: line)
            }
        }
    }

    private func assertNoSecrets(_ texts: [String], file: StaticString = #filePath, line: UInt = #line) {
        for text in texts {
            assertNoSecret(text, String(key.dropFirst("sk_test_".count)), file: file, line: line)
            assertNoSecret(text, String(token.dropFirst("usr-".count)), file: file, line: line)
        }
    }

    func testDescriptionsOfCredentialsAndConfigsCarryNoSecret() {
        let direct = Credential.secretKey(key: key)
        let backend = Credential.backend(bearerToken: token)
        var texts: [String] = []
        for credential in [direct, backend] {
            texts += [
                credential.description, credential.debugDescription, "\(credential)",
                String(describing: credential), String(reflecting: credential),
            ]
        }
        let configs = [
            ClientConfig(baseUrl: "http://127.0.0.1:9", credential: direct),
            ClientConfig(baseUrl: "https://api.shop.example", credential: backend, maxRetries: 0),
        ]
        for config in configs {
            var dumped = ""
            dump(config, to: &dumped)
            texts += [String(describing: config), String(reflecting: config), "\(config)", dumped]
        }
        assertNoSecrets(texts)
        XCTAssertEqual(direct.description, "secret key (test), redacted")
        XCTAssertEqual(backend.description, "backend token, redacted")
        XCTAssertTrue(backend.isBackend())
        XCTAssertFalse(direct.isBackend())
    }

    func testErrorsThatRejectACredentialNeverQuoteIt() {
        let live = "sk_live_" + "SwiftNeverShowThisLive4242"
        var errors: [Error] = []
        // A live key passed off as a backend token, as an app's CI would check ahead of time.
        XCTAssertThrowsError(try validateCredential(credential: .backend(bearerToken: live), onDevice: true)) { error in
            guard let e = error as? CheckoutError, case .LiveKeyOnDevice = e else { return XCTFail("\(error)") }
            errors.append(error)
        }
        // A backend token with the default base URL (Stripe's) is refused before anything is sent.
        XCTAssertThrowsError(try CheckoutClient(config: ClientConfig(credential: .backend(bearerToken: token)))) { error in
            guard let e = error as? CheckoutError, case .InvalidInput(let field, _) = e else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "base_url")
            errors.append(error)
        }
        XCTAssertThrowsError(try CheckoutClient(config: ClientConfig(
            baseUrl: "https://api.shop.example", credential: .backend(bearerToken: token + " injected")))) { error in
            guard let e = error as? CheckoutError, case .InvalidInput(let field, _) = e else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "credential.bearer_token")
            errors.append(error)
        }
        XCTAssertEqual(errors.count, 3)
        for error in errors {
            let texts = [String(describing: error), String(reflecting: error), error.localizedDescription, "\(error)"]
            assertNoSecrets(texts)
            for text in texts {
                assertNoSecret(text, String(live.dropFirst("sk_live_".count)))
            }
        }
    }

    /// What an app shows (`error.localizedDescription`, `"\(error)"`) is the library's sentence,
    /// not a dump of the enum case (CheckoutErrorDescription.swift).
    func testErrorTextIsTheLibrarysSentence() {
        XCTAssertThrowsError(try CheckoutClient(config: ClientConfig(credential: .backend(bearerToken: token)))) { error in
            guard let e = error as? CheckoutError else { return XCTFail("\(error)") }
            XCTAssertFalse(e.description.isEmpty)
            XCTAssertEqual(error.localizedDescription, e.description)
            XCTAssertEqual("\(error)", e.description)
            XCTAssertEqual(String(reflecting: e), e.description)
            XCTAssertFalse(error.localizedDescription.contains("CheckoutError"), error.localizedDescription)
            self.assertNoSecrets([error.localizedDescription])
        }
    }

    func testCheckoutUrlsTheAppMustNotOpenAreRefused() throws {
        let client = try CheckoutClient(config: ClientConfig(credential: .secretKey(key: key)))
        XCTAssertNoThrow(try client.checkCheckoutUrl(url: "https://checkout.stripe.com/c/pay/cs_test_1#fid"))
        for url in ["http://checkout.stripe.com/c/pay/cs_1", "https://evil.example/c/pay/cs_1", "javascript:alert(1)"] {
            XCTAssertThrowsError(try client.checkCheckoutUrl(url: url)) { error in
                guard let e = error as? CheckoutError, case .UntrustedCheckoutUrl = e else { return XCTFail("\(url): \(error)") }
            }
        }
    }
}
