## guardrail messages (English). Ids start with "guardrail-"; ja/guardrail.ftl holds the same ids with the same variables.


## What an end of a flow counts as ($standing: mynumber, lgwan, internet-tier,
## lgwan-backbone, the-internet, closed-line, gateway).
guardrail-standing = { $standing ->
    [mynumber] the mynumber tier
    [lgwan] the lgwan tier
    [internet-tier] the internet tier
    [lgwan-backbone] the LGWAN backbone
    [the-internet] the Internet
    [closed-line] a closed line
   *[gateway] the gateway
}

## An end as diagnostics name it ($tier: the zone's tier as the policy reads it).
guardrail-end-gateway = self (the gateway)
guardrail-end-host = host { $host } (zone { $zone }, { $tier })
guardrail-end-zone = zone { $zone } ({ $tier })

## A refused pair of ends: the pair, then what is wrong.
guardrail-refused = { $from } -> { $to }: { $message }
guardrail-label-source = source
guardrail-label-destination = destination
guardrail-fix = fix: { $fix }
## Joins two ways to fix a flow.
guardrail-fix-separator = { "; " }
guardrail-fix-or-exception = { $fix }; or add an approved exception
guardrail-fix-remove = nothing can allow it: remove the flow
guardrail-fix-add-exception = add exception = { "{" } approved_by = "...", ticket = "..." { "}" }

## Why each guardrail exists: the seed policy's clause, quoted in notes.
guardrail-rationale-mynumber-link = 第5-3: 個人番号利用事務系 in principle does not communicate with other zones; a needed link is an approved exception between named hosts
guardrail-rationale-mynumber-internet = 第5-3: 個人番号利用事務系 never communicates with インターネット接続系 or the Internet; no exception can allow it
guardrail-rationale-lgwan-internet-tier = 第5-3: LGWAN接続系 and インターネット接続系 in principle do not communicate; where they must, only the necessary services, through sanitizing (無害化) or screen-transfer (画面転送) hosts
guardrail-rationale-lgwan-the-internet = 第5-3: LGWAN接続系 reaches the Internet only through インターネット接続系 (無害化 or 画面転送); no exception can allow a direct path
guardrail-rationale-security-cloud = 第5-3: Internet traffic is aggregated through the prefecture's 自治体情報セキュリティクラウド (hosts with role security-cloud)
guardrail-rationale-transit = 第5-3: the gateway separates the city's tiers; it never carries traffic between the Internet and the LGWAN backbone or a closed line
guardrail-rationale-gateway = 第5-3 and 第3 (不正アクセス): the gateway itself is not reachable from the Internet unless approved
guardrail-rationale-services = 第3 (不正アクセス): deny by default; a flow allows only the services it names, never wide port ranges across tiers
guardrail-rationale-reason = 第6 監査及び自己点検: every allowed flow carries its reason for the auditor

## Guardrail 1. $needs: exception, named or both.
guardrail-g1 = guardrail 1: the mynumber tier <-> { $other } needs { $needs ->
    [exception] an `exception`
    [named] named hosts at both ends
   *[both] an `exception` and named hosts at both ends
}
guardrail-fix-named-host = replace { $end } with a named host (one that does not hold its whole zone, no wider than /24 or /64)
guardrail-unnamed-whole-zone = host { $host } (it holds every address of its zone)
guardrail-unnamed-wide = host { $host } (an address wider than /24 or /64)
guardrail-unnamed-zone = zone { $zone }

## Guardrail 2.
guardrail-g2 = guardrail 2: the mynumber tier <-> { $other } is refused, exception or not
guardrail-g2-fix = nothing can allow it: remove the flow; data leaves 個人番号利用事務系 only through an approved exception to lgwan-side or closed-line hosts

## Guardrail 3, and why no end of the flow satisfies it.
guardrail-g3 = guardrail 3: { $from } <-> { $to } needs one end to be a named host with role sanitizer or screen-transfer that serves every service of the flow
guardrail-g3-screen-transfer-direction = host { $host } is a screen-transfer host: it is only a destination, reached from the lgwan side, and never opens connections into lgwan
guardrail-g3-unnamed = { $host } cannot waive it: { $why }
guardrail-g3-no-serves = host { $host } (role { $role }) has no `serves`: add serves = [{ $services }]
guardrail-g3-not-served = add { $services } to the `serves` of host { $host } (role { $role })
guardrail-g3-no-role-host = make one end a named host with role "sanitizer" (無害化), or a destination host with role "screen-transfer" (画面転送) reached from the lgwan side, whose `serves` lists the flow's services

## Guardrail 4.
guardrail-g4 = guardrail 4: { $lgwan } <-> the Internet is refused, exception or not
guardrail-g4-fix = nothing can allow it: the lgwan side reaches the Internet only through hosts of the internet tier (a sanitizer, or a screen-transfer host reached from lgwan), and those reach the Internet through security-cloud hosts

## Guardrail 5. $end: source or destination (the Internet end).
guardrail-g5 = guardrail 5: the internet tier <-> the Internet needs the Internet { $end ->
    [source] source
   *[destination] destination
} to be a host with role security-cloud ({ $why })
guardrail-g5-whole-zone = { $host } has role security-cloud but holds its whole zone
guardrail-g5-not-cloud = { $host } is not a host with role security-cloud
guardrail-g5-declare-cloud = declare the security cloud's addresses as a host with roles = ["security-cloud"] in the Internet zone and name it
guardrail-g5-name-cloud = name a security-cloud host as the { $end ->
    [source] source
   *[destination] destination
} (e.g. { $hosts })

## Guardrail 6.
guardrail-g6-backbone = guardrail 6: transit between the Internet and the LGWAN backbone through the gateway is refused, exception or not
guardrail-g6-transit = guardrail 6: transit between { $from } and { $to } through the gateway is refused, exception or not
guardrail-g6-external = guardrail 6: a flow between two external networks ({ $from } -> { $to }) needs an `exception`

## Guardrail 7.
guardrail-g7 = guardrail 7: the Internet -> the gateway itself needs an `exception`
guardrail-g7-fix = manage the gateway from an internal zone, or add exception = { "{" } approved_by = "...", ticket = "..." { "}" }

## Guardrail 8, and the warning for every port within one tier.
guardrail-g8 = guardrail 8: the flow allows { $proto }/{ $range } ({ $count } ports), more than { $max }, and crosses tiers ({ $from } -> { $to })
guardrail-g8-fix = name the ports the service uses, or add an approved exception
guardrail-all-ports = service `{ $service }` ({ $ports }) allows every port between two zones ({ $from } -> { $to })

## An exception that waives nothing.
guardrail-unneeded-exception = has an `exception` but crosses no guardrail that an exception waives; it is not counted as an exception
guardrail-unneeded-exception-note = exceptions waive guardrails 1, 3, 5, 6 (between external networks other than transit), 7 and 8; remove it so reports list real exceptions

## 委託 access without an end.
guardrail-open-ended = { $from } -> { $to }: access from { $outside } into an internal zone has no `until`
guardrail-open-ended-note = 第5-8 委託: outside access should end with its contract; add until = "YYYY-MM-DD"
