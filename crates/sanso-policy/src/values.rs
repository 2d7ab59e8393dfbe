//! Leaf values of the policy format and their parsers: networks and host
//! addresses, interface names, rate limits and `until` instants. Each parser
//! returns a typed error whose message is shown to the user as is.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::{RateLimit, RateUnit};

/// Why an address or network does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    #[error("`{0}` is not an IPv4 or IPv6 network in CIDR form (e.g. 10.20.0.0/16)")]
    Syntax(String),
    #[error("`{0}` is not an IP address or a prefix (e.g. 10.20.5.10 or 10.30.8.0/24)")]
    HostSyntax(String),
    #[error("`{0}` is an address, not a network; write a prefix length (e.g. {0}/32)")]
    BareAddress(String),
    #[error("`{written}` has host bits set; the network is {network}")]
    HostBitsSet { written: String, network: IpNet },
}

/// A zone network: CIDR with no host bits set.
pub fn parse_network(text: &str) -> Result<IpNet, NetworkError> {
    match text.parse::<IpNet>() {
        Ok(net) => exact(text, net),
        Err(_) if text.parse::<IpAddr>().is_ok() => Err(NetworkError::BareAddress(text.to_owned())),
        Err(_) => Err(NetworkError::Syntax(text.to_owned())),
    }
}

/// A host address: a bare address (a /32 or /128) or a prefix with no host bits set.
pub fn parse_host_address(text: &str) -> Result<IpNet, NetworkError> {
    if let Ok(addr) = text.parse::<IpAddr>() {
        return Ok(IpNet::from(addr));
    }
    match text.parse::<IpNet>() {
        Ok(net) => exact(text, net),
        Err(_) => Err(NetworkError::HostSyntax(text.to_owned())),
    }
}

fn exact(text: &str, net: IpNet) -> Result<IpNet, NetworkError> {
    if net.trunc() == net {
        Ok(net)
    } else {
        Err(NetworkError::HostBitsSet {
            written: text.to_owned(),
            network: net.trunc(),
        })
    }
}

/// The longest interface name Linux accepts (IFNAMSIZ - 1).
pub const MAX_INTERFACE_NAME: usize = 15;

/// Why an interface name would be refused by the kernel.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InterfaceNameError {
    #[error("interface name is empty")]
    Empty,
    #[error("interface name `{0}` is longer than 15 bytes (IFNAMSIZ)")]
    TooLong(String),
    #[error("interface name `{0}` contains '/', whitespace or a control character")]
    BadCharacter(String),
    #[error("interface name `{0}` is reserved (`.` and `..`)")]
    Reserved(String),
    #[error("interface name `{name}` contains `{byte}`, {why}")]
    NftSpecial {
        name: String,
        byte: char,
        why: &'static str,
    },
}

/// Bytes Linux allows in an interface name but nft's text treats specially,
/// so that the kernel would not match what the policy says.
const NFT_SPECIAL: &[(char, &str)] = &[
    ('*', "which nft treats as a wildcard: `eth*` matches every interface whose name starts with `eth`, and overlaps other zones' interfaces"),
    ('"', "which nft's text cannot quote"),
    ('\\', "which nft's text keeps literally, so the text and netlink back ends would load different names"),
];

pub fn check_interface_name(name: &str) -> Result<(), InterfaceNameError> {
    if name.is_empty() {
        return Err(InterfaceNameError::Empty);
    }
    if name.len() > MAX_INTERFACE_NAME {
        return Err(InterfaceNameError::TooLong(name.to_owned()));
    }
    if name
        .chars()
        .any(|c| c == '/' || c == ':' || c.is_whitespace() || c.is_control())
    {
        return Err(InterfaceNameError::BadCharacter(name.to_owned()));
    }
    if name == "." || name == ".." {
        return Err(InterfaceNameError::Reserved(name.to_owned()));
    }
    if let Some((byte, why)) = NFT_SPECIAL.iter().find(|(c, _)| name.contains(*c)) {
        return Err(InterfaceNameError::NftSpecial {
            name: name.to_owned(),
            byte: *byte,
            why,
        });
    }
    Ok(())
}

/// The largest `N` of a rate limit.
pub const MAX_LIMIT: u32 = 1_000_000;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("limit `{0}` is not N/second, N/minute or N/hour")]
    Shape(String),
    #[error("limit `{0}` must have N between 1 and 1000000")]
    OutOfRange(String),
}

