//! `CheckoutFlow`: the round trip. Start a checkout, take the link that comes back, and decide
//! the outcome from what Stripe reports, never from the link.

use std::sync::Arc;

use crate::client::CheckoutClient;
use crate::error::CheckoutError;
use crate::model::{CheckoutSession, PaymentOutcome, PaymentStatus, Receipt, SessionStatus};
use crate::os::{new_state, unix_now};
use crate::params::CreateSessionParams;
use crate::return_url::{ReturnBase, ReturnKind};
use crate::store::{abandoned, PendingCheckout, PendingStore};

/// Checkouts with a final outcome are kept this long (so a replayed link still gets its answer),
/// then pruned on the next `start`.
const KEEP_FINAL_SECS: i64 = 7 * 24 * 60 * 60;

/// The verified result of a checkout: the outcome, Stripe's session it was decided from, and
/// what the customer paid.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct PaymentResult {
    /// What happened, as Stripe reports it.
    pub outcome: PaymentOutcome,
    /// The session as just retrieved from Stripe.
    pub session: CheckoutSession,
    /// What the customer pays, as Stripe computed it after promotion codes, tax, shipping and
    /// adjusted quantities (for `Paid`: what was paid); `None` when the session has no amounts
    /// (setup mode). Show it; never compare it with the amount at creation (see
    /// `cross_check`: those changes are legitimate).
    pub receipt: Option<Receipt>,
}

/// Drives checkouts for one app: builds return links, records pending checkouts durably, and
/// verifies every returning link with Stripe.
///
/// ```no_run
/// # async fn demo(client: std::sync::Arc<checkout_bridge::CheckoutClient>) -> Result<(), checkout_bridge::CheckoutError> {
/// use checkout_bridge::*;
/// let store = FileStore::open("/data/user/0/com.shop/files/checkout".into())?;
/// let flow = CheckoutFlow::new(client, "myapp://checkout".into(), store)?;
/// let pending = flow.start(simple_checkout_params(SimpleCheckout {
///     amount: 1999, currency: "usd".into(), name: "T-shirt".into(), description: None,
///     success_url: None, cancel_url: None, customer_email: None,
/// })).await?;
/// // open pending.url in Custom Tabs / ASWebAuthenticationSession, then, when the link comes back:
/// let result = flow.handle_return_url("myapp://checkout/success?session_id=…&state=…".into()).await?;
/// if result.outcome == PaymentOutcome::Paid { /* fulfil */ }
/// # Ok(()) }
/// ```
#[cfg_attr(feature = "ffi", derive(uniffi::Object))]
pub struct CheckoutFlow {
    client: Arc<CheckoutClient>,
    base: Arc<ReturnBase>,
    store: Arc<dyn PendingStore>,
}

impl std::fmt::Debug for CheckoutFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckoutFlow")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

#[cfg_attr(feature = "ffi", uniffi::export(async_runtime = "tokio"))]
impl CheckoutFlow {
    /// A flow whose return links live under `return_base` (`myapp://checkout`,
    /// `https://shop.example/checkout`) and whose pending checkouts live in `store`.
    ///
    /// # Errors
    ///
    /// [`CheckoutError::InvalidInput`] on `return_base` when it is not a usable base (see
    /// [`ReturnBase::parse`]).
    #[cfg_attr(feature = "ffi", uniffi::constructor)]
    pub fn new(
        client: Arc<CheckoutClient>,
        return_base: String,
        store: Arc<dyn PendingStore>,
    ) -> Result<Arc<Self>, CheckoutError> {
        Ok(Arc::new(CheckoutFlow {
            client,
            base: ReturnBase::new(&return_base)?,
            store,
        }))
    }

