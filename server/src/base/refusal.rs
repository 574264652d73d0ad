//! A request the server refuses because of what it asks for (not because of who asks or of a
//! failure): a malformed or unknown parameter, or one the merchant's policy does not allow.
//! `crate::http::error` turns it into Stripe's error shape (400 or 403).

/// Why a request's content was refused. Messages name the parameter (and for the policy, the
/// key that would allow it), never a secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Malformed, unknown or missing: Stripe's `invalid_request_error` (400).
    #[error("{message}")]
    Invalid {
        /// What is wrong.
        message: String,
        /// The parameter.
        param: Option<String>,
        /// Stripe's `error.code` (`parameter_unknown`, `parameter_missing`, …).
        code: Option<&'static str>,
    },
    /// Well-formed but not allowed: 403 `policy_violation`.
    #[error("{message}")]
    Policy {
        /// What is not allowed, and the policy key that would allow it.
        message: String,
        /// The parameter.
        param: String,
    },
}

impl Refusal {
    /// A 400 for `param` with Stripe's `code`.
    pub fn invalid(message: impl Into<String>, param: Option<&str>, code: Option<&'static str>) -> Self {
        Refusal::Invalid {
            message: message.into(),
            param: param.map(str::to_owned),
            code,
        }
    }

    /// A 403 `policy_violation` for `param`.
    pub fn policy(message: impl Into<String>, param: &str) -> Self {
        Refusal::Policy {
            message: message.into(),
            param: param.to_owned(),
        }
    }

    /// The parameter it is about.
    pub fn param(&self) -> Option<&str> {
        match self {
            Refusal::Invalid { param, .. } => param.as_deref(),
            Refusal::Policy { param, .. } => Some(param),
        }
    }
}
