// The example app: one screen that buys one item through CheckoutModel, against the Stripe
// emulator on the Mac's loopback (the default) or a backend you configure (see Configuration).
import SwiftUI

@main
struct CheckoutExampleApp: App {
    var body: some Scene {
        WindowGroup {
            ShopView()
        }
    }
}