    /// Creates the session with return links this flow builds, records the pending checkout
    /// durably, and returns it; open `url` in the system browser surface.
    ///
    /// Leave `success_url` and `cancel_url` unset: the flow owns them.
    ///
    /// # Errors
    ///
    /// - [`CheckoutError::InvalidInput`] when `success_url` or `cancel_url` is set, or `params`
    ///   break one of Stripe's rules; nothing is sent then.
    /// - Any error of [`CheckoutClient::create_session`].
    /// - [`CheckoutError::InvalidResponse`] when the new session has no `url`.
    /// - [`CheckoutError::UntrustedCheckoutUrl`] when its `url` is not one to open (see
    ///   [`CheckoutClient::check_checkout_url`]); the session is then expired.
    /// - [`CheckoutError::Storage`] when the [`PendingStore`] cannot record the checkout (the built-in one: the disk is
    ///   full or read-only; an app's own: whatever it throws).
    ///   The session is then expired, so it cannot be paid without a record.
    /// - [`CheckoutError::RandomnessUnavailable`] if the OS cannot provide the state nonce.
    pub async fn start(&self, mut params: CreateSessionParams) -> Result<PendingCheckout, CheckoutError> {
        if params.success_url.is_some() || params.cancel_url.is_some() {
            return Err(CheckoutError::invalid(
                if params.success_url.is_some() {
                    "success_url"
                } else {
                    "cancel_url"
                },
                "CheckoutFlow builds the return URLs itself; leave them unset",
            ));
        }
        let state = new_state()?;
        let urls = self.base.urls(&state);
        params.success_url = Some(urls.success_url);
        params.cancel_url = Some(urls.cancel_url);
        let session = self.client.create_session(params).await?;
        let url = session.url.clone().ok_or_else(|| CheckoutError::InvalidResponse {
            status: 200,
            reason: "a new session has no url".into(),
            request_id: None,
        })?;
        if let Err(e) = self.client.check_checkout_url(&url) {
            // Never handed to the app, so never paid unverified: make it unpayable too.
            let _ = self.client.expire_session(session.id).await;
            return Err(e);
        }
        let pending = PendingCheckout {
            session_id: session.id.clone(),
            state,
            url,
            amount_total: session.amount_total,
            currency: session.currency.clone(),
            mode: session.mode.clone(),
            livemode: session.livemode,
            created: session.created,
            expires_at: session.expires_at,
            outcome: None,
        };
        let record = pending.clone();
        // One trip to the store (which may be app code behind the FFI): save, then prune.
        let saved = self
            .with_store(move |s| {
                s.save(record)?;
                prune(s);
                Ok(())
            })
            .await;
        if let Err(e) = saved {
            // Unrecorded, the session could be paid with nobody to verify it: make it unpayable.
            let _ = self.client.expire_session(session.id).await;
            return Err(e);
        }
        Ok(pending)
    }

    /// Verifies a link that came back into the app and returns the outcome Stripe reports.
    ///
    /// The link only selects the pending checkout (by its state nonce); the session is then
    /// retrieved from Stripe and checked against what was created. A cancel link expires the
    /// session so it cannot be paid later in another tab. Handling the same link twice gives
    /// the same result.
    ///
    /// # Errors
    ///
    /// - [`CheckoutError::InvalidReturnUrl`] when the link is not one of this flow's (see
    ///   [`Self::is_return_link`]), is malformed, or no pending checkout has its state.
    /// - [`CheckoutError::SessionMismatch`] when the link names another session than the one
    ///   started with its state, or Stripe's session is not the one created (ID, mode,
    ///   currency, livemode; amounts may change legitimately and are reported in the receipt).
    /// - Any error of [`CheckoutClient::retrieve_session`] (and, for a cancel link,
    ///   [`CheckoutClient::expire_session`]).
    /// - [`CheckoutError::Storage`] when the [`PendingStore`] fails (the built-in one: the disk is
    ///   full or read-only; an app's own: whatever it throws).
    pub async fn handle_return_url(&self, url: String) -> Result<PaymentResult, CheckoutError> {
        let event = self.base.parse_return(&url)?;
        let pending = self
            .load_all()
            .await?
            .into_iter()
            .find(|p| p.state == event.state)
            .ok_or_else(|| CheckoutError::InvalidReturnUrl {
                reason: "no pending checkout has this state".into(),
            })?;
        if let Some(id) = &event.session_id {
            if *id != pending.session_id {
                return Err(CheckoutError::SessionMismatch {
                    reason: "the link names another session than the one started with this state".into(),
                });
            }
        }
        self.verify(pending, Some(event.kind)).await
    }

    /// Whether an incoming link is addressed to this flow's return base (one of its `…/success`
    /// or `…/cancel` links), without looking at its parameters; see [`ReturnBase::matches`].
    ///
    /// For routing deep links: hand a matching link to [`Self::handle_return_url`] (which
    /// verifies it and reports a malformed one as `InvalidReturnUrl`), leave the others to the
    /// app. Cheap: the base was parsed once, by [`Self::new`].
    pub fn is_return_link(&self, url: &str) -> bool {
        self.base.matches(url)
    }

    /// The return base this flow builds its links under, e.g. for iOS's
    /// `ASWebAuthenticationSession` callback (`scheme()`, or `host()` and `path()`).
    pub fn return_base(&self) -> Arc<ReturnBase> {
        self.base.clone()
    }

