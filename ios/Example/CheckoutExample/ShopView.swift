// The one screen: a product, a Buy button, and what Stripe said.
import CheckoutBridge
import SwiftUI

struct ShopView: View {
    @StateObject private var checkout = Configuration.makeModel()

    var body: some View {
        VStack(spacing: 24) {
            Text("T-shirt").font(.largeTitle)
            Text("$19.99").font(.title2).foregroundStyle(.secondary)
            Button("Buy") {
                checkout.start(SimpleCheckout(amount: 1999, currency: "usd", name: "T-shirt"))
            }
            .buttonStyle(.borderedProminent)
            .disabled(checkout.isBusy)
            if checkout.isBusy { ProgressView() }
            if let result = checkout.result { ResultView(result: result) }
            if let error = checkout.error { Text(error.localizedDescription).foregroundStyle(.red) }
        }
        .padding()
        .onOpenURL { checkout.handleReturnLink($0) }
    }
}

/// What the verified result means to the customer.
struct ResultView: View {
    let result: PaymentResult

    var body: some View {
        VStack(spacing: 8) {
            Text(headline).font(.headline)
            if let receipt = result.receipt {
                Text("\(receipt.total) \(receipt.currency.uppercased()) (minor units)").font(.footnote)
            }
            Text(result.session.id).font(.caption.monospaced()).foregroundStyle(.secondary)
        }
    }

    private var headline: String {
        switch result.outcome {
        case .paid: return "Paid. Thank you!"
        case .processing: return "Payment processing"
        case .open: return "Not paid (the page was closed)"
        case .canceled: return "Canceled"
        case .expired: return "Expired"
        }
    }
}
