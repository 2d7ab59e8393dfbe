## policy messages (English). Ids start with "policy-"; ja/policy.ftl holds the same ids with the same variables.

policy-subject-zone = zone { $name }
policy-subject-host = host { $name }
policy-subject-flow = flow { $name }
policy-subject-service = service { $name }
policy-subject-case = case { $name }
policy-subject-policy = policy

## Suggestions ("did you mean") and 全角 (full-width) characters

policy-did-you-mean = did you mean `{ $best }`?
policy-did-you-mean-case = did you mean `{ $best }`? (names are case-sensitive)
policy-did-you-mean-width = did you mean `{ $best }`? (全角 characters: { $chars }; write them 半角)
policy-did-you-mean-width-case = did you mean `{ $best }`? (全角 characters: { $chars }; write them 半角, and names are case-sensitive)
policy-width-reads-invalid = 全角 characters: { $chars }; in 半角 it reads `{ $folded }`, which is not valid either

## Reading tables and keys

policy-type = { $kind ->
    [string] a string
    [integer] an integer
    [float] a float
    [boolean] a boolean
    [datetime] a date-time
    [array] an array
   *[table] a table
}
policy-expected-bool = true or false
policy-expected-string-or-strings = a string or an array of strings
policy-expected-strings = an array of strings
policy-unknown-key-in = unknown key `{ $key }` in { $what }
policy-unknown-key = unknown key `{ $key }`
policy-allowed-keys = allowed keys: { $keys }
policy-missing-key = missing key `{ $key }` in { $what }
policy-wrong-type = `{ $key }` must be { $expected }, found { $found }
policy-wrong-element-type = `{ $key }` must be { $expected }, found an element that is { $found }

## The policy file: syntax, names, declarations

policy-empty-file = { $what ->
    [policy] the policy file is empty
    [cases] the cases file is empty
   *[other] the { $what } file is empty
}
policy-not-toml = not valid TOML: { $message }
policy-width-outside-quotes = 全角 characters outside quotes are not TOML ({ $chars }); in 半角 the line reads `{ $line }`
policy-declared-twice = is declared twice
policy-name-empty = name is empty
policy-name-control = name contains a control character
policy-name-self-reserved = `self` is reserved for the gateway itself
policy-name-full-width = the name holds 全角 (full-width) characters: they look like ASCII but are other characters, so the name typed in 半角 would be another name
policy-the-policy-file = the policy file
policy-not-table-found = { $what }, found { $found }
policy-zone-not-table = a zone must be a table
policy-host-not-table = a host must be a table
policy-zones-not-table = `zones` must be a table of zones
policy-hosts-not-table = `hosts` must be a table of hosts
policy-services-not-table = `services` must be a table of service lists
policy-flow-not-table = flow #{ $number } must be a table
policy-flows-not-array = `flows` must be an array of tables ([[flows]]), found { $found }
policy-name-taken = { $kind ->
    [zone] name is already used by a zone (zones and hosts share one namespace)
   *[host] name is already used by a host (zones and hosts share one namespace)
}
policy-declared-here = { $kind ->
    [zone] zone { $name } declared here
   *[host] host { $name } declared here
}

## Zones

policy-no-zones = the policy declares no zones
policy-unknown-tier = unknown tier `{ $tier }`: expected mynumber, lgwan, internet or external
policy-no-interfaces = has no interfaces
policy-no-networks = has no networks
policy-unknown-beyond = unknown `beyond` `{ $beyond }`: expected internet, lgwan or closed
policy-beyond-not-external = `beyond` is for external zones only, but this zone's tier is { $tier }
policy-beyond-not-external-note = remove `beyond`, or make the zone tier = "external"
policy-no-beyond = external zone { $zone } does not say what lies beyond it: it counts as the Internet
policy-no-beyond-note = add beyond = "internet" (the Internet, the security cloud), "lgwan" (the LGWAN backbone) or "closed" (a closed line such as J-LIS)
policy-write-network = write "{ $network }"
policy-catch-all = catch-all network { $network } in a zone of tier { $tier }
policy-catch-all-note = only an `external` zone may hold 0.0.0.0/0 or ::/0
policy-network-twice = network { $network } is listed twice
policy-same-network = network { $network } is also a network of zone { $zone }
policy-same-network-label = zone { $zone } claims it here
policy-same-network-note = an address must classify to exactly one zone
policy-overlap = network { $network } overlaps network { $other } of zone { $zone }
policy-overlap-label = zone { $zone }'s network
policy-overlap-note = internal (mynumber, lgwan, internet) zones may not overlap; only external zones may nest
policy-interface-twice = interface { $interface } is listed twice
policy-first-here = first here
policy-shared-interface = interface { $interface } already belongs to zone { $zone }
policy-shared-interface-label = zone { $zone } has it here
policy-shared-interface-note = an interface faces one zone; anti-spoofing keys on (interface, source zone)
policy-pool-outside = dynamic pool { $pool } is not inside a network of zone { $zone }
policy-pool-outside-note = a DHCP pool is part of its zone's addresses: list it in `networks` too
policy-pool-overlap = dynamic pool { $pool } overlaps network { $network } of zone { $zone }

