//! Fulfilment exactly once: the one function every signal goes through.
//!
//! Stripe's guidance for Checkout (https://docs.stripe.com/checkout/fulfillment) is a single
//! `fulfill_checkout(session_id)` called from the webhook *and* from the customer's return,
//! which "might be called multiple times, possibly concurrently, for the same Checkout Session",
//! checks `payment_status`, reads the line items, and records that the session was fulfilled.
//! [`Fulfilments::fulfil`] is that function here, and three signals call it:
//!
//! - the `checkout.session.completed` and `checkout.session.async_payment_succeeded` webhooks;
//! - the app's retrieve through the server (its verification after the return link);
//! - reconciliation ([`crate::fulfilment::reconcile`]), which retrieves the open and processing sessions the
//!   server created, so a lost webhook and a killed app still end in fulfilment.
//!
//! Only sessions this server created are fulfilled: [`Fulfilments::register`] records each one
//! (ID, user) when it is created, and a signal for any other session (another integration on
//! the same Stripe account, or a `client_reference_id` that is not the user it was created
//! for) is ignored and logged. The record goes into the ledger under the session ID, with the
//! delivery to the merchant written in the same step ([`crate::store::ledger`]), so it exists once
//! however the signals race; [`crate::fulfilment::outbox`] delivers it at least once.
//!
//! Refunds (`charge.refunded`) and disputes (`charge.dispute.created`) of a fulfilled session
//! update its record and are delivered through the same outbox. A charge names its
//! PaymentIntent (`charge.payment_intent`; a dispute has `dispute.payment_intent`, stripe-go
//! `charge.go`, `dispute.go`), which is the session's `payment_intent` in payment mode; charges
//! of subscription invoices and of other integrations match no record and are ignored.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use checkout_bridge::{CheckoutClient, CheckoutError, CheckoutMode, CheckoutSession, SessionStatus};
use tokio::sync::Notify;

use crate::fulfilment::error::FulfilmentError;
use crate::fulfilment::purchase::{Purchase, PurchaseSource};
use crate::store::ledger::{has_line_items, is_paid, Adjustment, Ledger, NewDelivery, RegisteredSession, SessionState};
use crate::wire::webhook::WebhookEvent;

/// Which signal recorded a fulfilment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A Stripe webhook.
    Webhook,
    /// The app's retrieve through the server.
    Retrieve,
    /// Periodic reconciliation.
    Reconciliation,
}

impl Source {
    /// `webhook`, `retrieve` or `reconciliation`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Webhook => "webhook",
            Source::Retrieve => "retrieve",
            Source::Reconciliation => "reconciliation",
        }
    }
}

/// What one call to [`Fulfilments::fulfil`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// This call recorded the fulfilment (and queued its delivery).
    Recorded,
    /// It was recorded before.
    AlreadyFulfilled,
    /// Not paid yet: still open.
    Open,
    /// Complete, waiting for a delayed payment method.
    Processing,
    /// Expired unpaid.
    Expired,
    /// Not a session this server created for that user; ignored.
    NotOurs(&'static str),
    /// A payment-mode session with nothing to pay whose zero does not come from a discount
    /// (`policy.prices.allow_free_orders` is off): recorded as refused, never delivered.
    FreeOrderRefused,
}

/// Counters for metrics (the `/metrics` listener reads them); this instance only.
#[derive(Debug, Default)]
pub struct FulfilmentMetrics {
    /// Fulfilments this instance recorded.
    pub recorded: AtomicU64,
    /// Refund and dispute notices this instance queued.
    pub adjustments: AtomicU64,
    /// Deliveries the merchant acknowledged (2xx).
    pub delivered: AtomicU64,
    /// Delivery attempts that failed (non-2xx, timeout, connection error).
    pub delivery_failures: AtomicU64,
    /// Sessions reconciliation retrieved from Stripe.
    pub reconciliation_checks: AtomicU64,
    /// Signals ignored because the session was not created here for that user.
    pub ignored: AtomicU64,
    /// Complete sessions with nothing paid that were not fulfilled (no allowed discount made
    /// them free, and free orders are off).
    pub free_refused: AtomicU64,
}

