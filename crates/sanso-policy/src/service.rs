//! Services: the built-in table, ICMP/ICMPv6 type names, and the parser of
//! one service entry (`tcp/443`, `udp/53`, `tcp/49152-65535`,
//! `icmp/echo-request`, `icmpv6/128`). Other crates use the tables to render
//! and parse ICMP types.

use std::fmt;

use sanso_i18n::t;

use crate::model::{PortRange, ServiceMatch};

/// Built-in services: name and entries in the policy syntax. A policy's
/// `[services]` table may define more names or override these.
pub const BUILTIN_SERVICES: &[(&str, &[&str])] = &[
    ("dns", &["udp/53", "tcp/53"]),
    ("http", &["tcp/80"]),
    ("https", &["tcp/443"]),
    ("imaps", &["tcp/993"]),
    ("ldap", &["tcp/389", "udp/389"]),
    ("ldaps", &["tcp/636"]),
    ("ntp", &["udp/123"]),
    ("ping", &["icmp/echo-request", "icmpv6/echo-request"]),
    ("rdp", &["tcp/3389", "udp/3389"]),
    ("smb", &["tcp/445"]),
    ("smtp", &["tcp/25"]),
    ("snmp", &["udp/161"]),
    ("ssh", &["tcp/22"]),
    ("submission", &["tcp/587"]),
    ("syslog", &["udp/514"]),
];

/// ICMP (IPv4) type names as nft spells them, with their numbers.
pub const ICMP_TYPES: &[(&str, u8)] = &[
    ("echo-reply", 0),
    ("destination-unreachable", 3),
    ("source-quench", 4),
    ("redirect", 5),
    ("echo-request", 8),
    ("router-advertisement", 9),
    ("router-solicitation", 10),
    ("time-exceeded", 11),
    ("parameter-problem", 12),
    ("timestamp-request", 13),
    ("timestamp-reply", 14),
    ("info-request", 15),
    ("info-reply", 16),
    ("address-mask-request", 17),
    ("address-mask-reply", 18),
];

/// ICMPv6 type names as nft spells them, with their numbers.
pub const ICMPV6_TYPES: &[(&str, u8)] = &[
    ("destination-unreachable", 1),
    ("packet-too-big", 2),
    ("time-exceeded", 3),
    ("parameter-problem", 4),
    ("echo-request", 128),
    ("echo-reply", 129),
    ("mld-listener-query", 130),
    ("mld-listener-report", 131),
    ("mld-listener-done", 132),
    ("nd-router-solicit", 133),
    ("nd-router-advert", 134),
    ("nd-neighbor-solicit", 135),
    ("nd-neighbor-advert", 136),
    ("nd-redirect", 137),
    ("router-renumbering", 138),
    ("ind-neighbor-solicit", 141),
    ("ind-neighbor-advert", 142),
    ("mld2-listener-report", 143),
];

/// Which ICMP: IPv4's or IPv6's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IcmpFamily {
    V4,
    V6,
}

impl IcmpFamily {
    /// `icmp` or `icmpv6`.
    pub fn keyword(self) -> &'static str {
        match self {
            IcmpFamily::V4 => "icmp",
            IcmpFamily::V6 => "icmpv6",
        }
    }

    fn table(self) -> &'static [(&'static str, u8)] {
        match self {
            IcmpFamily::V4 => ICMP_TYPES,
            IcmpFamily::V6 => ICMPV6_TYPES,
        }
    }
}

/// The number of a named ICMP type (`echo-request` -> 8 for v4, 128 for v6).
pub fn icmp_type_number(family: IcmpFamily, name: &str) -> Option<u8> {
    family
        .table()
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
}

/// The name of an ICMP type number, when it has one.
pub fn icmp_type_name(family: IcmpFamily, number: u8) -> Option<&'static str> {
    family
        .table()
        .iter()
        .find(|(_, t)| *t == number)
        .map(|(n, _)| *n)
}

/// A type given by name or decimal number (0..=255).
pub fn parse_icmp_type(family: IcmpFamily, text: &str) -> Result<u8, ServiceSpecError> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<u8>()
            .map_err(|_| ServiceSpecError::IcmpTypeOutOfRange(text.to_owned()));
    }
    icmp_type_number(family, text).ok_or_else(|| ServiceSpecError::UnknownIcmpType {
        family,
        name: text.to_owned(),
    })
}

/// The entries of a built-in service, parsed.
pub fn builtin_service(name: &str) -> Option<Vec<ServiceMatch>> {
    let (_, specs) = BUILTIN_SERVICES.iter().find(|(n, _)| *n == name)?;
    // The table is checked by a unit test, so every entry parses.
    Some(
        specs
            .iter()
            .filter_map(|s| parse_service_match(s).ok())
            .collect(),
    )
}