## Hosts

policy-unknown-zone = unknown zone `{ $zone }`
policy-no-addresses = has no addresses
policy-address-twice = address { $address } is listed twice
policy-role-empty = role is empty
policy-unknown-role = role `{ $role }` is not one the guardrails know
policy-serves-empty = `serves` is empty: name the services the host carries across tiers, or remove the key
policy-serves-twice = service `{ $service }` is listed twice in `serves`
policy-role-without-serves = host has role { $role } but no `serves`: it waives no crossing (guardrail 3)
policy-role-without-serves-note = list the services it carries across tiers, e.g. serves = ["smtp"]
policy-serves-without-role = `serves` has no effect on a host without role sanitizer or screen-transfer
policy-host-in-pool = address { $address } of host { $host } lies in the dynamic pool { $pool } of zone { $zone }
policy-host-in-pool-label = the pool
policy-host-in-pool-note = DHCP may give this address to another terminal, which would then pass as this host: reserve it outside the pool
policy-host-outside = address { $address } is outside every network of its zone { $zone }
policy-host-elsewhere = address { $address } classifies to zone { $other }, not to its zone { $zone }
policy-host-elsewhere-note = an address belongs to the zone with the longest matching network
policy-host-part-elsewhere = part of { $address } ({ $network }) classifies to zone { $other }, not to its zone { $zone }

## Services

policy-service-empty = service has no entries
policy-service-overrides = replaces the built-in service of the same name
policy-service-builtin-is = the built-in is [{ $entries }]

## Flows

policy-flow-name-taken = another flow has the same name
policy-flow-name-first = first flow of that name
policy-reason-missing = missing `reason`: every flow must say why it exists
policy-reason-empty = `reason` is empty: every flow must say why it exists
policy-not-a-date-found = `{ $key }` must be a date "YYYY-MM-DD", found { $found }
policy-not-a-date = `{ $key }` = { $value } is not a date YYYY-MM-DD
policy-key-problem = `{ $key }`: { $problem }
policy-until-past = `until` { $until } is past: the flow has ended and allows nothing
policy-until-past-note = 第5-8 委託: remove the flow, or extend `until` if the contract was renewed
policy-until-date-means = a date means through the end of that day in Japan Standard Time (+09:00)
policy-self-to-self = `self` is both a source and a destination: the gateway talking to itself is not a flow
policy-endpoints-empty = `{ $key }` is empty: name at least one zone, host or self
policy-endpoint-twice = `{ $name }` is listed twice in `{ $key }`
policy-unknown-endpoint = `{ $key }` names `{ $name }`, which is no zone, host or self
policy-services-missing = missing `services`: every flow names its services explicitly
policy-services-empty = `services` is empty: every flow names its services explicitly
policy-service-twice = service `{ $service }` is listed twice
policy-unknown-service = unknown service `{ $service }`
policy-unknown-service-note = define it under [services], e.g. name = ["tcp/8443"], or write an entry like "tcp/8443" directly
policy-exception-not-table = `exception` must be a table { "{" } approved_by = "...", ticket = "..." { "}" }, found { $found }
policy-exception-missing = exception without `{ $key }`: an exception must name who approved it and the ticket
policy-exception-empty = exception `{ $key }` is empty
policy-review-past = the exception was due for review by { $date }, which is past
policy-review-past-note = review the exception with its approver, then set a new review_by (or remove the flow)

## Values: addresses, interface names, limits, dates