impl FulfilmentMetrics {
    fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Registering, fulfilling and adjusting; shared by the routes and the workers.
pub struct Fulfilments {
    ledger: Ledger,
    stripe: Arc<CheckoutClient>,
    /// This instance's counters.
    pub metrics: Arc<FulfilmentMetrics>,
    /// Woken when this instance queues a delivery, so the outbox sends it at once.
    pub(crate) wake: Arc<Notify>,
    /// When reconciliation first looks at a new session (ms after creation); 0 turns it off.
    first_check_ms: i64,
    /// `policy.prices.allow_free_orders`.
    allow_free_orders: bool,
}

impl std::fmt::Debug for Fulfilments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fulfilments").finish_non_exhaustive()
    }
}

/// The idempotency key of a delivery: `prefix_` and the parts, readable when they are plain
/// Stripe IDs (letters, digits, `_`), else a SHA-256 of them, so it always fits a header and a
/// primary key.
pub fn delivery_key(prefix: &str, parts: &[&str]) -> String {
    let raw = parts.join("_");
    if !raw.is_empty() && raw.len() <= 200 && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        format!("{prefix}_{raw}")
    } else {
        let digest = ring::digest::digest(&ring::digest::SHA256, raw.as_bytes());
        format!("{prefix}_h{}", hex::encode(digest.as_ref()))
    }
}

/// The delivered body: an event in Stripe's shape (`id`, `object: "event"`, `type`, `created`,
/// `livemode`, `data.object`; stripe-go `event.go`), whose `id` is the idempotency key.
pub fn event_payload(key: &str, kind: &str, purchase: &Purchase, created: i64) -> String {
    serde_json::json!({
        "id": key,
        "object": "event",
        "type": kind,
        "created": created,
        "livemode": purchase.livemode,
        "data": {"object": crate::fulfilment::purchase::to_json(purchase)},
    })
    .to_string()
}

/// `purchase.fulfilled`: a session was paid and recorded.
pub const FULFILLED: &str = "purchase.fulfilled";
/// `purchase.refunded`: its charge was refunded (partly or fully).
pub const REFUNDED: &str = "purchase.refunded";
/// `purchase.disputed`: a dispute was opened on its charge.
pub const DISPUTED: &str = "purchase.disputed";

fn object_str<'a>(obj: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    match obj.get(key)? {
        serde_json::Value::String(s) => Some(s),
        // An expanded object carries its ID.
        other => other.get("id")?.as_str(),
    }
}

impl Fulfilments {
    /// Over `ledger`, retrieving sessions with `stripe`; reconciliation first looks at a new
    /// session `first_check_ms` after it was created.
    pub fn new(ledger: Ledger, stripe: Arc<CheckoutClient>, first_check_ms: i64) -> Self {
        Fulfilments {
            ledger,
            stripe,
            metrics: Arc::new(FulfilmentMetrics::default()),
            wake: Arc::new(Notify::new()),
            first_check_ms,
            allow_free_orders: false,
        }
    }

    /// Fulfils payment-mode sessions with nothing to pay even when no discount made them free
    /// (`policy.prices.allow_free_orders`).
    #[must_use]
    pub fn with_free_orders(mut self, allow: bool) -> Self {
        self.allow_free_orders = allow;
        self
    }

