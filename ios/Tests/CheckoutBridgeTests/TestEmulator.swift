// The Stripe emulator the package's tests talk to, started once per test process, and a scripted
// customer on its hosted page. The binary comes from STRIPE_EMULATOR, or the repository's
// target/debug/stripe-emulator (`cargo build -p checkout-bridge-emulator --bin stripe-emulator`).
import Foundation
import XCTest

enum TestEmulator {
    /// "http://127.0.0.1:PORT", or why the emulator could not start (every test using it fails).
    static func url() throws -> String {
        try started.get()
    }

    private static let started: Result<String, Error> = Result { try start() }
    /// Kept open for the life of the test process: --exit-on-stdin-eof stops the emulator when
    /// the process ends, even after a crash.
    nonisolated(unsafe) private static var stdinPipe: Pipe?

    private static func path() -> String {
        if let path = ProcessInfo.processInfo.environment["STRIPE_EMULATOR"] { return path }
        // ios/Tests/CheckoutBridgeTests/TestEmulator.swift -> repository root.
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("target/debug/stripe-emulator").path
    }

    private static func start() throws -> String {
        let path = path()
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw NSError(domain: "TestEmulator", code: 1, userInfo: [NSLocalizedDescriptionKey:
                "no stripe-emulator at \(path): cargo build -p checkout-bridge-emulator --bin stripe-emulator, or set STRIPE_EMULATOR"])
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
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
            throw NSError(domain: "TestEmulator", code: 2, userInfo: [NSLocalizedDescriptionKey: "emulator said: \(text)"])
        }
        stdinPipe = stdin
        return String(text.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
    }

    /// Acts like the customer on the hosted page: POST the form of `button`, return the redirect.
    static func click(_ button: String, on pageURL: String) async throws -> String {
        let http = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
        let (data, _) = try await http.data(from: try XCTUnwrap(URL(string: pageURL)))
        let page = String(decoding: data, as: UTF8.self)
        let pattern = #"<form method="post" action="([^"]+)">\s*<button[^>]*>([^<]*)</button>"#
        let regex = try NSRegularExpression(pattern: pattern)
        var action: String?
        for m in regex.matches(in: page, range: NSRange(page.startIndex..., in: page)) {
            guard let labelRange = Range(m.range(at: 2), in: page), let actionRange = Range(m.range(at: 1), in: page) else { continue }
            if page[labelRange].trimmingCharacters(in: .whitespacesAndNewlines) == button { action = String(page[actionRange]) }
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
}

private final class NoRedirects: NSObject, URLSessionTaskDelegate {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
