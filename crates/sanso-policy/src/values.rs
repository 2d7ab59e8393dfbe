//! Leaf values of the policy format and their parsers: networks and host
//! addresses, interface names, rate limits and `until` instants. Each parser
//! returns a typed error whose message is shown to the user as is.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use sanso_i18n::t;

use crate::model::{RateLimit, RateUnit};

/// Why an address or network does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    Syntax(String),
    HostSyntax(String),
    BareAddress(String),
    HostBitsSet { written: String, network: IpNet },
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&match self {
            NetworkError::Syntax(text) => t!("policy-not-a-network", text = text),
            NetworkError::HostSyntax(text) => t!("policy-not-a-host-address", text = text),
            NetworkError::BareAddress(text) => t!("policy-bare-address", text = text),
            NetworkError::HostBitsSet { written, network } => t!(
                "policy-host-bits-set",
                written = written,
                network = network.to_string()
            ),
        })
    }
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

/// Why an interface name is refused: Linux would refuse it, or nft or the
/// kernel would not match what the policy says. Messages show the name with
/// whitespace and control characters escaped (`\u{9}`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InterfaceNameError {
    Empty,
    TooLong(String),
    Reserved(String),
    Character {
        name: String,
        /// The first refused character of the name.
        character: char,
        /// Why it is refused, as a word the message catalogue knows
        /// (`whitespace`, `wildcard`, ...; see [`refused_character`]).
        why: &'static str,
    },
}

impl fmt::Display for InterfaceNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&match self {
            InterfaceNameError::Empty => t!("policy-interface-empty"),
            InterfaceNameError::TooLong(name) => t!(
                "policy-interface-too-long",
                name = shown(name),
                bytes = name.len().to_string()
            ),
            InterfaceNameError::Reserved(name) => {
                t!("policy-interface-reserved", name = shown(name))
            }
            InterfaceNameError::Character {
                name,
                character,
                why,
            } => t!(
                "policy-interface-character",
                name = shown(name),
                character = described(*character),
                why = why_text(why)
            ),
        })
    }
}

/// The name as messages show it: whitespace (but the space) and control
/// characters as `\u{..}` escapes, everything else as written.
fn shown(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c == ' ' || !(c.is_control() || c.is_whitespace()) {
                c.to_string()
            } else {
                c.escape_unicode().to_string()
            }
        })
        .collect()
}

/// One character as messages name it.
fn described(c: char) -> String {
    match c {
        ' ' => t!("policy-a-space"),
        c if c.is_control() || c.is_whitespace() => format!("U+{:04X}", u32::from(c)),
        c if c.is_ascii() => format!("`{c}`"),
        c => format!("`{c}` (U+{:04X})", u32::from(c)),
    }
}

/// Why a character is refused (a word [`why_text`] turns into the
/// message), or `None` for the characters an interface name may hold:
/// ASCII letters, digits and the punctuation nft 1.0.6 loads as written
/// inside a quoted name (`! # $ & ' ( ) + , - . ; < = > ? @ [ ] ^ _ \` { |
/// } ~`, checked with `nft -c` and `nft -f`).
fn refused_character(c: char) -> Option<&'static str> {
    Some(match c {
        c if crate::width::half_width(c).is_some() => "full-width",
        c if !c.is_ascii() => "not-ascii",
        '\0' => "nul",
        // The kernel's isspace(): tab, newline, vertical tab, form feed,
        // carriage return and the space.
        '\t' | '\n' | '\x0b' | '\x0c' | '\r' | ' ' => "whitespace",
        c if c.is_ascii_control() => "control",
        '/' => "slash",
        ':' => "colon",
        '%' => "percent",
        '*' => "wildcard",
        '"' => "quote",
        '\\' => "backslash",
        _ => return None,
    })
}

