//! Small helpers every part uses: the clock and hex.

pub mod clock;
pub mod hex;
