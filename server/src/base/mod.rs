//! Small things every part uses: the clock, SHA-256 hex, and the two error types that describe input
//! rather than failures (a refused request, a refused configuration).

pub mod clock;
pub mod config_error;
pub mod digest;
pub mod refusal;