/// Why a service entry does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ServiceSpecError {
    Shape(String),
    Protocol(String),
    NotAPort(String),
    PortZero,
    PortTooLarge(String),
    Reversed { first: u16, last: u16 },
    UnknownIcmpType { family: IcmpFamily, name: String },
    IcmpTypeOutOfRange(String),
}

impl fmt::Display for ServiceSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&match self {
            ServiceSpecError::Shape(text) => t!("policy-service-shape", entry = text),
            ServiceSpecError::Protocol(proto) => t!("policy-service-protocol", proto = proto),
            ServiceSpecError::NotAPort(text) => t!("policy-service-not-a-port", port = text),
            ServiceSpecError::PortZero => t!("policy-service-port-zero"),
            ServiceSpecError::PortTooLarge(text) => {
                t!("policy-service-port-too-large", port = text)
            }
            ServiceSpecError::Reversed { first, last } => t!(
                "policy-service-reversed",
                first = first.to_string(),
                last = last.to_string()
            ),
            ServiceSpecError::UnknownIcmpType { family, name } => t!(
                "policy-service-unknown-icmp-type",
                proto = family.keyword(),
                name = name
            ),
            ServiceSpecError::IcmpTypeOutOfRange(text) => {
                t!("policy-service-icmp-type-range", number = text)
            }
        })
    }
}

impl ServiceSpecError {
    /// True for the errors that are about port numbers (code E034).
    pub fn is_port_error(&self) -> bool {
        matches!(
            self,
            ServiceSpecError::PortZero
                | ServiceSpecError::PortTooLarge(_)
                | ServiceSpecError::Reversed { .. }
        )
    }

    /// True for unknown or out-of-range ICMP types (code E039).
    pub fn is_icmp_type_error(&self) -> bool {
        matches!(
            self,
            ServiceSpecError::UnknownIcmpType { .. } | ServiceSpecError::IcmpTypeOutOfRange(_)
        )
    }
}

fn parse_port(text: &str) -> Result<u16, ServiceSpecError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ServiceSpecError::NotAPort(text.to_owned()));
    }
    text.parse::<u16>()
        .map_err(|_| ServiceSpecError::PortTooLarge(text.to_owned()))
}

fn parse_ports(text: &str) -> Result<PortRange, ServiceSpecError> {
    match text.split_once('-') {
        None => {
            let port = parse_port(text)?;
            if port == 0 {
                return Err(ServiceSpecError::PortZero);
            }
            Ok(PortRange {
                first: port,
                last: port,
            })
        }
        Some((a, b)) => {
            let (first, last) = (parse_port(a)?, parse_port(b)?);
            if last == 0 {
                return Err(ServiceSpecError::PortZero);
            }
            if first > last {
                return Err(ServiceSpecError::Reversed { first, last });
            }
            Ok(PortRange { first, last })
        }
    }
}

/// Parses one service entry. A port range may start at 0 (`tcp/0-65535`
/// covers every port, as nft allows); a single port 0 is refused.
pub fn parse_service_match(text: &str) -> Result<ServiceMatch, ServiceSpecError> {
    let (proto, rest) = text
        .split_once('/')
        .ok_or_else(|| ServiceSpecError::Shape(text.to_owned()))?;
    match proto {
        "tcp" => Ok(ServiceMatch::Tcp(parse_ports(rest)?)),
        "udp" => Ok(ServiceMatch::Udp(parse_ports(rest)?)),
        "icmp" => Ok(ServiceMatch::Icmp(parse_icmp_type(IcmpFamily::V4, rest)?)),
        "icmpv6" => Ok(ServiceMatch::Icmpv6(parse_icmp_type(IcmpFamily::V6, rest)?)),
        "" => Err(ServiceSpecError::Shape(text.to_owned())),
        other => Err(ServiceSpecError::Protocol(other.to_owned())),
    }
}

impl ServiceMatch {
    /// True for a TCP or UDP match over every port (1-65535 or 0-65535):
    /// guardrail 5 refuses these across zones.
    pub fn covers_all_ports(&self) -> bool {
        match self {
            ServiceMatch::Tcp(r) | ServiceMatch::Udp(r) => r.first <= 1 && r.last == u16::MAX,
            ServiceMatch::Icmp(_) | ServiceMatch::Icmpv6(_) => false,
        }
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}-{}", self.first, self.last)
        }
    }
}

