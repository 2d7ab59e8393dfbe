## cli messages (English). Ids start with "cli-"; ja/cli.ftl holds the same ids with the same variables.


## Shared by several commands

# A policy's name (quoted by the code when it should be) and revision.
cli-name-rev = { $name } rev { $revision }
cli-cannot-read = cannot read { $path }
cli-cannot-write = cannot write { $path }
cli-cannot-write-stdout = cannot write to standard output
cli-isolations-unreadable = cannot tell what is isolated (--state-dir { $dir })
cli-isolations-left-out = { $error }; isolation is left out (run as root, or give --state-dir)
cli-unexpected-answer = unexpected answer from the daemon
cli-unexpected-answer-message = unexpected answer: { $message }
cli-nothing-isolated = nothing is isolated

## check

cli-check-valid = { $file }: policy { $name } is valid: { $zones } zones, { $hosts } hosts, { $flows } flows ({ $exceptions } under an approved exception)
cli-check-refused-warnings = { $file }: { $warnings } warning(s), refused with --deny-warnings

## apply

cli-apply-no-policy-yet = no policy yet
cli-apply-owner = the sanso daemon on { $socket } enforces table inet sanso from { $file } ({ $applied })
cli-apply-owner-in-netns = the sanso daemon on { $socket } enforces table inet sanso in netns { $netns } from { $file } ({ $applied })
cli-apply-why-needs-confirm = --ticket and --reason are recorded in the daemon's audit log: they need --confirm (an apply through the daemon)
cli-apply-too-large = { $file } is too large to send to the daemon: the request would be { $size } bytes, more than the control socket's limit of { $limit } MiB; install it as the daemon's policy file and run `sanso reload` instead
cli-apply-daemon-owns-table =
    { $daemon }; a direct apply would be reverted by its drift watch, so nothing was applied.
    Apply through the daemon instead:
    {"  "}sanso apply { $file } --confirm 120s    (applied now, rolled back unless `sanso confirm` follows)
    or install the file as the daemon's policy file (by a rename) and run `sanso reload`
cli-apply-strict-missing = --strict: { $count } interface(s) of the policy do not exist on the gateway; nothing was applied
cli-apply-strict-no-links = --strict: cannot list the gateway's interfaces ({ $error }); nothing was applied
cli-apply-no-links = cannot list the gateway's interfaces to check the policy's: { $error }
cli-apply-failed = apply failed; the running ruleset is unchanged
cli-apply-applied = applied { $name }: { $messages } messages, { $elements } elements in { $ms } ms
cli-apply-verified = read back and verified: { $checked }
cli-apply-shape-differs = the table read back from the kernel does not have the compiled shape ({ $count } difference(s)):
cli-apply-and-more = ... and { $count } more
cli-apply-unverified-kept = the kernel holds the table of { $name } as applied, unverified: it was not rolled back; run `{ $drift }` to see every difference, and apply again to replace it
cli-apply-unreadable = the table could not be read back, so it was not verified: { $error }
cli-apply-unreadable-kept = the kernel holds the table of { $name } as applied; run `{ $drift }` once `nft` works to check it
cli-apply-json-shape-differs = the table read back from the kernel does not have the compiled shape ({ $count } difference(s)); the kernel holds the table of { $name } as applied, unverified: it was not rolled back
cli-apply-json-unreadable = the table could not be read back, so it was not verified: { $error }; the kernel holds the table of { $name } as applied

## events

cli-events-since-or-time = { $error }; or give a time in RFC 3339 (2026-12-06T09:00:00+09:00)
cli-events-unexpected-answer = unexpected answer from the daemon (is it older than this sanso?)
cli-events-pushed-out = { $count } events were pushed out of the daemon's ring before they were shown
cli-events-daemon-restarted = the daemon restarted; its events start again
cli-events-nflog-reading = NFLOG group { $group }: reading; { $packets } packets, { $lost } lost
cli-events-nflog-not-read = NFLOG group { $group }: NOT READ: { $error }
cli-events-nflog-not-yet = NFLOG group { $group }: not read yet
cli-events-suppressed = { $count } events left out by the per-source limit (counted in the metrics)
cli-events-no-zone = no zone
cli-events-icmp-type = type { $icmp_type }
cli-events-packets = { $count } packets
cli-events-earlier-left-out = { $count } earlier events of this source left out
cli-events-none = no events
cli-events-none-logged = no events (nothing logged yet, or none since --since)
cli-events-count = { $count } events (the daemon keeps the last { $capacity })
cli-events-external-beyond = external, beyond { $beyond }
cli-events-forbidden-crossing = FORBIDDEN CROSSING
cli-events-guardrail = guardrail { $guardrail }
cli-events-source-counts = { $events ->
    [one] 1 event
   *[other] { $events } events
}, { $packets ->
    [one] 1 packet
   *[other] { $packets } packets
}, { $first } .. { $last }
cli-events-to = to { $targets }
cli-events-and-more = and { $count } more