    /// The store.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Deliveries not acknowledged yet, across every instance sharing the database.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn pending(&self) -> Result<i64, FulfilmentError> {
        Ok(self.ledger.counts().await?.pending)
    }

    /// This instance's counters and the pending deliveries, for `/metrics`
    /// (`checkout_bridge_fulfilments_total{event}`, `checkout_bridge_fulfilments_pending`; the
    /// gauge is left out when the database cannot be read).
    pub async fn scrape(&self) -> Vec<crate::telemetry::metrics::Gauge> {
        let m = &self.metrics;
        let mut out: Vec<crate::telemetry::metrics::Gauge> = [
            ("recorded", &m.recorded),
            ("adjusted", &m.adjustments),
            ("delivered", &m.delivered),
            ("delivery_failed", &m.delivery_failures),
            ("reconciliation_check", &m.reconciliation_checks),
            ("ignored", &m.ignored),
            ("free_order_refused", &m.free_refused),
        ]
        .into_iter()
        .map(|(event, counter)| crate::telemetry::metrics::Gauge {
            name: "checkout_bridge_fulfilments_total",
            help: "Fulfilment events on this instance: recorded, refunds and disputes applied, deliveries acknowledged and failed, reconciliation checks, signals ignored.",
            labels: vec![("event", event.into())],
            value: counter.load(Ordering::Relaxed) as f64,
        })
        .collect();
        if let Ok(pending) = self.pending().await {
            out.push(crate::telemetry::metrics::Gauge {
                name: "checkout_bridge_fulfilments_pending",
                help: "Deliveries to the merchant not acknowledged yet, across every instance sharing the database.",
                labels: vec![],
                value: pending as f64,
            });
        }
        out
    }

    /// Records a session the server just created for `user`, before the app gets its URL, so
    /// every signal about it can be matched and reconciliation can find it.
    ///
    /// # Errors
    ///
    /// The database's error: the caller must not hand out the session then (a retry with the
    /// same idempotency key gets the same session back from Stripe and registers it).
    pub async fn register(&self, session: &CheckoutSession, user: &str) -> Result<(), FulfilmentError> {
        Ok(self
            .ledger
            .register_session(
                &session.id,
                user,
                session.created,
                session.expires_at,
                self.first_check_ms,
            )
            .await?)
    }

    /// Retrieves the session from Stripe and fulfils it if paid. Sessions the server did not
    /// create, or already fulfilled, cost no call to Stripe.
    ///
    /// # Errors
    ///
    /// A database or Stripe failure (nothing was recorded; the signal may be repeated).
    pub async fn fulfil_by_id(&self, session_id: &str, source: Source) -> Result<Outcome, FulfilmentError> {
        let Some(registered) = self.ledger.session(session_id).await? else {
            return Ok(self.ignore(session_id, source, "not a session created through this server"));
        };
        if registered.state == SessionState::Fulfilled {
            return Ok(Outcome::AlreadyFulfilled);
        }
        if self.refused_before(&registered) {
            return Ok(Outcome::FreeOrderRefused);
        }
        let session = match self.stripe.retrieve_session(session_id.to_owned()).await {
            Ok(s) => s,
            Err(CheckoutError::NotFound { .. }) => {
                self.ledger.set_session_state(session_id, SessionState::Gone).await?;
                return Ok(Outcome::NotOurs("Stripe does not know the session"));
            }
            Err(source) => {
                return Err(FulfilmentError::Stripe {
                    what: "retrieve the session",
                    source,
                })
            }
        };
        self.fulfil_registered(&registered.user, &session, source).await
    }

    /// The one fulfilment function: records `session` (as just read from Stripe) once if it is
    /// complete and paid (or has nothing to pay), with its line items, and queues the delivery.
    /// Safe to call any number of times, concurrently, from any instance.
    ///
    /// # Errors
    ///
    /// A database or Stripe failure (nothing was recorded; the signal may be repeated).
    pub async fn fulfil(&self, session: &CheckoutSession, source: Source) -> Result<Outcome, FulfilmentError> {
        let Some(registered) = self.ledger.session(&session.id).await? else {
            return Ok(self.ignore(&session.id, source, "not a session created through this server"));
        };
        if registered.state == SessionState::Fulfilled {
            return Ok(Outcome::AlreadyFulfilled);
        }
        if self.refused_before(&registered) {
            return Ok(Outcome::FreeOrderRefused);
        }
        self.fulfil_registered(&registered.user, session, source).await
    }

    fn ignore(&self, session_id: &str, source: Source, reason: &'static str) -> Outcome {
        FulfilmentMetrics::bump(&self.metrics.ignored);
        tracing::warn!(session = %session_id, source = source.as_str(), reason, "fulfilment signal ignored");
        Outcome::NotOurs(reason)
    }

    async fn fulfil_registered(
        &self,
        user: &str,
        session: &CheckoutSession,
        source: Source,
    ) -> Result<Outcome, FulfilmentError> {
        if session.client_reference_id.as_deref() != Some(user) {
            return Ok(self.ignore(
                &session.id,
                source,
                "client_reference_id is not the user the session was created for",
            ));
        }
        if !is_paid(session.status.as_ref(), &session.payment_status) {
            return Ok(match session.status {
                Some(SessionStatus::Expired) => {
                    self.ledger
                        .set_session_state(&session.id, SessionState::Expired)
                        .await?;
                    Outcome::Expired
                }
                Some(SessionStatus::Complete) => Outcome::Processing,
                _ => Outcome::Open,
            });
        }
        if self.free_order_refused(session) {
            FulfilmentMetrics::bump(&self.metrics.free_refused);
            tracing::warn!(session = %session.id, user = %user, source = source.as_str(),
                "complete with nothing paid and no discount: not fulfilled (policy.prices.allow_free_orders is off)");
            self.ledger
                .set_session_state(&session.id, SessionState::Refused)
                .await?;
            return Ok(Outcome::FreeOrderRefused);
        }
        let line_items = if has_line_items(&session.mode) {
            self.stripe
                .list_line_items(session.id.clone())
                .await
                .map_err(|source| FulfilmentError::Stripe {
                    what: "list the line items",
                    source,
                })?
        } else {
            Vec::new()
        };
        let now = crate::base::clock::unix_now();
        let purchase = Purchase {
            session_id: session.id.clone(),
            user: user.to_owned(),
            mode: session.mode.clone(),
            payment_status: session.payment_status.clone(),
            currency: session.currency.clone(),
            amount_total: session.amount_total,
            amount_subtotal: session.amount_subtotal,
            payment_intent: session.payment_intent.clone(),
            subscription: session.subscription.clone(),
            customer: session.customer.clone(),
            customer_email: session
                .customer_details
                .as_ref()
                .and_then(|d| d.email.clone())
                .or_else(|| session.customer_email.clone()),
            metadata: session.metadata.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            line_items,
            livemode: session.livemode,
            fulfilled_at: now,
            source: PurchaseSource::from_wire(source.as_str()),
            amount_refunded: 0,
            refunded: false,
            disputed: false,
            updated_at: now,
        };
        let key = delivery_key("ful", &[&session.id]);
        let delivery = NewDelivery {
            payload: event_payload(&key, FULFILLED, &purchase, now),
            key,
            kind: FULFILLED.into(),
        };
        if self.ledger.record_fulfilment(&purchase, &delivery).await? {
            FulfilmentMetrics::bump(&self.metrics.recorded);
            self.wake.notify_one();
            tracing::info!(session = %session.id, user = %user, source = source.as_str(), "fulfilment recorded");
            Ok(Outcome::Recorded)
        } else {
            Ok(Outcome::AlreadyFulfilled)
        }
    }

    /// Whether the session was refused as a free order by an earlier signal and still would be: a
    /// complete session never changes, so app polls and webhook replays neither ask Stripe again
    /// nor count and log the refusal again. (Turning `allow_free_orders` on lets the next signal
    /// fulfil it.)
    fn refused_before(&self, registered: &RegisteredSession) -> bool {
        !self.allow_free_orders && registered.state == SessionState::Refused
    }

    /// Whether `session` (complete, with nothing to pay) must not be fulfilled: a payment-mode
    /// session whose total is zero although its subtotal is zero too, so no discount made it free
    /// (`amount_total = amount_subtotal - discounts + shipping + tax`: with shipping and tax
    /// only adding, a zero total over a positive subtotal is a discount, and the policy only lets
    /// an app apply the discounts it allows). Setup and subscription sessions have other reasons
    /// to owe nothing now (a trial), so the rule is for payment mode only.
    fn free_order_refused(&self, session: &CheckoutSession) -> bool {
        !self.allow_free_orders
            && session.mode == CheckoutMode::Payment
            && session.amount_total.unwrap_or(0) == 0
            && session.amount_subtotal.unwrap_or(0) <= 0
    }

    /// Acts on a verified webhook event: fulfils on `checkout.session.completed` and
    /// `checkout.session.async_payment_succeeded`, retires the session on `…async_payment_failed`
    /// and `…expired`, adjusts the record on `charge.refunded` and `charge.dispute.created`;
    /// other types are left alone. `Ok` also when the event concerns nothing of ours (logged).
    ///
    /// # Errors
    ///
    /// A database or Stripe failure: answer 5xx so Stripe delivers the event again.
    pub async fn on_event(&self, event: &WebhookEvent) -> Result<(), FulfilmentError> {
        let obj = &event.data.object;
        match event.event_type.as_str() {
            "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
                let Some(id) = event.object_id() else {
                    return Ok(());
                };
                let outcome = self.fulfil_by_id(id, Source::Webhook).await?;
                tracing::debug!(event = %event.id, session = %id, ?outcome, "checkout event");
            }
            "checkout.session.async_payment_failed" | "checkout.session.expired" => {
                let Some(id) = event.object_id() else {
                    return Ok(());
                };
                if self.ledger.session(id).await?.is_some() {
                    let state = if event.event_type.ends_with("failed") {
                        SessionState::Failed
                    } else {
                        SessionState::Expired
                    };
                    self.ledger.set_session_state(id, state).await?;
                }
            }
            "charge.refunded" => {
                let amount_refunded = obj
                    .get("amount_refunded")
                    .and_then(serde_json::Value::as_i64)
                    .unwrap_or(0);
                let refunded = obj
                    .get("refunded")
                    .and_then(serde_json::Value::as_bool)
                    .unwrap_or(false);
                let charge = object_str(obj, "id").unwrap_or_default();
                // One notice per refunded total: two partial refunds are two notices, a
                // redelivered event (or Stripe's occasional duplicate Event object) is one.
                let key = delivery_key("rfd", &[charge, &amount_refunded.to_string()]);
                self.adjust(
                    event,
                    object_str(obj, "payment_intent"),
                    Adjustment::Refund {
                        amount_refunded,
                        refunded,
                    },
                    key,
                    REFUNDED,
                )
                .await?;
            }
            "charge.dispute.created" => {
                let dispute = object_str(obj, "id").unwrap_or_default();
                let key = delivery_key("dsp", &[dispute]);
                self.adjust(
                    event,
                    object_str(obj, "payment_intent"),
                    Adjustment::Dispute,
                    key,
                    DISPUTED,
                )
                .await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn adjust(
        &self,
        event: &WebhookEvent,
        payment_intent: Option<&str>,
        adjustment: Adjustment,
        key: String,
        kind: &str,
    ) -> Result<(), FulfilmentError> {
        let Some(pi) = payment_intent.filter(|p| !p.is_empty()) else {
            FulfilmentMetrics::bump(&self.metrics.ignored);
            tracing::warn!(event = %event.id, kind = %event.event_type, "charge event without a payment_intent ignored");
            return Ok(());
        };
        let now = crate::base::clock::unix_now();
        let made = self
            .ledger
            .adjust(pi, &adjustment, now, |p| NewDelivery {
                key: key.clone(),
                kind: kind.to_owned(),
                payload: event_payload(&key, kind, p, now),
            })
            .await?;
        match made {
            None => {
                FulfilmentMetrics::bump(&self.metrics.ignored);
                tracing::warn!(event = %event.id, kind = %event.event_type, "charge event matches no fulfilled session; ignored");
            }
            Some((p, new)) => {
                if new {
                    FulfilmentMetrics::bump(&self.metrics.adjustments);
                    self.wake.notify_one();
                }
                tracing::info!(session = %p.session_id, kind, duplicate = !new, "fulfilment adjusted");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_keys_are_readable_for_stripe_ids_and_hashed_otherwise() {
        assert_eq!(delivery_key("ful", &["cs_test_a1"]), "ful_cs_test_a1");
        assert_eq!(delivery_key("rfd", &["ch_1", "500"]), "rfd_ch_1_500");
        let odd = delivery_key("ful", &["cs test\r\n"]);
        assert!(odd.starts_with("ful_h") && odd.len() == 5 + 64, "{odd}");
        let long = delivery_key("ful", &[&"a".repeat(300)]);
        assert_eq!(long.len(), 5 + 64);
        assert_ne!(delivery_key("ful", &["x y"]), delivery_key("ful", &["x z"]));
    }
}
