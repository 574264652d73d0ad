//! A configuration the server refuses to start with. Every part checks its own settings when the
//! file loads and names the key, so a typo stops the server at start-up instead of silently
//! using a default.

/// Why the configuration was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The file is not TOML of the expected shape (an unknown key, a wrong type).
    #[error("invalid configuration: {0}")]
    Toml(String),
    /// One setting's value is refused.
    #[error("{key}: {reason}")]
    Setting {
        /// The key, as written in the file (`policy.prices.max_amount`, `links.android_apps[0].package_name`).
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A secret the configuration needs is missing from the environment (or too short).
    #[error("{variable} {reason}")]
    Environment {
        /// The environment variable.
        variable: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl ConfigError {
    /// A refused setting.
    pub fn setting(key: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        ConfigError::Setting {
            key: key.into(),
            reason: reason.to_string(),
        }
    }
}
