//! App authentication: bearer tokens checked against configured SHA-256 hashes.

use subtle::ConstantTimeEq;

use crate::config::AppToken;

/// Why a request has no app user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer …` header (or an empty token).
    #[error("You did not provide an app token (Authorization: Bearer …).")]
    Missing,
    /// A token that matches no configured hash.
    #[error("Invalid app token provided.")]
    Invalid,
}

/// The configured tokens, as raw hash bytes.
pub struct Authenticator {
    tokens: Vec<(String, [u8; 32])>,
    customers: std::collections::HashMap<String, String>,
}

impl Authenticator {
    /// From the configuration (hashes were validated when it was parsed).
    pub fn new(tokens: &[AppToken]) -> Self {
        Authenticator {
            tokens: tokens
                .iter()
                .filter_map(|t| Some((t.user.clone(), crate::base::digest::decode32(t.sha256.as_bytes())?)))
                .collect(),
            customers: tokens
                .iter()
                .filter_map(|t| Some((t.user.clone(), t.customer.clone()?)))
                .collect(),
        }
    }

    /// The Stripe Customer the server forces for `user` (`[[app_tokens]] customer`), if any.
    pub fn customer_for(&self, user: &str) -> Option<&str> {
        self.customers.get(user).map(String::as_str)
    }

    /// The user for an `Authorization` header value. Every configured hash is compared, in
    /// constant time, whatever matches first, so timing reveals neither the token nor which
    /// entry matched.
    pub fn user_for(&self, authorization: Option<&str>) -> Result<String, AuthError> {
        let token = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Missing)?;
        let presented = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
        let mut found: Option<&str> = None;
        for (user, hash) in &self.tokens {
            if bool::from(hash.ct_eq(presented.as_ref())) && found.is_none() {
                found = Some(user);
            }
        }
        found.map(str::to_owned).ok_or(AuthError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::token_hash;

    #[test]
    fn tokens_map_to_users() {
        let a = Authenticator::new(&[
            AppToken {
                user: "alice".into(),
                sha256: token_hash("tok-a"),
                customer: None,
            },
            AppToken {
                user: "bob".into(),
                sha256: token_hash("tok-b"),
                customer: Some("cus_b".into()),
            },
        ]);
        assert_eq!(a.user_for(Some("Bearer tok-b")).as_deref(), Ok("bob"));
        assert_eq!((a.customer_for("bob"), a.customer_for("alice")), (Some("cus_b"), None));
        assert_eq!(a.user_for(Some("Bearer tok-x")), Err(AuthError::Invalid));
        assert_eq!(a.user_for(None), Err(AuthError::Missing));
        assert_eq!(a.user_for(Some("Basic tok-a")), Err(AuthError::Missing));
    }
}
