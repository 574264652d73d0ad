// A retrieveSession that the emulator holds for 10 s, for the tests that cancel a call in flight.
package io.checkoutbridge.tests

import io.checkoutbridge.CheckoutClient
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch

/**
 * Queues a 10 s delay for the next GET at the emulator, then launches `client.retrieveSession(id)`
 * on [Dispatchers.Default] in [scope]. [outcome] says how it ended: "cancelled", "failed: …", or
 * "completed …" (which means the delay did not apply).
 */
class SlowRetrieve(scope: CoroutineScope, client: CheckoutClient, id: String) {
    @Volatile
    var outcome = "still running"
        private set

    val job: Job

    init {
        Emulator.fault("""{"kind":"delay","delay_ms":10000,"count":1,"method":"GET"}""")
        job = scope.launch(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
            outcome = try {
                client.retrieveSession(id)
                "completed (the delay fault did not apply?)"
            } catch (e: CancellationException) {
                "cancelled"
            } catch (e: Throwable) {
                "failed: $e"
            }
        }
    }
}
