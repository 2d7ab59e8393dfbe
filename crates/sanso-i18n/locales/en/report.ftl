## report messages (English). Ids start with "report-"; ja/report.ftl holds the same ids with the same variables.

## What an end counts as. $standing: mynumber, lgwan, internet, lgwan-backbone, the-internet, closed-line, self.

# In a sentence: "no guardrail between the lgwan tier and the LGWAN backbone".
report-standing = { $standing ->
    [mynumber] the mynumber tier
    [lgwan] the lgwan tier
    [internet] the internet tier
    [lgwan-backbone] the LGWAN backbone
    [the-internet] the Internet
    [closed-line] a closed line
   *[self] the gateway
}
# A label: the diagram's bands, the tier matrix's heads, a zone's tier.
report-standing-label = { $standing ->
    [mynumber] Mynumber tier
    [lgwan] Lgwan tier
    [internet] Internet tier
    [lgwan-backbone] LGWAN backbone
    [the-internet] Internet
    [closed-line] Closed line
   *[self] Gateway
}
# The short words of a rule between two ends: "lgwan <-> internet tier".
report-standing-short = { $standing ->
    [mynumber] mynumber
    [lgwan] lgwan
    [internet] internet tier
    [lgwan-backbone] LGWAN backbone
    [the-internet] the Internet
    [closed-line] closed line
   *[self] self
}
# The ends of the rule a crossing meets; $guardrail chooses the form.
report-between = { $guardrail ->
    [5] { $from } -> { $to }
    [7] { $from } -> { $to }
    [8] { $from } -> { $to }, more than 1024 ports
   *[other] { $from } <-> { $to }
}

## What decided a packet's fate (explain, test, verify).

report-decided-flow = flow { $flow }
report-decided-anti-spoof = anti-spoofing: source { $source } ({ $zone }) arrived on { $interface }
report-decided-loopback = loopback
report-decided-neighbour-discovery = IPv6 neighbour discovery
report-decided-multicast-listener = IPv6 multicast listener discovery (MLD)
report-decided-link-local = source { $source } belongs to no zone (IPv6 link-local, unspecified or multicast)
report-decided-default-drop = default drop: no flow allows { $from } -> { $to } { $service }
report-decided-expired = { $text } (expired: { $flows })
report-no-zone = no zone
report-no-interface = no interface

## How a flow crosses the guardrails.

report-exception-approval = approved by { $approved_by }, ticket { $ticket }
report-exception-approval-approved-on = approved by { $approved_by }, ticket { $ticket } (approved on { $approved_on })
report-exception-approval-review-by = approved by { $approved_by }, ticket { $ticket } (review by { $review_by })
report-exception-approval-both = approved by { $approved_by }, ticket { $ticket } (approved on { $approved_on }, review by { $review_by })
# $name is quoted.
report-control-role-host = host { $name } (role { $role }, serves { $serves })
report-control-security-cloud = host { $name } (role security-cloud)
report-control-exception = exception { $approval }
report-control-exception-bare = exception
report-crossing-text = guardrail { $guardrail } ({ $between }): satisfied by { $control }
report-same-tier = same tier
report-no-guardrail-between = no guardrail between { $from } and { $to }
# The guardrails by their number in the contract; 2 and 4 refuse whatever the flow brings.
report-guardrail-title = { $guardrail ->
    [1] mynumber <-> lgwan, the LGWAN backbone, a closed line or self (an exception between named hosts)
    [2] mynumber <-> the internet tier or the Internet (refused)
    [3] lgwan <-> the internet tier (a sanitizer or screen-transfer host, or an exception)
    [4] lgwan <-> the Internet (refused)
    [5] the internet tier <-> the Internet (security-cloud hosts, or an exception)
    [6] external <-> external (an exception; never transit)
    [7] the Internet -> self (an exception)
    [8] more than 1024 ports across tiers (an exception)
   *[other] a reason
}
# A control in a word (the diagram's arrows, the exposure paths).
report-control-word = { $control ->
    [screen-transfer] screen transfer
    [sanitizer] sanitizer
    [security-cloud] security cloud
   *[exception] exception
}
report-control-exception-short = exception { $ticket } (approved by { $approved_by })

## Labels of the report (HTML, Markdown, JSON).