    /// Checkouts whose outcome is not final yet (no link came back, or still processing).
    /// Call on app start and resolve each with [`Self::resolve_pending`]. Reads the store on the
    /// calling thread (the built-in store answers from memory after reading an 8-byte change counter
    /// under a shared file lock; it re-reads its file only when another process has written).
    ///
    /// # Errors
    ///
    /// - [`CheckoutError::Storage`] when the [`PendingStore`] fails (the built-in one: the disk is
    ///   full or read-only; an app's own: whatever it throws).
    pub fn pending(&self) -> Result<Vec<PendingCheckout>, CheckoutError> {
        let mut all: Vec<_> = self
            .store
            .load_all()?
            .into_iter()
            .filter(|p| !p.outcome.is_some_and(PaymentOutcome::is_final))
            .collect();
        all.sort_by_key(|p| p.created);
        Ok(all)
    }

    /// Asks Stripe for the outcome of a pending checkout, for when no link ever came back.
    ///
    /// # Errors
    ///
    /// - [`CheckoutError::InvalidInput`] on `session_id` when this flow started no such checkout.
    /// - [`CheckoutError::SessionMismatch`] when Stripe's session differs from the one created.
    /// - Any error of [`CheckoutClient::retrieve_session`].
    /// - [`CheckoutError::Storage`] when the [`PendingStore`] fails (the built-in one: the disk is
    ///   full or read-only; an app's own: whatever it throws).
    pub async fn resolve_pending(&self, session_id: String) -> Result<PaymentResult, CheckoutError> {
        let pending = self.find(&session_id).await?;
        self.verify(pending, None).await
    }

    /// Abandons a pending checkout: expires the session at Stripe so it can no longer be paid.
    /// If it was paid meanwhile (another tab), the result says `Paid`.
    ///
    /// # Errors
    ///
    /// The errors of [`Self::resolve_pending`], and of [`CheckoutClient::expire_session`].
    pub async fn cancel(&self, session_id: String) -> Result<PaymentResult, CheckoutError> {
        let pending = self.find(&session_id).await?;
        self.verify(pending, Some(ReturnKind::Cancel)).await
    }
}

impl CheckoutFlow {
    /// Runs a store operation on tokio's blocking pool: stores fsync (the built-in one) or call
    /// into app code (Room, Core Data), and the caller may be polling from the UI thread.
    async fn with_store<T: Send + 'static>(
        &self,
        op: impl FnOnce(&dyn PendingStore) -> Result<T, CheckoutError> + Send + 'static,
    ) -> Result<T, CheckoutError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || op(store.as_ref()))
            .await
            .map_err(|e| CheckoutError::Storage {
                reason: format!("store operation did not complete: {e}"),
            })?
    }

    async fn load_all(&self) -> Result<Vec<PendingCheckout>, CheckoutError> {
        self.with_store(|s| s.load_all()).await
    }

    async fn find(&self, session_id: &str) -> Result<PendingCheckout, CheckoutError> {
        self.load_all()
            .await?
            .into_iter()
            .find(|p| p.session_id == session_id)
            .ok_or_else(|| CheckoutError::invalid("session_id", "no checkout with this ID was started by this flow"))
    }

    /// Retrieves, cross-checks and maps; a cancel of an open session expires it first.
    async fn verify(
        &self,
        mut pending: PendingCheckout,
        kind: Option<ReturnKind>,
    ) -> Result<PaymentResult, CheckoutError> {
        let mut session = self.client.retrieve_session(pending.session_id.clone()).await?;
        cross_check(&pending, &session)?;
        if kind == Some(ReturnKind::Cancel) && session.status == Some(SessionStatus::Open) {
            session = match self.client.expire_session(pending.session_id.clone()).await {
                Ok(s) => s,
                // Completed in the meantime: Stripe refuses to expire it; report what happened.
                Err(CheckoutError::Api { .. }) => self.client.retrieve_session(pending.session_id.clone()).await?,
                Err(e) => return Err(e),
            };
            cross_check(&pending, &session)?;
            if session.status == Some(SessionStatus::Expired) {
                pending.outcome = Some(PaymentOutcome::Canceled);
            }
        }
        let canceled_before = pending.outcome == Some(PaymentOutcome::Canceled);
        let outcome = outcome_of(&session, kind, canceled_before);
        if pending.outcome != Some(outcome) {
            pending.outcome = Some(outcome);
            self.with_store(move |s| save_unless_final(s, pending)).await?;
        }
        let receipt = session.receipt();
        Ok(PaymentResult {
            outcome,
            session,
            receipt,
        })
    }
}