/// `N/second`, `N/minute` or `N/hour`, N in 1..=1_000_000.
pub fn parse_limit(text: &str) -> Result<RateLimit, LimitError> {
    let shape = || LimitError::Shape(text.to_owned());
    let (count, unit) = text.split_once('/').ok_or_else(shape)?;
    let unit = match unit.trim() {
        "second" => RateUnit::Second,
        "minute" => RateUnit::Minute,
        "hour" => RateUnit::Hour,
        _ => return Err(shape()),
    };
    let count = count.trim();
    if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
        return Err(shape());
    }
    match count.parse::<u32>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(RateLimit { count: n, unit }),
        _ => Err(LimitError::OutOfRange(text.to_owned())),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UntilError {
    #[error("until `{0}` is not a date YYYY-MM-DD or an RFC 3339 date-time with an offset")]
    Shape(String),
    #[error("`{0}` is after 2100-12-31, the last date sanso accepts (the kernel's clock match would overflow past 2554)")]
    TooLate(String),
}

/// The last instant a date may stand for: the end of 2100-12-31 in JST.
/// Later values would be meaningless for a policy and, past 2554, overflow
/// the kernel's nanosecond `meta time`.
pub const LAST_INSTANT: i64 = 4_133_948_400;

/// Japan Standard Time, the zone in which a bare `until` date ends.
fn jst() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::fixed(jiff::tz::offset(9))
}

/// The instant (seconds since the Unix epoch) before which a flow with this
/// `until` matches. A date `YYYY-MM-DD` means through the end of that day in
/// JST, i.e. the next day at 00:00 +09:00; an RFC 3339 date-time with an
/// offset (`2026-12-31T18:00:00+09:00`) means that instant.
pub fn parse_until(text: &str) -> Result<i64, UntilError> {
    parse_date_or_instant(text, DateMeans::NextMidnight)
}

/// An instant written as a date `YYYY-MM-DD` (the start of that day in JST)
/// or an RFC 3339 date-time with an offset; seconds since the Unix epoch.
/// Used for a case's `at` and the CLI's `--now`/`--at`.
pub fn parse_instant(text: &str) -> Result<i64, UntilError> {
    parse_date_or_instant(text, DateMeans::Midnight)
}

/// Which instant a bare date stands for.
#[derive(Clone, Copy)]
enum DateMeans {
    /// 00:00 JST of that day.
    Midnight,
    /// 00:00 JST of the next day (the end of that day).
    NextMidnight,
}

fn parse_date_or_instant(text: &str, date_means: DateMeans) -> Result<i64, UntilError> {
    let instant = parse_any_date_or_instant(text, date_means)?;
    if instant > LAST_INSTANT {
        return Err(UntilError::TooLate(text.to_owned()));
    }
    Ok(instant)
}

