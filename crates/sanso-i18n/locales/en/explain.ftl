## explain messages (English). Ids start with "explain-"; ja/explain.ftl holds the same ids with the same variables.


# The labels of `sanso explain`'s lines; the value follows at one column.
explain-label-from = from:
explain-label-to = to:
explain-label-arrives-on = arrives on:
explain-label-packet = packet:
explain-label-verdict = verdict:
explain-label-decided-by = decided by:
explain-label-isolated = isolated:
explain-label-by = by:
explain-label-since = since:
explain-label-until = until:
explain-label-why = why:
explain-label-ticket = ticket:
explain-label-management = management:
explain-label-policy = policy:
explain-label-flow = flow:
explain-label-pair = pair:
explain-label-crosses = crosses:
explain-label-reason = reason:
explain-label-exception = exception:

# One end of the packet.
explain-end-host = { $address } (host { $host }), { $zone }
explain-end = { $address }, { $zone }
explain-zone = zone { $zone } ({ $tier }, { $standing })
explain-no-zone = no zone
explain-gateway = self (the gateway, ゲートウェイ自身)
explain-sent-by-gateway = - (sent by the gateway itself)
explain-no-zone-interface = no zone interface

# The verdict.
explain-verdict-isolated = isolated (drop)
explain-isolation-decided = isolation (sanso isolate): { $ends ->
        [source] the source
        [destination] the destination
       *[both] the source and the destination
    } is isolated
explain-isolated-end = the { $end ->
        [source] source
       *[destination] destination
    } { $address }: { $what }
explain-isolated-what = { $target } ({ $kind ->
        [zone] zone
        [host] host
        [prefix] address or prefix
       *[recovered] found in the kernel
    }{ $tier ->
        [none] {""}
       *[other] , { $tier }
    }): { $prefixes }
explain-isolated-until = { $until } (--for)
explain-management-open = stays open: a connection an isolated address opens to the gateway itself is judged by the policy's flows to self, so that the admin cannot lock themselves out (docs/operations.md, Isolation)
explain-policy-once-released = { $verdict }, decided by { $decided } (again once released)

# The flow that decided it.
explain-flow = { $flow } ({ $at })
explain-crosses-unknown = unknown (no end of the flow holds the packet)
explain-crosses-none = none ({ $why })
explain-exception-not-counted = { $exception }; waives no guardrail, not counted as an exception

# Errors in the arguments.
explain-host-no-address = host { $host } has no address
explain-end-is-zone = { $option } { $zone } is a zone; give an address or a host name
explain-end-unknown = { $option } { $what } is neither an address nor a host of policy { $policy }
explain-self-to-self = --from self and --to self: the gateway's own traffic to itself is loopback, always accepted
explain-mixed-families = --from { $from } and --to { $to } are of different address families
explain-bad-port = --port { $port }: a port is a number from 1 to 65535
explain-proto-family = --proto { $proto } does not fit the address family of { $address }
explain-bad-proto = --proto { $proto }: expected tcp, udp, icmp or icmpv6
