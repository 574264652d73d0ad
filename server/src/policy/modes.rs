//! `[policy.modes]`.

use checkout_bridge::CreateSessionParams;
use serde::Deserialize;

use crate::base::refusal::Refusal;
use crate::policy::group::{refuse, PolicyGroup};

/// `[policy.modes]`: which Checkout modes apps may create.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModePolicy {
    /// `payment`, `subscription`, `setup`. Default: `["payment"]`. Setup sessions carry no line
    /// items, so no price or amount rule applies to them: allowing them lets any app user save
    /// (and so test) cards through your account.
    #[serde(default = "default_modes")]
    pub allowed: Vec<String>,
}

fn default_modes() -> Vec<String> {
    vec!["payment".into()]
}

impl Default for ModePolicy {
    fn default() -> Self {
        ModePolicy {
            allowed: default_modes(),
        }
    }
}

impl PolicyGroup for ModePolicy {
    fn check(&self, p: &CreateSessionParams) -> Result<(), Refusal> {
        let mode = p.mode.as_str();
        if self.allowed.iter().any(|m| m == mode) {
            Ok(())
        } else {
            Err(refuse(
                "mode",
                "policy.modes.allowed",
                format!("Mode {mode} is not allowed"),
            ))
        }
    }
}
