//! Token-bucket rate limiting, refilled continuously: per app user after authentication, and
//! per client address before it (see [`crate::http::client_addr`]).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Above this many buckets, full ones (idle for a minute) are dropped on the next take, so an
/// attacker rotating addresses cannot grow the map without bound: each entry must be refreshed
/// within a minute to stay, which caps the map at what one minute of distinct keys can fill.
const PRUNE_ABOVE: usize = 10_000;

/// Buckets by key (an app user, or a client address).
pub struct RateLimiter<K = String> {
    per_minute: f64,
    buckets: Mutex<Buckets<K>>,
}

struct Buckets<K> {
    map: HashMap<K, (f64, Instant)>,
    last_prune: Instant,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// `per_minute` requests per minute, with bursts up to that many.
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::new(Buckets {
                map: HashMap::new(),
                last_prune: Instant::now(),
            }),
        }
    }

    /// Takes one token for `key`; false when its bucket is empty.
    pub fn allow(&self, key: &K) -> bool {
        let now = Instant::now();
        let mut b = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if b.map.len() > PRUNE_ABOVE && now.duration_since(b.last_prune) >= Duration::from_secs(1) {
            // A bucket untouched for 60 s has refilled completely: dropping it changes nothing.
            b.map
                .retain(|_, (_, last)| now.duration_since(*last) < Duration::from_secs(60));
            b.last_prune = now;
        }
        let per_minute = self.per_minute;
        let (tokens, last) = b.map.entry(key.clone()).or_insert((per_minute, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * per_minute / 60.0).min(per_minute);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How many keys are tracked (for tests and metrics).
    pub fn tracked(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .map
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refuses_per_key() {
        let r = RateLimiter::new(3);
        let (a, b) = ("a".to_owned(), "b".to_owned());
        assert!(r.allow(&a) && r.allow(&a) && r.allow(&a));
        assert!(!r.allow(&a));
        assert!(r.allow(&b));
    }

    #[test]
    fn many_keys_do_not_stay_forever() {
        let r: RateLimiter<u32> = RateLimiter::new(60);
        for k in 0..(PRUNE_ABOVE as u32 + 10) {
            assert!(r.allow(&k));
        }
        // Age every bucket past a minute, then one more take prunes them.
        {
            let mut b = r.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let old = Instant::now()
                .checked_sub(Duration::from_secs(120))
                .unwrap_or_else(Instant::now);
            for v in b.map.values_mut() {
                v.1 = old;
            }
            b.last_prune = old;
        }
        assert!(r.allow(&u32::MAX));
        assert_eq!(r.tracked(), 1);
    }
}