/// The policy syntax: `tcp/443`, `udp/1000-2000`, `icmp/echo-request`,
/// `icmpv6/200` (numbers for types without a name).
impl fmt::Display for ServiceMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceMatch::Tcp(r) => write!(f, "tcp/{r}"),
            ServiceMatch::Udp(r) => write!(f, "udp/{r}"),
            ServiceMatch::Icmp(t) => match icmp_type_name(IcmpFamily::V4, *t) {
                Some(name) => write!(f, "icmp/{name}"),
                None => write!(f, "icmp/{t}"),
            },
            ServiceMatch::Icmpv6(t) => match icmp_type_name(IcmpFamily::V6, *t) {
                Some(name) => write!(f, "icmpv6/{name}"),
                None => write!(f, "icmpv6/{t}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_entry_parses() {
        for (name, specs) in BUILTIN_SERVICES {
            for spec in *specs {
                assert!(parse_service_match(spec).is_ok(), "built-in {name}: {spec}");
            }
            assert_eq!(builtin_service(name).map(|m| m.len()), Some(specs.len()));
        }
    }

    #[test]
    fn parses_the_contract_forms() {
        let tcp = |first, last| ServiceMatch::Tcp(PortRange { first, last });
        assert_eq!(parse_service_match("tcp/443"), Ok(tcp(443, 443)));
        assert_eq!(
            parse_service_match("udp/53"),
            Ok(ServiceMatch::Udp(PortRange {
                first: 53,
                last: 53
            }))
        );
        assert_eq!(
            parse_service_match("tcp/49152-65535"),
            Ok(tcp(49152, 65535))
        );
        assert_eq!(
            parse_service_match("icmp/echo-request"),
            Ok(ServiceMatch::Icmp(8))
        );
        assert_eq!(parse_service_match("icmp/8"), Ok(ServiceMatch::Icmp(8)));
        assert_eq!(
            parse_service_match("icmpv6/echo-request"),
            Ok(ServiceMatch::Icmpv6(128))
        );
        assert_eq!(
            parse_service_match("icmpv6/200"),
            Ok(ServiceMatch::Icmpv6(200))
        );
    }

    #[test]
    fn refuses_bad_ports_and_types() {
        assert_eq!(
            parse_service_match("tcp/0"),
            Err(ServiceSpecError::PortZero)
        );
        assert_eq!(
            parse_service_match("tcp/65536"),
            Err(ServiceSpecError::PortTooLarge("65536".into()))
        );
        assert_eq!(
            parse_service_match("tcp/99999999999999999999"),
            Err(ServiceSpecError::PortTooLarge(
                "99999999999999999999".into()
            ))
        );
        assert_eq!(
            parse_service_match("tcp/90-80"),
            Err(ServiceSpecError::Reversed {
                first: 90,
                last: 80
            })
        );
        assert_eq!(
            parse_service_match("tcp/"),
            Err(ServiceSpecError::NotAPort(String::new()))
        );
        assert_eq!(
            parse_service_match("sctp/1"),
            Err(ServiceSpecError::Protocol("sctp".into()))
        );
        assert_eq!(
            parse_service_match("443"),
            Err(ServiceSpecError::Shape("443".into()))
        );
        assert!(matches!(
            parse_service_match("icmp/echo"),
            Err(ServiceSpecError::UnknownIcmpType { .. })
        ));
        assert!(matches!(
            parse_service_match("icmp/256"),
            Err(ServiceSpecError::IcmpTypeOutOfRange(_))
        ));
        // echo-request is 128 in ICMPv6 and does not exist as a v4 number name there.
        assert_eq!(
            parse_service_match("icmpv6/nd-router-advert"),
            Ok(ServiceMatch::Icmpv6(134))
        );
    }

    #[test]
    fn all_ports_detection() {
        assert!(parse_service_match("tcp/1-65535").is_ok_and(|m| m.covers_all_ports()));
        assert!(parse_service_match("udp/0-65535").is_ok_and(|m| m.covers_all_ports()));
        assert!(parse_service_match("tcp/2-65535").is_ok_and(|m| !m.covers_all_ports()));
    }

    #[test]
    fn names_round_trip() {
        for (name, n) in ICMP_TYPES {
            assert_eq!(icmp_type_number(IcmpFamily::V4, name), Some(*n));
            assert_eq!(icmp_type_name(IcmpFamily::V4, *n), Some(*name));
        }
        for (name, n) in ICMPV6_TYPES {
            assert_eq!(icmp_type_number(IcmpFamily::V6, name), Some(*n));
            assert_eq!(icmp_type_name(IcmpFamily::V6, *n), Some(*name));
        }
        assert_eq!(
            parse_service_match("icmp/3").map(|m| m.to_string()),
            Ok("icmp/destination-unreachable".into())
        );
    }
}