fn parse_any_date_or_instant(text: &str, date_means: DateMeans) -> Result<i64, UntilError> {
    let shape = || UntilError::Shape(text.to_owned());
    let is_date = text.len() == 10
        && text.as_bytes().get(4) == Some(&b'-')
        && text.as_bytes().get(7) == Some(&b'-');
    if is_date {
        let date: jiff::civil::Date = text.parse().map_err(|_| shape())?;
        let day = match date_means {
            DateMeans::Midnight => date,
            DateMeans::NextMidnight => date.tomorrow().map_err(|_| shape())?,
        };
        let zoned = day.to_zoned(jst()).map_err(|_| shape())?;
        return Ok(zoned.timestamp().as_second());
    }
    // RFC 3339 requires an offset; jiff's Timestamp parser refuses a civil
    // date-time without one, which is what we want.
    let ts: jiff::Timestamp = text.parse().map_err(|_| shape())?;
    Ok(ts.as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants() {
        // 2027-04-01 00:00 +09:00
        assert_eq!(parse_instant("2027-04-01"), Ok(1_806_505_200));
        assert_eq!(parse_until("2027-03-31"), parse_instant("2027-04-01"));
        assert_eq!(parse_instant("2027-03-31T15:00:00Z"), Ok(1_806_505_200));
        assert!(parse_instant("2027-03-31T15:00:00").is_err());
        assert!(parse_instant("tomorrow").is_err());
    }

    #[test]
    fn networks() {
        assert_eq!(
            parse_network("10.20.0.0/16").map(|n| n.to_string()),
            Ok("10.20.0.0/16".into())
        );
        assert_eq!(
            parse_network("10.20.1.0/16"),
            Err(NetworkError::HostBitsSet {
                written: "10.20.1.0/16".into(),
                network: "10.20.0.0/16".parse().expect("net")
            })
        );
        assert!(matches!(
            parse_network("10.20.1.0"),
            Err(NetworkError::BareAddress(_))
        ));
        assert!(matches!(
            parse_network("10.20.1.0/33"),
            Err(NetworkError::Syntax(_))
        ));
        assert!(matches!(
            parse_network("fd00::1/48"),
            Err(NetworkError::HostBitsSet { .. })
        ));
        assert_eq!(
            parse_host_address("10.20.5.10").map(|n| n.to_string()),
            Ok("10.20.5.10/32".into())
        );
        assert_eq!(
            parse_host_address("fd00::1").map(|n| n.prefix_len()),
            Ok(128)
        );
    }

    #[test]
    fn interface_names() {
        assert!(check_interface_name("wan0").is_ok());
        assert!(check_interface_name("abcdefghijklmno").is_ok());
        assert!(matches!(
            check_interface_name("abcdefghijklmnop"),
            Err(InterfaceNameError::TooLong(_))
        ));
        assert!(matches!(
            check_interface_name("a/b"),
            Err(InterfaceNameError::BadCharacter(_))
        ));
        assert!(matches!(
            check_interface_name("a b"),
            Err(InterfaceNameError::BadCharacter(_))
        ));
        assert_eq!(check_interface_name(""), Err(InterfaceNameError::Empty));
        assert!(matches!(
            check_interface_name(".."),
            Err(InterfaceNameError::Reserved(_))
        ));
        assert!(matches!(
            check_interface_name("a:b"),
            Err(InterfaceNameError::BadCharacter(_))
        ));
        // What Linux allows but nft's text reinterprets.
        for (name, byte) in [("if5*", '*'), ("if55\"", '"'), ("a\\b", '\\'), ("e*th", '*')] {
            match check_interface_name(name) {
                Err(InterfaceNameError::NftSpecial { byte: b, .. }) => assert_eq!(b, byte, "{name}"),
                other => panic!("{name}: {other:?}"),
            }
        }
        let message = check_interface_name("wan*").expect_err("wildcard").to_string();
        assert!(message.contains("wildcard"), "{message}");
        // Bytes nft 1.0.6 loads and lists as written (checked with nft -f).
        for name in ["a$b", "a{b", "a;b", "a#b", "a'b", "a.b", "vlan.100", "br-lan", "wg_0", "aéb"] {
            assert_eq!(check_interface_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn limits() {
        assert_eq!(
            parse_limit("20/second"),
            Ok(RateLimit {
                count: 20,
                unit: RateUnit::Second
            })
        );
        assert_eq!(
            parse_limit("1000000/hour"),
            Ok(RateLimit {
                count: 1_000_000,
                unit: RateUnit::Hour
            })
        );
        assert!(matches!(
            parse_limit("0/second"),
            Err(LimitError::OutOfRange(_))
        ));
        assert!(matches!(
            parse_limit("1000001/minute"),
            Err(LimitError::OutOfRange(_))
        ));
        assert!(matches!(
            parse_limit("99999999999999999999/minute"),
            Err(LimitError::OutOfRange(_))
        ));
        assert!(matches!(parse_limit("20/day"), Err(LimitError::Shape(_))));
        assert!(matches!(
            parse_limit("-1/second"),
            Err(LimitError::Shape(_))
        ));
        assert!(matches!(parse_limit("20"), Err(LimitError::Shape(_))));
    }

    #[test]
    fn until_is_the_end_of_the_day_in_jst() {
        // 2027-01-01T00:00:00+09:00 = 2026-12-31T15:00:00Z
        assert_eq!(parse_until("2026-12-31"), Ok(1_798_729_200));
        assert_eq!(parse_until("2026-12-31T15:00:00Z"), Ok(1_798_729_200));
        assert_eq!(parse_until("2027-01-01T00:00:00+09:00"), Ok(1_798_729_200));
        assert!(parse_until("2026-02-30").is_err());
        assert!(parse_until("2026-12-31T00:00:00").is_err());
        assert!(parse_until("9999-12-31").is_err());
        // The last accepted date, and the first refused one.
        assert_eq!(parse_until("2100-12-31"), Ok(LAST_INSTANT));
        assert_eq!(
            parse_until("2101-01-01"),
            Err(UntilError::TooLate("2101-01-01".into()))
        );
        assert!(matches!(
            parse_until("2600-01-01"),
            Err(UntilError::TooLate(_))
        ));
        assert!(matches!(
            parse_instant("2101-01-01T00:00:01+09:00"),
            Err(UntilError::TooLate(_))
        ));
        assert!(parse_until("tomorrow").is_err());
    }
}
