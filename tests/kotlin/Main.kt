// A small test runner: no JUnit. Runs every registered test (or those whose name contains one
// of the command-line words), prints PASS/FAIL per test with the failure, and ends with
// `kotlin: N passed, M failed`. Exit status 1 when anything failed.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlin.system.exitProcess
import kotlin.test.fail

class TestCase(val name: String, val body: suspend CoroutineScope.() -> Unit)

class Tests {
    val all = mutableListOf<TestCase>()
    fun test(name: String, body: suspend CoroutineScope.() -> Unit) {
        all += TestCase(name, body)
    }
}

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

fun main(args: Array<String>) {
    val tests = Tests()
    io.checkoutbridge.CheckoutBridgeRuntime.keepCallbackThreadAttached()
    // First: it counts the library's threads, best measured before other tests start theirs.
    registerThreadTests(tests)
    registerClientTests(tests)
    registerFlowTests(tests)
    registerErrorTests(tests)
    registerConcurrencyTests(tests)
    registerStoreTests(tests)
    registerReturnUrlTests(tests)
    registerSecretTests(tests)

    val selected = if (args.isEmpty()) tests.all else tests.all.filter { t -> args.any { t.name.contains(it) } }
    println("emulator: ${Emulator.baseUrl}")
    var passed = 0
    var failed = 0
    for (t in selected) {
        val started = System.nanoTime()
        val error: Throwable? = try {
            runBlocking { withTimeout(60_000) { t.body(this) } }
            null
        } catch (e: Throwable) {
            e
        }
        val ms = (System.nanoTime() - started) / 1_000_000
        if (error == null) {
            passed++
            println("PASS ${t.name} (${ms} ms)")
        } else {
            failed++
            println("FAIL ${t.name} (${ms} ms): ${error::class.simpleName}: ${error.message}")
            error.stackTrace.take(6).forEach { println("     at $it") }
        }
        // A test that left faults queued must not break the next one.
        runCatching { Emulator.clearFaults() }
    }
    if (selected.isEmpty()) {
        failed++
        println("FAIL no test matches ${args.joinToString(" ")}")
    }
    System.out.flush()
    println("kotlin: $passed passed, $failed failed")
    System.out.flush()
    exitProcess(if (failed == 0) 0 else 1)
}