report-title = Audit report
report-item = Item
report-value = Value
report-policy = Policy
report-name = Name
report-revision = Revision
report-content-hash = Content hash (SHA-256)
report-generated-at = Generated at (JST)
report-made-at = Made at
report-gateway = Gateway
report-size-label = Size
report-size = { $zones ->
    [one] 1 zone
   *[other] { $zones } zones
}, { $hosts ->
    [one] 1 host
   *[other] { $hosts } hosts
}, { $flows ->
    [one] 1 flow
   *[other] { $flows } flows
}, { $exceptions ->
    [one] 1 exception
   *[other] { $exceptions } exceptions
}
report-deny-default = Deny by default: everything not listed in this report is dropped and logged (rate-limited).
report-md-deny-default = Deny by default: everything not listed below is dropped and logged (rate-limited).
report-diagram = Diagram
report-diagram-note = Bands are tiers, boxes zones, arrows the crossings between zones with the control that allows them.
report-tier-matrix = Tier matrix
report-tier-matrix-note = Rows are sources, columns destinations. ○ allowed / △ only through a control (sanitizer, screen transfer, security cloud, exception) / × never. The number is the guardrail; below it, this policy's flows.
report-from-to = from \ to
report-zone-matrix = Zone matrix
report-zone-matrix-note = Rows are sources, columns destinations: the flows that allow new connections, — none.
report-zones = Zones
report-zone = Zone
report-organisation = Organisation
report-tier = Tier
report-beyond = Beyond
report-interfaces = Interfaces
report-networks = Networks
report-hosts = Host inventory
report-host = Host
report-addresses = Addresses
report-roles = Roles
report-serves = Serves
report-flows = Allowed flows
report-flow = Flow
report-from = From
report-to = To
report-services = Services
report-reason = Reason
report-crossing = Guardrail crossed and what satisfies it
report-md-crossing = Crossing control
report-conditions = Conditions
report-line = Line
report-cond-log = log
report-cond-limit = limit { $limit }
report-cond-until = until { $until }
report-cond-until-expired = until { $until }, expired
report-expired = expired
report-guardrails = Guardrails:
report-exceptions = Exceptions
report-none = None.
report-approved-by = Approved by
report-ticket = Ticket
report-approved-on = Approved on
report-review-by = Review by
report-waives = Waives
report-overdue = overdue
report-not-counted = Not counted, their exception waives no guardrail: { $flows }.
report-windows = Contractor (委託) windows
report-windows-note = Flows with an `until`, and flows whose reason names 委託 or that reach a host with role contractor.
report-time-bounded = Time-bounded flows
report-until = Until
report-state = State
report-ends = { $until } (ends { $time })
report-window-active = active
report-window-expired = expired (not in the ruleset)
report-window-missing-until = missing an until
report-exposure = Exposure paths
report-exposure-note = Every chain of at most { $max_hops } flows by which an address in the Internet or the internet tier reaches the mynumber or lgwan tier through hosts that accept and connect onward: { $total } in all.
report-no-control = no control (same tier)
report-isolations = Incident response: isolated now
report-state-dir = State directory: `{ $dir }` ({ $file }).
report-isolations-note = Cut off by `sanso isolate`: every connection from or to them, new and established, in both directions, except those they open to the gateway itself, which the policy's flows to `self` still judge (management stays open). `sanso release` ends it.
report-target = Target
report-kind = Kind
report-since = Since
report-isolated-until = Until
report-operator = Operator
report-isolation-kind = { $kind ->
    [zone] zone
    [host] host
    [prefix] prefix
   *[recovered] recovered from the kernel
}
report-isolation-passed = { $until } (passed, the daemon releases it)
report-until-release = until `sanso release`
report-sign-off = Sign-off
report-reviewed-by = Reviewed by
report-date = Date
report-findings = Findings
report-zones-note = An external zone is judged by what lies beyond it (`beyond`).
report-beyond-missing = not given: counted as { $standing }
report-flows-note = A flow that crosses tiers shows what lets it cross (a sanitizer or screen-transfer host, security-cloud hosts, an exception) and the guardrails it meets.
report-exceptions-note = Flows that cross a guardrail of the three-tier model by an approved exception: the approval, its review date and the guardrails it waives.
# A control as the crossing cells of the Markdown report and the HTML page name it (role names as written).
report-md-control = { $control ->
    [screen-transfer] screen-transfer
    [sanitizer] sanitizer
    [security-cloud] security-cloud
   *[exception] exception
}
report-crosses-no-guardrail = crosses no guardrail
# A zone's tier in the Markdown report: its key (Japanese adds the name).
report-md-tier = { $tier }
report-md-zone-matrix-note = Rows are sources, columns destinations; a number counts the flows that allow new connections, — means none.

## The live gateway and the audit log.

report-live = Live gateway
report-live-table = Live table
report-live-none = (none)
report-live-matches = The live gateway matches the approved policy.
report-live-drift = The live gateway does NOT match the approved policy (drift):
report-live-differs = The live gateway does NOT match the approved policy ({ $count ->
    [one] 1 difference
   *[other] { $count } differences
}):
report-warning = warning
report-counters-error = cannot read the counters
report-hits = Hits per flow
report-packets = Packets
report-bytes = Bytes
report-unused = unused since the last apply
report-drops = Drops per zone pair
report-pair = From.to
report-history = Change history
report-audit-log = Audit log
report-chain-intact = hash chain intact ({ $records ->
    [one] 1 record
   *[other] { $records } records
})
report-audit-altered = was altered
report-md-chain-intact = Audit log `{ $file }`: hash chain intact, { $records ->
    [one] 1 record
   *[other] { $records } records
}, head `{ $head }`.
report-md-chain-altered = The audit log `{ $file }` was altered: { $at }.
report-time = Time
report-event = Event
report-flow-changes = Flow changes
report-not-archived = Not in the daemon's archive: no diff.
report-no-flow-changed = No flow changed.
report-change-kind = { $kind ->
    [added] added
    [removed] removed
   *[changed] changed
}

## Errors.

report-cannot-read = cannot read { $path }
report-cannot-write = cannot write { $path }
report-cannot-compute-expected = cannot compute the kernel's view of the policy's ruleset
report-cannot-read-live = cannot read the live table
