//! The server's clock: unix seconds, for timestamps it stores and the webhook tolerance. Leases
//! use the database's clock instead (`crate::store::db`), so instances with skewed clocks agree.

/// Seconds since the unix epoch (0 if the system clock is before it).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
