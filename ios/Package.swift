// swift-tools-version:5.10
//
// checkout-bridge for iOS: the Rust core as an XCFramework (binary target), the UniFFI-generated
// Swift (module CheckoutBridge), CheckoutModel (SwiftUI / async) and CheckoutPresenter
// (ASWebAuthenticationSession), and the privacy manifest.
//
// Tools version 5.10, i.e. Xcode 15.3 or later: CheckoutPresenter uses the iOS 17.4 SDK's
// ASWebAuthenticationSession.Callback (behind #available) and MainActor.assumeIsolated as
// back-deployed by Swift 5.10; Xcode 15.0–15.2 cannot compile them. scripts/ios-check.sh keeps
// this line, docs/ios.md and the example app in step.
//
// Build the binary and copy the generated Swift first:   ios/build-xcframework.sh
// (it writes ios/CheckoutBridgeFFI.xcframework and ios/Sources/CheckoutBridge/Generated/,
// both git-ignored: see that script for why the Swift is copied rather than symlinked).
//
// Use it from an app as a local package (File > Add Package Dependencies > Add Local…, pick
// ios/), or publish ios/ with the built XCFramework as its own repository: SwiftPM wants
// Package.swift at a repository's root for remote dependencies.
import PackageDescription

let package = Package(
    name: "CheckoutBridge",
    platforms: [
        // iOS 15: async/await in the SDK's frameworks without back-deployment shims.
        // The https callback (Universal Link return) needs iOS 17.4 at run time; see CheckoutPresenter.
        .iOS(.v15),
        // macOS only so that `swift test` can run the round trip on a Mac (the XCFramework
        // carries a macOS slice for this; an iOS app never uses it).
        .macOS(.v12),
    ],
    products: [
        .library(name: "CheckoutBridge", targets: ["CheckoutBridge"]),
    ],
    targets: [
        // The static Rust library with CheckoutBridgeFFI.h and its module map (module CheckoutBridgeFFI).
        .binaryTarget(name: "CheckoutBridgeFFI", path: "CheckoutBridgeFFI.xcframework"),
        .target(
            name: "CheckoutBridge",
            dependencies: ["CheckoutBridgeFFI"],
            path: "Sources/CheckoutBridge",
            // The required-reason APIs the library's code calls (docs/ios.md, "Privacy
            // manifest"); Xcode merges it into the app's privacy report.
            resources: [.process("PrivacyInfo.xcprivacy")],
            // Complete Sendable and actor-isolation checking (SE-0337's upcoming feature, on by
            // default in the Swift 6 language mode; compilers before Swift 6 ignore the name), so
            // a Mac build sees data-race mistakes such as a Task reading an enclosing closure's
            // weak (mutable) self. scripts/ios-check.sh keeps this line.
            swiftSettings: [.enableUpcomingFeature("StrictConcurrency")],
            // reqwest links rustls-platform-verifier on Apple targets, which calls Security.framework
            // (the library itself verifies with the compiled-in Mozilla roots).
            linkerSettings: [.linkedFramework("Security")]
        ),
        .testTarget(
            name: "CheckoutBridgeTests",
            dependencies: ["CheckoutBridge"],
            path: "Tests/CheckoutBridgeTests"
        ),
    ]
)
