// An honest payment whose amounts changed on the page (a promotion code, automatic tax, a chosen
// shipping rate, an adjusted quantity) is PAID from Kotlin, and the receipt says what was paid.
// Before the endive work the flow compared amount_total with the creation and threw
// SessionMismatch here, so a paying customer never got PAID (issue 10).
package io.checkoutbridge.tests

import io.checkoutbridge.AdjustableQuantity
import io.checkoutbridge.AutomaticTax
import io.checkoutbridge.AutomaticTaxStatus
import io.checkoutbridge.CheckoutMode
import io.checkoutbridge.CreateSessionParams
import io.checkoutbridge.LineItemParams
import io.checkoutbridge.LineItemPrice
import io.checkoutbridge.PaymentOutcome
import io.checkoutbridge.PaymentStatus
import io.checkoutbridge.Receipt
import io.checkoutbridge.ShippingAddressCollection
import io.checkoutbridge.ShippingOption
import io.checkoutbridge.TaxBehavior
import io.checkoutbridge.sessionReceipt
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** Two teas at 12.50 (adjustable 1–10), promotion codes on, automatic tax, two shipping rates. */
fun discountedTaxedShipped() = CreateSessionParams(
    mode = CheckoutMode.Payment,
    lineItems = listOf(
        LineItemParams(
            price = LineItemPrice.Inline(
                currency = "usd", unitAmount = 1250L, productName = "Tea", taxBehavior = TaxBehavior.Exclusive,
            ),
            quantity = 2L,
            adjustableQuantity = AdjustableQuantity(enabled = true, minimum = 1L, maximum = 10L),
        ),
    ),
    allowPromotionCodes = true,
    automaticTax = AutomaticTax(enabled = true),
    shippingAddressCollection = ShippingAddressCollection(allowedCountries = listOf("US", "DE")),
    shippingOptions = listOf(ShippingOption.Rate("shr_test_standard"), ShippingOption.Rate("shr_test_express")),
)

class ReceiptTests : EmulatorTest() {
    @Test
    fun `a discounted, taxed, shipped checkout is PAID with its receipt`() = runTest {
        val flow = newFlow("receipt")
        val pending = flow.start(discountedTaxedShipped())
        // At creation: 2 × 12.50 and the first (standard, 5.00) shipping option; no address, no tax.
        assertEquals(2500L + 500L, pending.amountTotal)

        // The customer types SAVE10, picks express shipping, takes 3 and enters a German address:
        // what the hosted page's form would send, through the emulator's control endpoint.
        Emulator.control(
            "POST", "sessions/${pending.sessionId}/complete",
            """{"paid":true,"promotion_code":"SAVE10","shipping_rate":"shr_test_express","quantities":[3],"country":"DE"}""",
        )
        val link = "$RETURN_BASE/success?session_id=${pending.sessionId}&state=${pending.state}"
        val result = flow.handleReturnUrl(link)

        assertEquals(PaymentOutcome.PAID, result.outcome, "an honest payment whose total changed is PAID")
        assertEquals(PaymentStatus.Paid, result.session.paymentStatus)
        // 3 × 12.50 = 37.50; SAVE10 takes 10 % of the items (3.75); express shipping 15.00; the
        // emulator's German tax is 19 % exclusive on the discounted items (6.4125 → 6.41) and on
        // shipping (2.85).
        val expected = Receipt(
            currency = "usd",
            subtotal = 3750L,
            discount = 375L,
            shipping = 1500L,
            tax = 641L + 285L,
            total = 3750L - 375L + 1500L + 641L + 285L,
            shippingRate = "shr_test_express",
        )
        assertEquals(expected, result.receipt)
        assertEquals(expected.total, result.session.amountTotal)
        assertEquals(expected, sessionReceipt(result.session), "the helper reads the same figures")
        // The session's own parts say how the total came about.
        assertTrue(result.session.discounts.any { it.promotionCode == "promo_test_save10" }, "${result.session.discounts}")
        assertEquals(AutomaticTaxStatus.Complete, result.session.automaticTax?.status)
        assertEquals("DE", result.session.collectedInformation?.shippingDetails?.address?.country)
        assertTrue(flow.pending().isEmpty(), "a paid checkout is no longer pending")
    }

    @Test
    fun `a simple checkout has a receipt with nothing added`() = runTest {
        val flow = newFlow("receipt-simple")
        val pending = flow.start(tshirt())
        val result = flow.handleReturnUrl(Emulator.clickOnHostedPage(pending.url, "Pay"))
        assertEquals(PaymentOutcome.PAID, result.outcome)
        assertEquals(Receipt("usd", 1999L, 0L, 0L, 0L, 1999L, null), result.receipt)
        assertNull(result.receipt?.shippingRate)
    }
}
