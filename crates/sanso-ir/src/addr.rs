//! The two address families as one trait, so that lowering, the invariant
//! checker and the classifier are written once over plain integers.
//!
//! An address of either family maps to its integer value in a `u128`
//! (IPv4 in the low 32 bits); ranges and sweeps work on those integers.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use sanso_policy::ServiceMatch;

use crate::{Family, Ruleset};

mod sealed {
    pub trait Sealed {}
    impl Sealed for std::net::Ipv4Addr {}
    impl Sealed for std::net::Ipv6Addr {}
}

/// An address family of the IR: [`Ipv4Addr`] or [`Ipv6Addr`].
pub trait FamilyAddress: Copy + Ord + fmt::Debug + sealed::Sealed + 'static {
    /// The largest address of the family, as an integer.
    const MAX_U128: u128;
    /// `"4"` or `"6"`, as in nft set names.
    const SUFFIX: &'static str;

    /// The address as an integer.
    fn as_u128(self) -> u128;
    /// The address with this integer value; `bits` must be at most [`Self::MAX_U128`].
    fn from_u128(bits: u128) -> Self;
    /// The address if `addr` belongs to this family.
    fn from_ip(addr: IpAddr) -> Option<Self>;
    /// The inclusive integer range of `net` if it belongs to this family.
    fn net_bits(net: &IpNet) -> Option<(u128, u128)>;
    /// The ICMP type a service match means in this family (ICMP for IPv4,
    /// ICMPv6 for IPv6), `None` for other matches.
    fn icmp_type(service: &ServiceMatch) -> Option<u8>;
    /// This family's tables in `ruleset`.
    fn family(ruleset: &Ruleset) -> &Family<Self>;
}

impl FamilyAddress for Ipv4Addr {
    const MAX_U128: u128 = u32::MAX as u128;
    const SUFFIX: &'static str = "4";

    fn as_u128(self) -> u128 {
        u128::from(u32::from(self))
    }

    fn from_u128(bits: u128) -> Self {
        debug_assert!(bits <= Self::MAX_U128);
        Ipv4Addr::from(bits as u32)
    }

    fn from_ip(addr: IpAddr) -> Option<Self> {
        match addr {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(_) => None,
        }
    }

    fn net_bits(net: &IpNet) -> Option<(u128, u128)> {
        match net {
            IpNet::V4(n) => Some((Self::as_u128(n.network()), Self::as_u128(n.broadcast()))),
            IpNet::V6(_) => None,
        }
    }

    fn icmp_type(service: &ServiceMatch) -> Option<u8> {
        match service {
            ServiceMatch::Icmp(t) => Some(*t),
            _ => None,
        }
    }

    fn family(ruleset: &Ruleset) -> &Family<Self> {
        &ruleset.v4
    }
}

impl FamilyAddress for Ipv6Addr {
    const MAX_U128: u128 = u128::MAX;
    const SUFFIX: &'static str = "6";

    fn as_u128(self) -> u128 {
        u128::from(self)
    }

    fn from_u128(bits: u128) -> Self {
        Ipv6Addr::from(bits)
    }

    fn from_ip(addr: IpAddr) -> Option<Self> {
        match addr {
            IpAddr::V6(a) => Some(a),
            IpAddr::V4(_) => None,
        }
    }

    fn net_bits(net: &IpNet) -> Option<(u128, u128)> {
        match net {
            IpNet::V6(n) => Some((Self::as_u128(n.network()), Self::as_u128(n.broadcast()))),
            IpNet::V4(_) => None,
        }
    }

    fn icmp_type(service: &ServiceMatch) -> Option<u8> {
        match service {
            ServiceMatch::Icmpv6(t) => Some(*t),
            _ => None,
        }
    }

    fn family(ruleset: &Ruleset) -> &Family<Self> {
        &ruleset.v6
    }
}
