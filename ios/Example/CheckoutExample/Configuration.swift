// Where the example app takes its payments: environment variables of the Xcode scheme
// (Product › Scheme › Edit Scheme › Run › Environment Variables).
import CheckoutBridge
import Foundation

/// `CHECKOUT_BACKEND_URL` + `CHECKOUT_BEARER_TOKEN`: your server (backend mode, the recommended
/// setup). Otherwise the Stripe emulator at `STRIPE_EMULATOR_URL` (default
/// `http://127.0.0.1:12111`: run `target/debug/stripe-emulator --port 12111` on the Mac; the
/// simulator shares its loopback) with a test key, in direct mode. Plain http needs the
/// XCFramework from `ios/build-xcframework.sh --debug`.
enum Configuration {
    static let returnBase = "checkoutexample://checkout"

    static func makeModel(environment: [String: String] = ProcessInfo.processInfo.environment) -> CheckoutModel {
        if let backend = environment["CHECKOUT_BACKEND_URL"], let token = environment["CHECKOUT_BEARER_TOKEN"] {
            return CheckoutModel(backend: backend, returnBase: returnBase) { token }
        }
        let emulator = environment["STRIPE_EMULATOR_URL"] ?? "http://127.0.0.1:12111"
        return CheckoutModel(returnBase: returnBase) {
            try CheckoutClient(config: ClientConfig(baseUrl: emulator, credential: .secretKey(key: "sk_test_CheckoutExample")))
        }
    }
}
