## cases messages (English). Ids start with "cases-"; ja/cases.ftl holds the same ids with the same variables.


## What a key belongs to, in "unknown key ... in ..." and "missing key ... in ...".
cases-in-file = the cases file
cases-in-case = case { $case }

## What `cases` must be, in "`cases` must be ..., found ...".
cases-array-of-tables = an array of tables ([[cases]])

## A case's table.
cases-not-a-table = case #{ $number } must be a table, found { $found }
cases-duplicate-name = another case has the same name
cases-first-of-name = first case of that name

## from / to.
cases-from-self = `from` cannot be self: cases test packets arriving at the gateway
cases-not-an-address = `{ $key }` = `{ $value }` is not an IP address
cases-unknown-host = `{ $key }` names unknown host `{ $host }`
cases-names-a-zone = a case names an address or a host, not a zone
cases-family-mismatch = `from` { $from } and `to` { $to } are of different address families
cases-label-source = source
cases-host-address-note = a host name stands for its first IPv4 address (its first address when it has none); write the other address explicitly
cases-no-source-zone = `from` { $from } classifies to no zone, so the packet has no interface to arrive on
cases-no-source-zone-note = add iif = "..." to send it in on a given interface

## proto, expect, iif, at, client.
cases-unknown-proto = unknown proto `{ $proto }`: expected tcp, udp, icmp or icmpv6
cases-bad-expect = `expect` must be "accept" or "drop", found `{ $found }`
cases-unknown-iif = iif `{ $iif }` is no zone's interface
cases-at-type = `at` must be a date "YYYY-MM-DD" or an RFC 3339 date-time, found { $found }
cases-at-note = `at` is when the case's packet is sent; a date means the start of that day in Japan Standard Time (+09:00)
cases-icmp-v4-only = proto icmp is IPv4 only, but `from` is { $from }; use icmpv6
cases-icmpv6-v6-only = proto icmpv6 is IPv6 only, but `from` is { $from }; use icmp
cases-client-proto = `client = true` needs proto tcp or udp: a real client opens a connection

## port.
cases-port-range = `port` must be between 1 and 65535
cases-port-type = `port` must be an integer for { $proto }, found { $found }
cases-icmp-type-range = { $proto } type must be between 0 and 255
cases-icmp-type-type = `port` must be an ICMP type name or number for { $proto }, found { $found }
