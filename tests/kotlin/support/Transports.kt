// Which transport the suite's clients send through: -Dcheckoutbridge.transport=reqwest (the
// built-in one, the default) or okhttp (io.checkoutbridge.okhttp.OkHttpTransport, kotlin-okhttp/).
// jvm/bindings/pom.xml runs the whole suite once with each.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutClient
import io.checkoutbridge.ClientConfig
import io.checkoutbridge.HttpTransport

object Transports {
    /** The transport of this run: "reqwest" or "okhttp". */
    val name: String = System.getProperty("checkoutbridge.transport") ?: "reqwest"

    /**
     * One OkHttpTransport for the run (one connection pool, as an app has), made by its no-argument
     * constructor through reflection: this file is also compiled into jvm/android's tests, which
     * do not have OkHttp on their class path.
     */
    val okHttp: HttpTransport by lazy {
        Class.forName("io.checkoutbridge.okhttp.OkHttpTransport").getDeclaredConstructor().newInstance() as HttpTransport
    }

    /** A client for [config] over this run's transport. */
    fun client(config: ClientConfig): CheckoutClient = when (name) {
        "reqwest" -> CheckoutClient(config)
        "okhttp" -> CheckoutClient.withTransport(config, okHttp)
        else -> error("unknown -Dcheckoutbridge.transport=$name (reqwest or okhttp)")
    }
}

/** A client for [config] over this run's transport (see [Transports]). */
fun clientFor(config: ClientConfig): CheckoutClient = Transports.client(config)
