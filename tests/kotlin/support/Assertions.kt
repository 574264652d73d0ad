// Assertions shared by the Kotlin tests: a typed CheckoutException with a usable, secret-free message.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.withContext
import kotlin.test.fail

/** Runs [block], which must throw [T]; returns it after checking its message is usable. */
suspend inline fun <reified T : CheckoutException> expectError(
    vararg hints: String,
    noinline block: suspend () -> Unit,
): T {
    val thrown = try {
        block()
        null
    } catch (e: Throwable) {
        e
    }
    when (thrown) {
        null -> fail("expected ${T::class.simpleName}, but the call succeeded")
        !is T -> fail("expected ${T::class.simpleName}, got ${thrown::class.qualifiedName}: ${thrown.message}", thrown)
        else -> {
            checkMessage(thrown, *hints)
            return thrown
        }
    }
}

/** A message a developer can act on: not blank, names what went wrong, never shows the key. */
fun checkMessage(e: Throwable, vararg hints: String) {
    val msg = e.message ?: fail("${e::class.simpleName} has no message")
    if (msg.isBlank()) fail("${e::class.simpleName} has a blank message")
    // toString() is the library's own sentence (Rust's Display), e.g. "not found: HTTP 404 …".
    val readable = e.toString()
    if (e is CheckoutException && (readable.isBlank() || readable.startsWith("io.checkoutbridge"))) {
        fail("${e::class.simpleName}.toString() is not a readable sentence: $readable")
    }
    for (h in hints) {
        if (!msg.contains(h, ignoreCase = true) && !readable.contains(h, ignoreCase = true)) {
            fail("${e::class.simpleName} message lacks \"$h\": $msg / $readable")
        }
    }
    for (text in listOf(msg, e.toString())) {
        if (text.contains(TEST_KEY) || text.contains(TEST_KEY.removePrefix("sk_test_"))) {
            fail("${e::class.simpleName} message leaks the secret key: $text")
        }
    }
}

/**
 * Waits [ms] of real time. `runTest` skips `delay` in virtual time; where a test waits for the
 * emulator or the library's own threads, it has to wait for real (kotlinx-coroutines-test's
 * documented way: another dispatcher).
 */
suspend fun realDelay(ms: Long) = withContext(Dispatchers.Default) { delay(ms) }
