//! Direct IP lookups, for callers that already hold parsed addresses (flow records,
//! firewall logs in binary form): no tokenizing, no allowlist, just the prefix tables.

use crate::compile::{Database, IndicatorId};
use crate::time::Timestamp;
use std::net::{IpAddr, Ipv4Addr};

impl Database {
    /// Calls `f` for every live IP indicator covering `addr` (every covering network, not
    /// only the longest), including port-specific indicators when `port` matches theirs.
    /// IPv4-mapped IPv6 addresses are looked up as IPv4. The allowlist is not applied: use
    /// the scanners for sightings.
    ///
    /// ```
    /// use linerate::{Builder, Indicator, Kind, Timestamp};
    /// let mut b = Builder::new();
    /// b.add(Indicator::parse(Kind::Ip, "10.0.0.0/8", "a").unwrap()).unwrap();
    /// b.add(Indicator::parse(Kind::Ip, "10.1.0.0/16", "b").unwrap()).unwrap();
    /// let db = b.build().unwrap();
    /// let mut ids = Vec::new();
    /// db.ip_indicators("10.1.2.3".parse().unwrap(), None, Timestamp(0), |id| ids.push(id.0));
    /// ids.sort();
    /// assert_eq!(ids, [0, 1]);
    /// ```
    ///
    /// Cost: one bit test per address class gate, then one hash probe per distinct prefix
    /// length present in that class; no allocation.
    pub fn ip_indicators(
        &self,
        addr: IpAddr,
        port: Option<u16>,
        now: Timestamp,
        mut f: impl FnMut(IndicatorId),
    ) {
        let hits = &self.inner.hits;
        let mut emit = |id: u32, _: bool| {
            if hits.live(id, now) {
                f(IndicatorId(id));
            }
        };
        match addr {
            IpAddr::V4(a) => hits.ip.lookup_v4(u32::from(a), port, &mut emit),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => hits.ip.lookup_v4(u32::from(v4), port, &mut emit),
                None => hits.ip.lookup_v6(u128::from(a), port, &mut emit),
            },
        }
    }

    /// Batched membership: `out[i]` is set to whether any live IP indicator without a port
    /// covers `addrs[i]`. `out` must be as long as `addrs` (extra entries are left alone).
    ///
    /// Independent lookups in one loop let the CPU overlap their cache misses.
    pub fn contains_ipv4_batch(&self, addrs: &[Ipv4Addr], now: Timestamp, out: &mut [bool]) {
        let hits = &self.inner.hits;
        for (a, o) in addrs.iter().zip(out.iter_mut()) {
            let mut any = false;
            hits.ip
                .lookup_v4(u32::from(*a), None, |id, _| any |= hits.live(id, now));
            *o = any;
        }
    }
}
