// CheckoutError's text is the Rust library's sentence. Part of module CheckoutBridge, next to the
// generated bindings.
import Foundation

/// The generated `CheckoutError.description` is Rust's `Display` (a readable sentence without any
/// key or token, the same as Kotlin's `toString()`), but uniffi 0.32 does not declare
/// `CustomStringConvertible` for error enums. Without it, `localizedDescription` (the generated
/// `errorDescription` is `String(reflecting: self)`), `"\(error)"` and `print(error)` show a dump
/// of the enum case, `CheckoutBridge.CheckoutError.Network(reason: "…")`, where an app displays
/// the error. scripts/swift_conformance_check.py fails when this is missing, and when the
/// generated Swift declares the conformance itself (then delete this: a redundant conformance
/// does not compile).
extension CheckoutError: CustomStringConvertible {}