## audit verify

cli-audit-count-contradicts = --count { $count } contradicts --head { $head }
cli-audit-unanchored = no head file { $head_file } and no --head: only the chain's internal consistency was checked; records cut from the end, or a log rewritten from the start, cannot be detected
cli-audit-intact = intact, { $count } records, head { $head }
cli-audit-broken = chain broken: { $reason }
cli-audit-head-ok = ok
cli-audit-head-mismatch = MISMATCH
cli-audit-not-checked = not checked: the chain is broken (expected head { $head })

## man pages

cli-man-creating = creating { $path }
cli-man-rendering = rendering { $page }
cli-man-writing = writing { $path }
cli-man-wrote = wrote { $count } man pages to { $dir }

## daemon

cli-duration-invalid = { $text } is not a duration like 120s, 2m or 1h
cli-duration-unit = { $text }: the unit must be s, m or h
cli-duration-zero = the duration must be at least 1s
cli-daemon-ha-file-unreadable = cannot read the HA file { $path }
cli-daemon-ha-no-node = { $file }: there is no node { $node } (the file describes { $nodes })
cli-daemon-ha-key-unreadable = cannot read the HA key file { $path }
cli-daemon-ha-key-short = the HA key file { $path } holds { $bytes } bytes; at least { $min } are needed (head -c 32 /dev/urandom > FILE)

## netlink-boot (issue 17): sanso boot
cli-boot-next-text = loading the nft text of the last good ruleset instead
cli-boot-next-fallback = loading the closed fallback
cli-boot-next-alone = trying the ruleset alone: WHAT WAS ISOLATED IS NOT
cli-boot-next-built-in = loading the closed fallback built into sanso
cli-boot-nothing-loaded = FAILED to load any ruleset; the gateway is not filtered by sanso ({ $reasons })
cli-boot-isolations-unreadable = cannot read what is isolated: { $error }
cli-boot-does-not-compile = the saved policy no longer compiles: { $summary }; { $first }
cli-boot-kernel-refused = the kernel refused the batch (nothing was changed): { $error }
cli-boot-loaded-netlink = loaded the last good policy { $policy } through netlink, { $isolated }, in one batch of { $messages } messages (compile { $compile } ms, apply { $apply } ms)
cli-boot-verified = verified: the table reads back as compiled ({ $checked }; read back in { $ms } ms)
cli-boot-reads-back-otherwise = the table read back otherwise than compiled ({ $count } differences: { $problems })
cli-boot-not-verified = NOT verified: the table cannot be read back ({ $error }); it stays loaded
cli-boot-nothing-isolated = nothing isolated
cli-boot-isolated = { $ranges ->
        [one] with 1 isolated address range
       *[other] with { $ranges } isolated address ranges
    }
cli-boot-not-a-file = { $file } is not a regular file
cli-boot-no-text = there is no last good ruleset { $file } yet
cli-boot-loaded-text = loaded the last good ruleset { $file } with the isolation in { $isolation } (nft -f, { $ms } ms)
cli-boot-text-isolation-refused = nft refused { $file } with { $isolation }: { $error }
cli-boot-loaded-text-alone = loaded the last good ruleset { $file } (nft -f, { $ms } ms)
cli-boot-isolation-lost = WHAT WAS ISOLATED IS NOT: the isolation did not load with the ruleset
cli-boot-text-refused = nft refused { $file }: { $error }
cli-boot-no-fallback-file = there is no closed fallback { $file }
cli-boot-fallback-refused = the closed fallback { $file } did not load: { $error }
cli-boot-loaded-fallback = loaded the closed fallback { $file } (nothing is forwarded)
cli-boot-loaded-built-in = loaded the closed fallback built into sanso (nothing is forwarded)
cli-boot-then = { $reason }; { $next }
cli-boot-record-not-saved = cannot save what boot loaded to { $file } (the daemon's start record will not show it): { $error }
cli-boot-isolations-missing = { $file } is missing but { $script } isolates addresses (the entries were lost)
