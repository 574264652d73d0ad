//! Idempotency keys: replay of stored results, conflicts, in-flight detection.
//!
//! Stripe keeps "the status code and body of the first request made with a given idempotency key
//! after endpoint execution begins. Retries with the same key return the saved response,
//! including `500` errors" (<https://docs.stripe.com/api/idempotent_requests>); keys are up to
//! 255 characters and are compared with "incoming parameters" (same page). What counts as
//! "execution began" is decided by the caller (see `error::Stage`).

use std::collections::HashMap;

use axum::body::Bytes;

/// Longest accepted `Idempotency-Key`.
pub(crate) const MAX_KEY_LEN: usize = 255;

/// (API key, Idempotency-Key).
pub(crate) type Key = (String, String);

#[derive(Debug, Clone)]
enum Entry {
    InFlight { fingerprint: String },
    Done { fingerprint: String, stored: Stored },
}

/// A stored result to replay.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub status: u16,
    pub body: Bytes,
    pub request_id: String,
    /// Headers of the first response that a replay repeats (`Stripe-Should-Retry`).
    pub headers: Vec<(String, String)>,
}

/// What to do with a request carrying a key.
#[derive(Debug)]
pub(crate) enum Begin {
    /// First use: the key is now held; execute and then `finish`.
    Execute,
    /// Same key and params as an earlier executed request.
    Replay(Stored),
    /// Same key, different params (or endpoint).
    Mismatch,
    /// The first request with this key is still executing.
    InProgress,
}

/// All keys seen, forever (the emulator's lifetime is a test's).
#[derive(Debug, Default)]
pub(crate) struct IdempotencyStore {
    entries: HashMap<Key, Entry>,
}

impl IdempotencyStore {
    pub fn begin(&mut self, key: &Key, fingerprint: &str) -> Begin {
        match self.entries.get(key) {
            None => {
                self.entries.insert(
                    key.clone(),
                    Entry::InFlight {
                        fingerprint: fingerprint.to_owned(),
                    },
                );
                Begin::Execute
            }
            Some(Entry::InFlight { .. }) => Begin::InProgress,
            Some(Entry::Done {
                fingerprint: fp,
                stored,
            }) if fp == fingerprint => Begin::Replay(stored.clone()),
            Some(Entry::Done { .. }) => Begin::Mismatch,
        }
    }

    /// Stores the result of an executed request, or releases the key (`None`).
    pub fn finish(&mut self, key: &Key, result: Option<Stored>) {
        let fingerprint = match self.entries.remove(key) {
            Some(Entry::InFlight { fingerprint }) => fingerprint,
            Some(other) => {
                self.entries.insert(key.clone(), other);
                return;
            }
            None => return,
        };
        if let Some(stored) = result {
            self.entries.insert(key.clone(), Entry::Done { fingerprint, stored });
        }
    }
}

/// A canonical fingerprint of a request: method, path and the decoded pairs, sorted.
pub(crate) fn fingerprint(method: &str, path: &str, pairs: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort();
    serde_json::to_string(&(method, path, sorted)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle() {
        let mut s = IdempotencyStore::default();
        let k = ("sk_test_x".to_owned(), "k1".to_owned());
        let fp = fingerprint("POST", "/v1/a", &[("b".into(), "2".into()), ("a".into(), "1".into())]);
        let fp2 = fingerprint("POST", "/v1/a", &[("a".into(), "1".into()), ("b".into(), "2".into())]);
        assert_eq!(fp, fp2);
        assert!(matches!(s.begin(&k, &fp), Begin::Execute));
        assert!(matches!(s.begin(&k, &fp), Begin::InProgress));
        s.finish(
            &k,
            Some(Stored {
                status: 200,
                body: Bytes::from_static(b"{}"),
                request_id: "req_1".into(),
                headers: Vec::new(),
            }),
        );
        assert!(matches!(s.begin(&k, &fp), Begin::Replay(_)));
        assert!(matches!(s.begin(&k, "other"), Begin::Mismatch));
        let k2 = ("sk_test_x".to_owned(), "k2".to_owned());
        assert!(matches!(s.begin(&k2, &fp), Begin::Execute));
        s.finish(&k2, None);
        assert!(matches!(s.begin(&k2, "other"), Begin::Execute));
    }
}