/// Records a newly verified outcome, unless the store already holds a final one.
///
/// Two verifications of one checkout can overlap (the return link and a start-up
/// `resolve_pending`, two screens, two processes): the one that asked Stripe first may finish
/// last and would otherwise write back a stale `Open` over the `Paid` or `Canceled` the other
/// recorded, making a decided checkout pending (and reported) again. A final outcome never
/// changes, so it is kept. The re-read comes just before the write, not in one store operation
/// with it (`PendingStore` has no compare-and-set): what it closes is the window of a Stripe
/// round trip, not the few microseconds between the two store calls.
fn save_unless_final(store: &dyn PendingStore, checkout: PendingCheckout) -> Result<(), CheckoutError> {
    let decided = store
        .load_all()?
        .into_iter()
        .any(|p| p.session_id == checkout.session_id && p.outcome.is_some_and(PaymentOutcome::is_final));
    if decided && !checkout.outcome.is_some_and(PaymentOutcome::is_final) {
        return Ok(());
    }
    store.save(checkout)
}

/// Drops final checkouts older than [`KEEP_FINAL_SECS`] and abandoned ones (see
/// [`abandoned`]); failures are left for next time.
fn prune(store: &dyn PendingStore) {
    let now = unix_now();
    let cutoff = now - KEEP_FINAL_SECS;
    if let Ok(all) = store.load_all() {
        for p in all {
            if (p.outcome.is_some_and(PaymentOutcome::is_final) && p.created < cutoff) || abandoned(&p, now) {
                let _ = store.remove(p.session_id);
            }
        }
    }
}

/// Whether the session Stripe reports is the one this app created, before its status may count.
///
/// What is compared, threat by threat:
///
/// - **Another session behind a valid link.** The state nonce selects the pending checkout,
///   and `handle_return_url` has already refused a link naming another session ID; here the
///   *retrieved* session must carry the recorded ID too, so a backend (or a proxy, or a cache)
///   answering with another session, e.g. one paid earlier or by someone else, is refused.
///   Stripe's IDs are unique per account, so the ID pins everything else Stripe stores.
/// - **Another mode.** A `setup` session completes with `no_payment_required` and a
///   `subscription` with a trial charges nothing today; either would read as `Paid` for a
///   one-time payment. The mode never changes after creation.
/// - **Another currency.** 1000 JPY is not 1000 USD. The session's `currency` never changes
///   after creation: since 2025-03-31.basil Adaptive Pricing keeps it "in the same currency as
///   your Stripe integration" and reports the customer's choice in `presentment_details`
///   (<https://docs.stripe.com/changelog/basil/2025-03-31/add_presentment_details>).
/// - **Another livemode.** A test-mode session is never money. A client configured with a
///   test key cannot create a live session, so a mismatch means the answer is not Stripe's
///   answer to this request.
///
/// What is deliberately *not* compared:
///
/// - **Amounts** (`amount_total`, `amount_subtotal`, taxes, shipping). Stripe changes them on
///   the page for honest reasons the app cannot predict: a promotion code the customer types
///   (`allow_promotion_codes`), automatic tax computed from the address, the shipping rate the
///   customer picks, an adjustable quantity. Comparing them refused paying customers. Nobody
///   can change a session's prices at Stripe without the account's secret key, and a backend
///   that holds it can lie about every field alike, so an amount check would add no defence;
///   the amounts are reported instead, as [`PaymentResult::receipt`], for the app to show and
///   for the server's fulfilment (which reads Stripe directly) to check against its order.
/// - **`client_reference_id`, metadata, customer.** Fixed at creation like the ID, so the ID
///   comparison already covers them; a backend may also set them itself (the reference server
///   forces `client_reference_id` to the app user).
fn cross_check(p: &PendingCheckout, s: &CheckoutSession) -> Result<(), CheckoutError> {
    let mismatch = |what: &str| {
        Err(CheckoutError::SessionMismatch {
            reason: format!("{what} differs from the created session"),
        })
    };
    if s.id != p.session_id {
        return mismatch("session ID");
    }
    if s.mode != p.mode {
        return mismatch("mode");
    }
    if s.currency != p.currency {
        return mismatch("currency");
    }
    if s.livemode != p.livemode {
        return mismatch("livemode");
    }
    Ok(())
}

/// The mapping from Stripe's state to an outcome. Only `complete` with `paid` or
/// `no_payment_required` is ever `Paid`; anything unknown errs on the side of not paid.
pub(crate) fn outcome_of(s: &CheckoutSession, kind: Option<ReturnKind>, canceled_before: bool) -> PaymentOutcome {
    match &s.status {
        Some(SessionStatus::Complete) => match s.payment_status {
            PaymentStatus::Paid | PaymentStatus::NoPaymentRequired => PaymentOutcome::Paid,
            _ => PaymentOutcome::Processing,
        },
        Some(SessionStatus::Expired) if canceled_before || kind == Some(ReturnKind::Cancel) => PaymentOutcome::Canceled,
        Some(SessionStatus::Expired) => PaymentOutcome::Expired,
        _ => PaymentOutcome::Open,
    }
}
