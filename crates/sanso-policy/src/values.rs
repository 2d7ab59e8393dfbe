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

/// Why an interface name is refused: Linux would refuse it, or nft or the
/// kernel would not match what the policy says. Messages show the name with
/// whitespace and control characters escaped (`\u{9}`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InterfaceNameError {
    #[error("interface name is empty")]
    Empty,
    #[error("interface name `{}` is {} bytes; Linux allows at most 15 (IFNAMSIZ - 1)", shown(.0), .0.len())]
    TooLong(String),
    #[error("interface name `{}` is refused by Linux (`.` and `..` name directories)", shown(.0))]
    Reserved(String),
    #[error("interface name `{}` contains {}, {why}", shown(.name), described(*.character))]
    Character {
        name: String,
        /// The first refused character of the name.
        character: char,
        why: &'static str,
    },
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
        ' ' => "a space".to_owned(),
        c if c.is_control() || c.is_whitespace() => format!("U+{:04X}", u32::from(c)),
        c if c.is_ascii() => format!("`{c}`"),
        c => format!("`{c}` (U+{:04X})", u32::from(c)),
    }
}

/// Why a character is refused, or `None` for the characters an interface name
/// may hold: ASCII letters, digits and the punctuation nft 1.0.6 loads as
/// written inside a quoted name (`! # $ & ' ( ) + , - . ; < = > ? @ [ ] ^ _
/// \` { | } ~`, checked with `nft -c` and `nft -f`).
fn refused_character(c: char) -> Option<&'static str> {
    Some(match c {
        c if crate::width::half_width(c).is_some() => {
            "which is 全角 (full-width), not ASCII: the kernel would take the name as another \
             than the 半角 one it looks like"
        }
        c if !c.is_ascii() => {
            "which is not ASCII: Linux refuses every name whose UTF-8 holds the byte 0xA0 \
             (`à` and `Р` do), and a full-width or look-alike letter (`ｅｔｈ０`, Cyrillic `е`) \
             names another interface than the one it resembles"
        }
        '\0' => "which ends a name in the kernel: what follows it would be lost",
        // The kernel's isspace(): tab, newline, vertical tab, form feed,
        // carriage return and the space.
        '\t' | '\n' | '\x0b' | '\x0c' | '\r' | ' ' => "which Linux refuses (whitespace)",
        c if c.is_ascii_control() => {
            "a control character, which nft's text cannot carry as written \
             (sanso's text and netlink back ends would load different names)"
        }
        '/' => "which Linux refuses: an interface's name is a directory under /sys/class/net",
        ':' => "which Linux refuses: `:` marks the old alias interfaces (`eth0:1`)",
        '%' => {
            "which Linux never keeps in a name: it refuses `%`, or replaces `%d` with a \
             number (`eth%d` becomes `eth0`)"
        }
        '*' => {
            "which nft treats as a wildcard: `eth*` matches every interface whose name \
             starts with `eth`, overlapping other zones' interfaces"
        }
        '"' => {
            "which nft's text cannot quote (a quoted name ends at `\"`; nft has no escape for it)"
        }
        '\\' => {
            "which nft's text reads as an escape (`a\\*` loads as `a*`), so the text and \
             netlink back ends would load different names"
        }
        _ => return None,
    })
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
