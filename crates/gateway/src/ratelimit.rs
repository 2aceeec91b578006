//! Per-IP rate limiting of what anonymous clients can repeat cheaply: guessing passwords,
//! creating accounts, recording visits.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota};

/// Attempts per client IP. Cloning shares the counters.
#[derive(Clone)]
pub struct IpRateLimiter(Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>);

impl IpRateLimiter {
    /// `per_minute` attempts per IP, all of which may come at once; 0 means no limit.
    pub fn new(per_minute: u32) -> IpRateLimiter {
        IpRateLimiter(
            NonZeroU32::new(per_minute)
                .map(|n| Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_minute(n)))),
        )
    }

    /// `Err(seconds)` to wait when `ip` has used up its attempts.
    pub fn check(&self, ip: Option<IpAddr>) -> Result<(), u64> {
        let (Some(limiter), Some(ip)) = (&self.0, ip) else {
            return Ok(());
        };
        limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            wait.as_secs().max(1)
        })
    }

    /// Forgets IPs whose attempts have all been replenished, so memory stays bounded.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.0 {
            limiter.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_each_ip_separately() {
        let limiter = IpRateLimiter::new(3);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..3 {
            assert!(limiter.check(Some(a)).is_ok());
        }
        assert!(limiter.check(Some(a)).unwrap_err() >= 1);
        assert!(limiter.check(Some(b)).is_ok());
        assert!(IpRateLimiter::new(0).check(Some(a)).is_ok());
    }
}