policy-not-a-network = `{ $text }` is not an IPv4 or IPv6 network in CIDR form (e.g. 10.20.0.0/16)
policy-not-a-host-address = `{ $text }` is not an IP address or a prefix (e.g. 10.20.5.10 or 10.30.8.0/24)
policy-bare-address = `{ $text }` is an address, not a network; write a prefix length (e.g. { $text }/32)
policy-host-bits-set = `{ $written }` has host bits set; the network is { $network }
policy-interface-empty = interface name is empty
policy-interface-too-long = interface name `{ $name }` is { $bytes } bytes; Linux allows at most 15 (IFNAMSIZ - 1)
policy-interface-reserved = interface name `{ $name }` is refused by Linux (`.` and `..` name directories)
policy-interface-character = interface name `{ $name }` contains { $character }, { $why }
policy-a-space = a space
policy-interface-full-width = which is 全角 (full-width), not ASCII: the kernel would take the name as another than the 半角 one it looks like
policy-interface-not-ascii = which is not ASCII: Linux refuses every name whose UTF-8 holds the byte 0xA0 (`à` and `Р` do), and a full-width or look-alike letter (`ｅｔｈ０`, Cyrillic `е`) names another interface than the one it resembles
policy-interface-nul = which ends a name in the kernel: what follows it would be lost
policy-interface-whitespace = which Linux refuses (whitespace)
policy-interface-control = a control character, which nft's text cannot carry as written (sanso's text and netlink back ends would load different names)
policy-interface-slash = which Linux refuses: an interface's name is a directory under /sys/class/net
policy-interface-colon = which Linux refuses: `:` marks the old alias interfaces (`eth0:1`)
policy-interface-percent = which Linux never keeps in a name: it refuses `%`, or replaces `%d` with a number (`eth%d` becomes `eth0`)
policy-interface-wildcard = which nft treats as a wildcard: `eth*` matches every interface whose name starts with `eth`, overlapping other zones' interfaces
policy-interface-quote = which nft's text cannot quote (a quoted name ends at `"`; nft has no escape for it)
policy-interface-backslash = which nft's text reads as an escape (`a\*` loads as `a*`), so the text and netlink back ends would load different names
policy-limit-shape = limit `{ $limit }` is not N/second, N/minute or N/hour
policy-limit-range = limit `{ $limit }` must have N between 1 and 1000000
policy-until-shape = until `{ $until }` is not a date YYYY-MM-DD or an RFC 3339 date-time with an offset
policy-until-too-late = `{ $date }` is after 2100-12-31, the last date sanso accepts (the kernel's clock match would overflow past 2554)

## Service entries

policy-service-shape = `{ $entry }` is not a service entry: expected PROTO/PORT, e.g. `tcp/443`, `udp/53`, `tcp/49152-65535`, `icmp/echo-request`
policy-service-protocol = unknown protocol `{ $proto }`: expected tcp, udp, icmp or icmpv6
policy-service-not-a-port = `{ $port }` is not a port number
policy-service-port-zero = port 0 is not a valid destination port
policy-service-port-too-large = port { $port } is above 65535
policy-service-reversed = port range { $first }-{ $last } has its first port above its last
policy-service-unknown-icmp-type = unknown { $proto } type `{ $name }`
policy-service-icmp-type-range = ICMP type { $number } is above 255

## Reading a policy or cases file

policy-read-io = cannot read { $path }
policy-read-not-regular = { $path } is { $kind }, not a regular file (or a symbolic link to one)
policy-file-kind = { $kind ->
    [directory] a directory
    [fifo] a FIFO (named pipe)
    [char-device] a character device
    [block-device] a block device
    [socket] a socket
   *[other] neither a file nor a directory
}
policy-read-too-large = { $path } is too large: { $size }, more than the limit of { $limit } MiB
policy-size = { $at_least ->
    [yes] at least { $size } bytes ({ $mib } MiB)
   *[no] { $size } bytes ({ $mib } MiB)
}
policy-read-not-utf8 = { $path } is not UTF-8: line { $line }, byte { $column } of that line is { $bytes } (byte { $offset } of the file); { $hint }
policy-read-utf16 = { $path } is UTF-16 ({ $form }), not UTF-8; { $hint }
policy-save-as-utf8 = sanso reads UTF-8 only: save the file as UTF-8 (the editor's "UTF-8 で保存")
policy-looks-shift-jis = Shift_JIS (CP932), as Windows editors save Japanese text
policy-not-utf8-partly = the lines before it are UTF-8, so only part of the file is in another encoding, e.g. text pasted from another file: type that text again in UTF-8 (converting the whole file would garble the UTF-8 parts)
policy-not-utf8-partly-looks = the lines before it are UTF-8, so only part of the file is in another encoding (it looks like { $looks }), e.g. text pasted from another file: type that text again in UTF-8 (converting the whole file would garble the UTF-8 parts)
policy-not-utf8-unknown = { $save }, or convert it from its encoding with iconv (`iconv -f CP932 -t UTF-8 { $path } > new.toml` for Shift_JIS)
policy-not-utf8-looks = it looks like { $looks }; { $save }, or convert it with `iconv -f { $from } -t UTF-8 { $path } > new.toml`
policy-utf16-hint = { $save }, or convert it with `iconv -f { $from } -t UTF-8 { $path } > new.toml`
policy-utf16-le-bom = little-endian, with a byte order mark
policy-utf16-le = little-endian, without a byte order mark
policy-utf16-be-bom = big-endian, with a byte order mark
policy-utf16-be = big-endian, without a byte order mark

## The policy as read: ends of flows and guardrails

policy-guardrail = guardrail { $number }
policy-end-gateway = self (the gateway)
policy-end-zone = zone { $zone } ({ $tier })
policy-end-host = host { $host } (zone { $zone }, { $tier })
policy-tier-external-beyond = external, beyond: { $beyond }
policy-standing = { $standing ->
    [mynumber] the mynumber tier
    [lgwan] the lgwan tier
    [internet-tier] the internet tier
    [lgwan-backbone] the LGWAN backbone
    [the-internet] the Internet
    [closed-line] a closed line
   *[gateway] the gateway
}
policy-tier-external-no-beyond = external, beyond not given: counted as the Internet
