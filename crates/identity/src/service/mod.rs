//! The identity services. Each takes the database, the actor and a plain input, and enforces
//! every rule itself.

pub mod accounts;
pub mod admin;
pub mod api_keys;
pub mod guesses;
pub mod points;
pub mod sessions;
pub mod users;
pub mod visitors;

use std::net::IpAddr;

/// What the transport knows about the caller's device, kept as hints (never trusted).
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub user_agent: Option<String>,
    pub ip: Option<IpAddr>,
}

impl ClientInfo {
    pub(crate) fn user_agent(&self) -> Option<String> {
        commons_core::text::clipped(self.user_agent.as_deref(), 512)
    }

    /// The IP cut to its network (/24 for IPv4, /48 for IPv6): enough to tell regions and
    /// abuse apart, not enough to point at a household.
    pub(crate) fn ip_prefix(&self) -> Option<String> {
        self.ip.map(|ip| match ip.to_canonical() {
            IpAddr::V4(v4) => {
                let [a, b, c, _] = v4.octets();
                format!("{a}.{b}.{c}.0/24")
            }
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ips_are_truncated() {
        let info = |ip: &str| {
            ClientInfo {
                user_agent: None,
                ip: ip.parse().ok(),
            }
            .ip_prefix()
        };
        assert_eq!(info("203.0.113.77").as_deref(), Some("203.0.113.0/24"));
        assert_eq!(info("::ffff:203.0.113.77").as_deref(), Some("203.0.113.0/24"));
        assert_eq!(info("2001:db8:abcd:12::1").as_deref(), Some("2001:db8:abcd::/48"));
    }
}