/// The reason `why` (from [`refused_character`]) as the message says it.
fn why_text(why: &str) -> String {
    match why {
        "full-width" => t!("policy-interface-full-width"),
        "not-ascii" => t!("policy-interface-not-ascii"),
        "nul" => t!("policy-interface-nul"),
        "whitespace" => t!("policy-interface-whitespace"),
        "control" => t!("policy-interface-control"),
        "slash" => t!("policy-interface-slash"),
        "colon" => t!("policy-interface-colon"),
        "percent" => t!("policy-interface-percent"),
        "wildcard" => t!("policy-interface-wildcard"),
        "quote" => t!("policy-interface-quote"),
        "backslash" => t!("policy-interface-backslash"),
        other => other.to_owned(),
    }
}

/// An interface name as Linux accepts it (1 to 15 bytes, no `/`, `:`, `%`,
/// whitespace or NUL, not `.` or `..`), and as nft's text loads it as written:
/// ASCII only, no control characters, no `*`, `"` or `\`.
pub fn check_interface_name(name: &str) -> Result<(), InterfaceNameError> {
    if name.is_empty() {
        return Err(InterfaceNameError::Empty);
    }
    if name.len() > MAX_INTERFACE_NAME {
        return Err(InterfaceNameError::TooLong(name.to_owned()));
    }
    if name == "." || name == ".." {
        return Err(InterfaceNameError::Reserved(name.to_owned()));
    }
    for c in name.chars() {
        if let Some(why) = refused_character(c) {
            return Err(InterfaceNameError::Character {
                name: name.to_owned(),
                character: c,
                why,
            });
        }
    }
    Ok(())
}

/// The largest `N` of a rate limit.
pub const MAX_LIMIT: u32 = 1_000_000;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    Shape(String),
    OutOfRange(String),
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&match self {
            LimitError::Shape(text) => t!("policy-limit-shape", limit = text),
            LimitError::OutOfRange(text) => t!("policy-limit-range", limit = text),
        })
    }
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
    Shape(String),
    TooLate(String),
}

impl fmt::Display for UntilError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&match self {
            UntilError::Shape(text) => t!("policy-until-shape", until = text),
            UntilError::TooLate(text) => t!("policy-until-too-late", date = text),
        })
    }
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
        assert_eq!(check_interface_name(""), Err(InterfaceNameError::Empty));
        assert!(matches!(
            check_interface_name(".."),
            Err(InterfaceNameError::Reserved(_))
        ));
        assert_eq!(check_interface_name("..."), Ok(()));
        // The first refused character is named.
        for (name, first) in [
            ("a/b", '/'),
            ("a b", ' '),
            ("a\tb", '\t'),
            ("a\0b", '\0'),
            ("a\x7fb", '\x7f'),
            ("a:b", ':'),
            ("eth%d", '%'),
            ("if5*", '*'),
            ("e*th", '*'),
            ("if55\"", '"'),
            ("a\\b", '\\'),
            ("à", 'à'),
            ("ｅｔｈ０", 'ｅ'),
            ("a\u{3000}b", '\u{3000}'),
            ("x*\"", '*'),
        ] {
            match check_interface_name(name) {
                Err(InterfaceNameError::Character { character, .. }) => {
                    assert_eq!(character, first, "{name}");
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        let message = check_interface_name("wan*")
            .expect_err("wildcard")
            .to_string();
        assert!(message.contains("wildcard"), "{message}");
        // Whitespace and control characters are shown escaped.
        assert_eq!(
            check_interface_name("a\tb").expect_err("tab").to_string(),
            "interface name `a\\u{9}b` contains U+0009, which Linux refuses (whitespace)"
        );
        // Bytes nft 1.0.6 loads and lists as written (checked with nft -f).
        for name in [
            "a$b", "a{b}", "a;b", "a#b", "a'b", "a.b", "vlan.100", "br-lan", "wg_0", "a!b", "a@b",
            "a&b", "(a)", "[a]", "a<b>", "a=b", "a?b", "a^b", "a`b", "a|b", "a~b", "a+b", "a,b",
            "-a", "0",
        ] {
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
