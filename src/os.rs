//! What the library takes from the operating system instead of from its caller: random bytes
//! (state nonces, idempotency keys, retry jitter) and the wall clock.
//!
//! # One rule when the OS has no randomness
//!
//! Every random value comes from the OS's secure source (`getrandom`), and when that source
//! fails, the operation that needed it fails with [`CheckoutError::RandomnessUnavailable`].
//! There is no weaker fallback, for any of the three uses:
//!
//! - **State nonces** tie a return link to one pending checkout. A guessable nonce would let any
//!   app or web page that can open `myapp://…` pick which pending checkout a forged link selects.
//! - **Idempotency keys** make a retried create safe. A key built from the time and a process
//!   counter repeats across devices and app launches (every process starts its counter at zero,
//!   clocks agree to the second), and Stripe answers a repeated key with the *first* request's
//!   saved response, i.e. another customer's session, or with an `idempotency_error` when the
//!   parameters differ ("Subsequent requests with the same key return the same result";
//!   Stripe suggests "V4 UUIDs, or another random string with enough entropy to avoid
//!   collisions": <https://docs.stripe.com/idempotency>).
//! - **Retry jitter** spreads the retries of many clients. Without randomness the call fails like
//!   the others: a device that cannot draw jitter could not have drawn the idempotency key of the
//!   POST it would retry either, so a special case would only hide the problem.
//!
//! `getrandom` fails only where the OS offers no source at all (a sandbox that forbids both
//! `getrandom(2)` and `/dev/urandom`, an unsupported target), so apps should never see this error;
//! the point of the rule is that if they do, it is typed and loud instead of silently weak.

use crate::error::CheckoutError;

/// Fills a buffer with random bytes: the OS in production, a stand-in in this module's tests.
type Source = fn(&mut [u8]) -> Result<(), getrandom::Error>;

/// The OS's secure random source.
const OS_RANDOM: Source = getrandom::fill;

fn random<const N: usize>(source: Source) -> Result<[u8; N], CheckoutError> {
    let mut bytes = [0u8; N];
    source(&mut bytes).map_err(|e| CheckoutError::RandomnessUnavailable { reason: e.to_string() })?;
    Ok(bytes)
}

/// A fresh 128-bit state nonce from the OS, as 32 lowercase hex characters.
///
/// # Errors
///
/// [`CheckoutError::RandomnessUnavailable`] if the OS cannot provide random bytes (see the
/// module documentation: there is deliberately no fallback).
pub fn new_state() -> Result<String, CheckoutError> {
    state_from(OS_RANDOM)
}

fn state_from(source: Source) -> Result<String, CheckoutError> {
    Ok(crate::hex::encode(&random::<16>(source)?))
}

/// A fresh idempotency key: a random UUID v4 string, the format Stripe's SDKs use.
///
/// Generate one per logical request and reuse it for every retry of that request.
///
/// # Errors
///
/// [`CheckoutError::RandomnessUnavailable`] if the OS cannot provide random bytes.
pub fn new_idempotency_key() -> Result<String, CheckoutError> {
    idempotency_key_from(OS_RANDOM)
}

fn idempotency_key_from(source: Source) -> Result<String, CheckoutError> {
    let mut b = random::<16>(source)?;
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let h = crate::hex::encode(&b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// A random factor in `[0.5, 1.0]` for retry backoff (Stripe's SDKs use 50–100 % jitter).
pub(crate) fn jitter() -> Result<f64, CheckoutError> {
    jitter_from(OS_RANDOM)
}

fn jitter_from(source: Source) -> Result<f64, CheckoutError> {
    let unit = f64::from(u32::from_le_bytes(random::<4>(source)?)) / f64::from(u32::MAX);
    Ok(0.5 + 0.5 * unit)
}

/// Seconds since the Unix epoch by the wall clock; 0 if the clock is set before 1970.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A platform without a random source.
    fn broken(_: &mut [u8]) -> Result<(), getrandom::Error> {
        Err(getrandom::Error::UNSUPPORTED)
    }

    fn all_ones(b: &mut [u8]) -> Result<(), getrandom::Error> {
        b.fill(0xff);
        Ok(())
    }

    fn all_zeros(b: &mut [u8]) -> Result<(), getrandom::Error> {
        b.fill(0);
        Ok(())
    }

    fn is_unavailable<T: std::fmt::Debug>(r: Result<T, CheckoutError>) -> bool {
        matches!(r, Err(CheckoutError::RandomnessUnavailable { ref reason }) if !reason.is_empty())
    }

    #[test]
    fn without_os_randomness_every_use_fails_with_the_same_typed_error() {
        // No weak nonce, no time-and-counter key, no constant jitter: one rule for all three.
        assert!(is_unavailable(state_from(broken)));
        assert!(is_unavailable(idempotency_key_from(broken)));
        assert!(is_unavailable(jitter_from(broken)));
    }

    #[test]
    fn values_are_built_from_the_source_bytes() {
        assert_eq!(state_from(all_zeros).unwrap(), "0".repeat(32));
        // UUID v4: version nibble 4, variant bits 10.
        assert_eq!(
            idempotency_key_from(all_ones).unwrap(),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        assert_eq!(
            idempotency_key_from(all_zeros).unwrap(),
            "00000000-0000-4000-8000-000000000000"
        );
        assert_eq!(jitter_from(all_zeros).unwrap(), 0.5);
        assert_eq!(jitter_from(all_ones).unwrap(), 1.0);
    }

    #[test]
    fn os_values_are_fresh_and_well_formed() {
        let (a, b) = (new_idempotency_key().unwrap(), new_idempotency_key().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        let s = new_state().unwrap();
        assert_eq!(s.len(), 32);
        assert!(s.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(s, new_state().unwrap());
        let j = jitter().unwrap();
        assert!((0.5..=1.0).contains(&j), "{j}");
        assert!(unix_now() > 1_700_000_000);
    }
}
