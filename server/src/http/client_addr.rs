//! Who is asking, for the per-address rate limit that runs before authentication.
//!
//! The client is the TCP peer. `X-Forwarded-For` is anyone's to write, so it is read only when
//! the peer is one of the configured `trusted_proxies`; then the client is the right-most
//! address in it that is not itself a trusted proxy (each proxy appends the address it saw, so
//! everything left of the last untrusted hop was written by the client and proves nothing).
//! IPv6 clients are keyed by their /64, the smallest block a subscriber usually gets.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;

use crate::base::config_error::ConfigError;

/// An address block such as `10.0.0.0/8` or `2001:db8::/32` (a bare address is a /32 or /128).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

fn masked(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((bits & mask).into())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((bits & mask).into())
        }
    }
}

impl FromStr for Cidr {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, ConfigError> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr
            .parse()
            .map_err(|_| ConfigError::setting("trusted_proxies", format!("`{s}` is not an IP address or block")))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            // Digits only: u8's parser would also take "+8".
            Some(p) => Some(p)
                .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse::<u8>().ok())
                .filter(|&n| n <= max)
                .ok_or_else(|| {
                    ConfigError::setting("trusted_proxies", format!("`{s}`: the prefix length must be 0–{max}"))
                })?,
        };
        let net = canonical(net);
        let prefix = if net.is_ipv4() && max == 128 {
            prefix.saturating_sub(96)
        } else {
            prefix
        };
        Ok(Cidr {
            net: masked(net, prefix),
            prefix,
        })
    }
}

/// IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack socket reports) as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl Cidr {
    /// Whether `ip` is inside the block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        ip.is_ipv4() == self.net.is_ipv4() && masked(ip, self.prefix) == self.net
    }
}

/// The configured proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<Cidr>);

/// One `X-Forwarded-For` element: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
        .map(canonical)
}

impl TrustedProxies {
    /// From the configuration's `trusted_proxies`.
    ///
    /// # Errors
    ///
    /// A message naming the entry that is not an address or block.
    pub fn parse(entries: &[String]) -> Result<Self, ConfigError> {
        entries
            .iter()
            .map(|e| e.parse::<Cidr>())
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// The client address of a request that arrived from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        // Several X-Forwarded-For headers are one list, in order (RFC 9110 section 5.3).
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        let mut nearest = peer;
        for hop in hops.iter().rev() {
            match parse_hop(hop) {
                Some(ip) if self.trusts(ip) => nearest = ip,
                Some(ip) => return ip,
                // A trusted proxy wrote something that is not an address: stop at that proxy.
                None => return nearest,
            }
        }
        nearest
    }
}

/// The rate-limit key for a client: IPv4 as is, IPv6 by its /64.
pub fn rate_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        v4 => v4,
    }
}

/// The rate-limit key of the client that sent `req`: its address (IPv6 by /64), believing
/// `X-Forwarded-For` only from trusted proxies.
pub fn client_key(proxies: &TrustedProxies, req: &Request) -> IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    rate_key(proxies.client(peer, req.headers()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::V4(0.into()))
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            if let Ok(v) = HeaderValue::from_str(v) {
                h.append("x-forwarded-for", v);
            }
        }
        h
    }

    #[test]
    fn blocks_parse_and_match() {
        let c: Cidr = "10.1.2.3/8".parse().expect("cidr");
        assert!(c.contains(ip("10.200.0.1")) && !c.contains(ip("11.0.0.1")));
        assert!(c.contains(ip("::ffff:10.0.0.9")), "IPv4-mapped peers match IPv4 blocks");
        let v6: Cidr = "2001:db8::/32".parse().expect("cidr");
        assert!(v6.contains(ip("2001:db8:ffff::1")) && !v6.contains(ip("2001:db9::1")));
        assert!(v6.contains(ip("2001:db8::1")) && !v6.contains(ip("10.0.0.1")));
        let host: Cidr = "192.0.2.7".parse().expect("host");
        assert!(host.contains(ip("192.0.2.7")) && !host.contains(ip("192.0.2.8")));
        let all: Cidr = "0.0.0.0/0".parse().expect("all");
        assert!(all.contains(ip("203.0.113.1")));
        for bad in [
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "::/129",
            "example.com",
            "10.0.0.0/8/8",
            "",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let none = TrustedProxies::default();
        // Untrusted peer: the header is ignored, whatever it says.
        assert_eq!(none.client(ip("203.0.113.9"), &xff(&["1.1.1.1"])), ip("203.0.113.9"));
        let lb = TrustedProxies::parse(&["10.0.0.0/8".into(), "2001:db8::/32".into()]).expect("proxies");
        assert_eq!(lb.client(ip("198.51.100.1"), &xff(&["1.1.1.1"])), ip("198.51.100.1"));
        // Trusted peer: the right-most untrusted hop; spoofed entries on the left are ignored.
        assert_eq!(
            lb.client(ip("10.0.0.2"), &xff(&["6.6.6.6, 203.0.113.5, 10.0.0.7"])),
            ip("203.0.113.5")
        );
        // Several headers are one list.
        assert_eq!(
            lb.client(ip("10.0.0.2"), &xff(&["6.6.6.6", "203.0.113.5:4711", "10.0.0.7"])),
            ip("203.0.113.5")
        );
        assert_eq!(
            lb.client(ip("10.0.0.2"), &xff(&["[2001:db9::5]:443"])),
            ip("2001:db9::5")
        );
        // Garbage written by a trusted hop: the nearest trusted address, never the garbage.
        assert_eq!(lb.client(ip("10.0.0.2"), &xff(&["6.6.6.6, nonsense"])), ip("10.0.0.2"));
        // No header, or only proxies: the left-most proxy.
        assert_eq!(lb.client(ip("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"));
        assert_eq!(lb.client(ip("10.0.0.2"), &xff(&["10.9.9.9"])), ip("10.9.9.9"));
        assert!(TrustedProxies::parse(&["10.0.0.0/99".into()]).is_err());
    }

    #[test]
    fn ipv6_clients_share_their_slash_64() {
        assert_eq!(
            rate_key(ip("2001:db8:1:2:aaaa::1")),
            rate_key(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(rate_key(ip("2001:db8:1:2::1")), rate_key(ip("2001:db8:1:3::1")));
        assert_eq!(rate_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(rate_key(ip("192.0.2.1")), ip("192.0.2.1"));
    }
}
