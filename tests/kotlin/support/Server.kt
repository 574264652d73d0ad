// The reference server (checkout-bridge-server) as the Kotlin tests' backend: one process per
// test JVM, in front of the emulator, with two app users; backend-mode clients for them.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutClient
import io.checkoutbridge.ClientConfig
import io.checkoutbridge.Credential
import java.io.File
import java.nio.file.Files
import java.security.MessageDigest
import java.util.concurrent.TimeUnit

/** App users' bearer tokens; the server knows only their SHA-256. Never in a message. */
const val ALICE_TOKEN = "kotlin-alice-token-NEVERPRINT-0123"
const val BOB_TOKEN = "kotlin-bob-token-NEVERPRINT-4567"
/** A user with a valid token who has bought nothing. */
const val CAROL_TOKEN = "kotlin-carol-token-NEVERPRINT-89ab"

/**
 * The server process, started lazily on first use with the emulator as its Stripe, a SQLite
 * file in a fresh temporary folder, and reconciliation off (the tests fulfil through the app's
 * own verification, `retrieveSession`). Stopped when the JVM exits.
 */
object Server {
    private val process: Process
    val baseUrl: String

    init {
        val path = System.getProperty("checkoutbridge.server")
            ?: System.getenv("CHECKOUT_BRIDGE_SERVER")
            ?: error("set -Dcheckoutbridge.server=PATH (or CHECKOUT_BRIDGE_SERVER) to the checkout-bridge-server binary")
        require(File(path).canExecute()) { "checkout-bridge-server not found or not executable at $path" }
        val dir = Files.createTempDirectory("cb-kotlin-server").toFile()
        val config = File(dir, "server.toml")
        config.writeText(
            """
            listen = "127.0.0.1:0"
            upstream_base_url = "${Emulator.baseUrl}"
            database_url = "sqlite://${File(dir, "server.db").path}"
            reconcile_interval_ms = 0
            rate_limit_per_minute = 100000
            address_rate_limit_per_minute = 100000
            [[app_tokens]]
            user = "alice"
            sha256 = "${sha256(ALICE_TOKEN)}"
            [[app_tokens]]
            user = "bob"
            sha256 = "${sha256(BOB_TOKEN)}"
            [[app_tokens]]
            user = "carol"
            sha256 = "${sha256(CAROL_TOKEN)}"
            [policy.prices]
            allow_inline = true
            allow_product_data = true
            max_amount = { usd = 100000 }
            [policy.return_urls]
            allowed = ["https://shop.example/"]
            """.trimIndent(),
        )
        val builder = ProcessBuilder(path, "--config", config.path)
            .redirectError(File(dir, "server.log"))
            .redirectInput(ProcessBuilder.Redirect.PIPE)
        builder.environment()["STRIPE_SECRET_KEY"] = TEST_KEY
        process = builder.start()
        val out = process.inputStream.bufferedReader()
        val first = out.readLine()
            ?: error("checkout-bridge-server exited: ${File(dir, "server.log").readText()}")
        val prefix = "checkout-bridge-server listening on "
        require(first.startsWith(prefix)) { "unexpected first line from checkout-bridge-server: $first" }
        baseUrl = first.removePrefix(prefix).trim()
        Thread({ out.forEachLine { } }, "server-stdout").apply { isDaemon = true }.start()
        Runtime.getRuntime().addShutdownHook(Thread {
            process.destroy()
            process.waitFor(5, TimeUnit.SECONDS)
            dir.deleteRecursively()
        })
    }

    private fun sha256(token: String): String =
        MessageDigest.getInstance("SHA-256").digest(token.toByteArray()).joinToString("") { "%02x".format(it) }
}

/** A backend-mode client for the app user holding [token], against [baseUrl] (the server by default). */
fun backendClient(token: String, baseUrl: String = Server.baseUrl): CheckoutClient = clientFor(
    ClientConfig(baseUrl = baseUrl, credential = Credential.backend(bearerToken = token), timeoutMs = 10_000L, maxRetries = 0),
)
