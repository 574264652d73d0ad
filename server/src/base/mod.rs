//! Small helpers every part uses.

pub mod hex;
