## daemon messages (English). Ids start with "daemon-"; ja/daemon.ftl holds the same ids with the same variables.


## client.rs: the CLI's side of the control socket
daemon-client-connect = cannot connect to the sanso daemon at { $path } (is it running? are you root?)
daemon-client-io = control socket I/O failed
daemon-client-decode = the daemon sent an unreadable answer
daemon-client-no-answer = the daemon closed the connection without an answer

## archive.rs: the policy archive
daemon-archive-write = cannot write { $path }
daemon-archive-read = cannot read { $path }
daemon-archive-bad-prefix = `{ $prefix }` is not a content hash or a prefix of one ({ $min } to 64 hex digits)
daemon-archive-not-found = no archived policy in { $dir } has a content hash starting with { $prefix }
daemon-archive-ambiguous = { $prefix } names { $count } archived policies ({ $matches }); give more digits

## isolation.rs: isolated targets
daemon-isolation-kind-zone = zone
daemon-isolation-kind-host = host
daemon-isolation-kind-prefix = prefix
daemon-isolation-kind-recovered = recovered from the kernel
daemon-isolation-kind-tier = { $kind }, { $tier }
daemon-isolation-entry = { $target } ({ $kind }): { $prefixes }; since { $since }
daemon-isolation-entry-until = , until { $until }
daemon-isolation-entry-reason = ; reason: { $reason }
daemon-isolation-entry-ticket = ; ticket { $ticket }
daemon-isolation-bad-target = target { $target }: a zone, a host, an address or a prefix, at most { $max } characters
daemon-isolation-self = target "self": the gateway itself cannot be isolated (its management stays open; see docs/operations.md, Isolation)
daemon-isolation-no-policy = target { $target }: no policy is applied, so only addresses and prefixes can be isolated
daemon-isolation-zone-and-host = target { $target } names both a zone and a host; isolate its addresses instead
daemon-isolation-zone-empty = zone { $zone }: it has no addresses of its own
daemon-isolation-unknown-target = target { $target } is not a zone or host of policy { $policy } nor an address or prefix
daemon-isolation-load-read = cannot read { $path }
daemon-isolation-load-damaged = { $path } is damaged

## kernel.rs: the kernel side
daemon-kernel-apply = netlink apply failed
daemon-kernel-readback = cannot read the live table back
daemon-kernel-output = `{ $command }` printed output that could not be read: { $what }
daemon-kernel-task = the kernel task stopped unexpectedly
daemon-kernel-no-isolation = this kernel has no isolation sets
daemon-kernel-isolation = the isolation update failed
daemon-kernel-netlink-read = a netlink read of the kernel failed
daemon-kernel-no-links = this kernel does not list its links
daemon-json-not-an-array = not an array

## links.rs: the policy's interfaces on the gateway
daemon-links-missing-interface = zone { $zone }: interface { $interface } does not exist on the gateway; nothing can reach or leave the zone through it (anti-spoofing drops what claims its addresses elsewhere)

## lib.rs: starting, watching the policy file, stopping
daemon-error-state-dir = cannot create the state directory { $path }
daemon-error-socket = cannot listen on the control socket { $path }
daemon-error-metrics = cannot serve metrics on { $addr }
daemon-error-syslog = cannot open a socket to send audit heads to { $addr }
daemon-error-runtime = cannot set up the runtime or signal handlers
daemon-start-no-policy = no policy applied (see the log); the boot ruleset stays
daemon-start-applied = applied { $policy } rev { $revision }
daemon-log-ready = { $applied }; ready
daemon-log-notify-failed = cannot notify systemd
daemon-log-sighup = SIGHUP: reloading
daemon-log-watch-slow = policy file watch: reading the file has not returned yet; no new look until it does
daemon-watch-look-failed = the look at the file failed: { $error }
daemon-log-file-replaced = policy file replaced: reloading
daemon-log-file-in-place = policy file changed in place (the same file rewritten, not replaced): not applied, as a writer may not be done; replace it atomically (write a new file, then mv it over this one) or run `sanso reload` to apply it as it is
daemon-log-file-unreadable = policy file cannot be read: not applied; the running ruleset stays
daemon-log-stopping = stopping: { $said }; table inet sanso stays in the kernel
daemon-log-stopping-actor-gone = stopping; the actor had stopped; table inet sanso stays in the kernel
daemon-log-second-signal = second { $signal }: stopping without waiting for the actor (a pending apply may stay unconfirmed; the next start rolls it back)
daemon-log-stop-timeout = the actor did not stop in time (a pending apply may stay unconfirmed; the next start rolls it back)

## nflog.rs: the NFLOG reader
daemon-nflog-namespace = network namespace { $name }
daemon-nflog-open-socket = cannot open a netfilter netlink socket
daemon-nflog-bind-socket = cannot bind the netlink socket
daemon-nflog-set-timeout = cannot set the receive timeout
daemon-nflog-send-bind = cannot send the NFLOG bind request
daemon-nflog-read-bind-answer = cannot read the NFLOG bind answer
daemon-nflog-spawn-thread = cannot spawn the NFLOG reader thread
daemon-nflog-start-thread = cannot start the NFLOG reader thread
daemon-nflog-bind-group = the kernel refused to bind NFLOG group { $group } (another program, ulogd or a second daemon, may hold it)
daemon-nflog-no-answer = no answer within { $seconds } s
daemon-nflog-not-a-namespace = not a namespace name
daemon-nflog-thread-ended = the thread ended before binding
daemon-log-nflog-receive-failed = NFLOG reader: receive failed; retrying in 1 s

## compile.rs
daemon-compile-refused =
    policy { $file } refused:
    { $diagnostics }

## audit.rs: the audit log, its head file, the chain
daemon-audit-bad-anchor = not a head: expected a record hash (64 hex digits) or COUNT:HASH
daemon-audit-head-file-read = cannot read the head file
daemon-audit-head-file-malformed = the head file is not one line {"{"}"count":N,"hash":"…"{"}"}
daemon-audit-open = cannot open audit log { $path }
daemon-audit-write = cannot append to audit log { $path }
daemon-audit-head-write = the record was written to the audit log, but its head file { $path } was not updated
daemon-audit-corrupt = audit log { $path } is corrupt at line { $line }: { $reason }
daemon-audit-head-mismatch = audit log { $path } does not match its head file { $head_file }: { $explained }
daemon-audit-head-missing = audit log { $path } has { $count } records but no usable head file { $head_file }: { $problem }
daemon-audit-recover = cannot recover audit log { $path }
daemon-audit-recovery-torn-tail = the last record (line { $line }, { $bytes } bytes) was incomplete, a torn write: moved to { $moved_to }; the log ends at record { $count }, head { $kept }
daemon-audit-recovery-head-mismatch = the log does not match its head file { $head_file }: { $explained }; the chain goes on from { $found }
daemon-audit-recovery-head-missing = no usable head file { $head_file } ({ $problem }): the log's { $count } records were checked for internal consistency only; the chain goes on from { $found }
daemon-audit-recovery-broken-chain = the chain is broken at line { $line }: { $reason }; the log was moved to { $moved_to } and a new log started; { $count } records before the break were intact, head { $valid }
daemon-audit-recovery-head-said = ; the head file said { $head }
daemon-audit-recovery-no-head-file = ; there was no head file
daemon-audit-break-incomplete = the last record is incomplete (no final newline): a torn write
daemon-audit-break-not-json = not JSON
daemon-audit-break-duplicate-key = duplicate key `{ $key }`
daemon-audit-break-not-canonical = not in canonical form (keys sorted, no whitespace), as the log writes records
daemon-audit-break-malformed = not a JSON object with seq, prev and hash
daemon-audit-break-sequence = sequence number { $found }, expected { $expected } (a record was removed or reordered)
daemon-audit-break-link = prev does not match the hash of the record before it (a record was removed or reordered)
daemon-audit-break-hash = hash does not match the record's content (the record was changed)
daemon-audit-chain-break = line { $line }: { $reason }
daemon-audit-log-has =
    the log has { $count ->
        [one] 1 record
       *[other] { $count } records
    }, head { $head }
daemon-audit-head-matches = the head { $expected } is the log's last record
daemon-audit-head-continues =
    the head { $expected } is record { $at }; the log continues after it by { $extra ->
        [one] 1 record
       *[other] { $extra } records
    } ({ $has })
daemon-audit-head-shorter =
    expected head { $expected }, but { $has }: { $missing ->
        [one] 1 record
       *[other] { $missing } records
    } missing at the end (or the log was replaced)
daemon-audit-head-differs = expected head { $expected }, but that record is not in the log ({ $has }): the log was cut before it, rewritten or replaced

## control.rs: the control socket's answers
daemon-log-control-connection-error = control connection ended with an error
daemon-log-control-accept-failed = control socket accept failed
daemon-log-control-non-root = control socket: refused a non-root peer
daemon-control-root-only = permission denied: the sanso control socket serves root only
daemon-control-timeout = timed out waiting for the request
daemon-control-read-failed = cannot read the request: { $error }
daemon-log-control-too-large = control socket: refused a request larger than { $bytes } bytes
daemon-control-too-large = request refused: larger than the control socket's limit of { $mib } MiB
daemon-control-no-monitor = the monitor is not running
daemon-control-bad-request = bad request: { $error }
daemon-log-control-refused = control socket: refused a request
daemon-control-refused = refused: { $error }; nothing was changed
daemon-actor-stopped = the daemon actor has stopped
daemon-control-confirm-range = --confirm must be between 1 s and { $max } s
daemon-control-events-by-monitor = events are served by the monitor

## operator.rs
daemon-operator-daemon = the daemon (uid { $uid })
daemon-log-peer-environ = cannot read the control peer's environment

## protocol.rs: checks of --ticket and --reason
daemon-protocol-text-empty = { $what } must not be empty
daemon-protocol-text-too-long = { $what } is { $length } characters long; at most { $max } are accepted
daemon-protocol-text-control = { $what } must be one line of printable text: character { $at } is the control character { $code }

## monitor.rs: events in words, the monitor's log, alert commands
daemon-event-forbidden = forbidden crossing: { $tiers }
daemon-event-forbidden-guardrail = forbidden crossing: { $tiers } (guardrail { $guardrail })
daemon-event-interface-zone = zone { $zone }
daemon-event-interface-no-zone = an interface of no zone
daemon-event-spoofed = spoofed source: claims zone { $zone } on { $interface } ({ $on })
daemon-event-isolated = isolated: { $tiers }
daemon-event-drop = dropped by default: { $tiers }
daemon-event-ended = connection ended with its flow: { $tiers }
daemon-event-unknown = dropped, not in any zone: { $tiers }
daemon-event-accept = accepted by flow { $flow }: { $tiers }
daemon-event-no-zone = no zone
daemon-log-monitor-reading = monitor: reading NFLOG group { $group }
daemon-log-monitor-cannot-read = monitor: cannot read NFLOG; no events until it can (trying again in { $seconds } s)
daemon-log-monitor-reader-stopped = monitor: the NFLOG reader stopped; starting it again
daemon-log-monitor-lost = monitor: logged packets lost before the daemon read them (socket buffer full)
daemon-log-alert-busy = alert command: { $running } still running; this alert is left out
daemon-log-alert-killed = alert command killed after { $seconds } s
daemon-log-alert-failed = alert command failed
daemon-alert-cannot-start = cannot start it: { $error }
daemon-alert-exited = exited with { $status }

## metrics.rs: the metrics endpoint (metric names and help stay English)
daemon-metrics-not-loopback = metrics address { $addr } is not a loopback address
daemon-log-metrics-accept-failed = metrics accept failed
daemon-log-metrics-no-counters = metrics: cannot read the kernel counters
daemon-metrics-try = try /metrics

## actor.rs: the operator's answers, the status's last error, the daemon's log
daemon-check-verified = read back and verified
daemon-check-not-read-back = not verified: cannot read the table back
daemon-first-of = { $count } difference(s), first: { $first }
daemon-read-policy-failed = reading { $file } failed unexpectedly
daemon-read-policy-slow = reading { $file } took more than { $seconds } s; the running ruleset is unchanged
daemon-log-audit-recovered = the audit log was not as its head says; recorded
daemon-log-actor-stopped = actor stopped; the ruleset stays in the kernel
daemon-log-reconcile = the last run stopped between a kernel change and its outcome record
daemon-actor-stopping = the actor is stopping
daemon-log-audit-written = audit record written
daemon-log-syslog-failed = cannot send the audit head to the syslog collector
daemon-audit-lost = cannot write the audit log: { $error }
daemon-log-audit-lost = AUDIT RECORD LOST
daemon-intent-lost-refused = { $error }; nothing was changed: a change is made only after its intent is on record
daemon-log-intent-lost = the intent record is lost; the change goes ahead because it closes the gateway or puts back what was approved
daemon-log-policy-refused = policy refused; the running ruleset is unchanged
daemon-policy-refused =
    policy refused; the running ruleset is unchanged
    { $error }
daemon-log-apply-failed = apply failed
daemon-apply-failed = apply failed: { $error }
daemon-listing-differs = the table lists otherwise than saved
daemon-kernel-refused-apply = the kernel refused it; the running ruleset is unchanged: { $error }
daemon-log-not-read-back = cannot read the table back after the apply: not verified; drift checks wait
daemon-applied-not-verified = applied { $policy }, not verified: cannot read the table back: { $error }
daemon-log-archive-failed = cannot archive the applied policy
daemon-log-last-good-failed = cannot save the last good ruleset for boot
daemon-cannot-save = cannot save { $path }: { $error }
daemon-log-verify-failed = the table read back does not have the shape that was loaded
daemon-unverified = the table read back after the apply does not have the compiled shape ({ $first }); { $kernel_now }
daemon-put-back-reapplied = re-applied { $policy }, the ruleset that ran before
daemon-put-back-restored-table = restored the table as it was before the apply
daemon-put-back-fallback = loaded the closed fallback ruleset
daemon-put-back-failed = putting back what ran before failed ({ $error }): the kernel holds the unverified table of { $policy }
daemon-put-back-verified = { $what }; it reads back as loaded
daemon-put-back-mismatch = { $what }, but it too reads back otherwise ({ $first }): the kernel holds an unverified table
daemon-put-back-not-read-back = { $what }; not verified: cannot read the table back ({ $error })
daemon-log-reload-deferred = reload deferred until the pending apply is confirmed or rolled back
daemon-reload-deferred = a confirm is pending; the reload runs after `sanso confirm` or the rollback
daemon-log-policy-applied = policy applied
daemon-reload-applied = applied { $policy } rev { $revision } ({ $flows } flows); { $check }
daemon-record-lost = { $message }; but its audit record is lost: { $error }
daemon-apply-already-pending = another apply is awaiting confirmation; confirm it or wait for its rollback
daemon-cannot-save-for-rollback = cannot save the current table for rollback: { $error }
daemon-cannot-save-window = cannot save the confirm window to { $path }; nothing was changed: { $error }
daemon-log-window-not-removed-apply = cannot remove the saved confirm window; the next start rolls back to what runs now
daemon-log-applied-pending = applied; rollback unless confirmed in time
daemon-apply-pending = applied { $policy } rev { $revision }, { $check }; run `sanso confirm` within { $seconds } s or it is rolled back
daemon-nothing-to-confirm = nothing to confirm
daemon-log-confirmed = apply confirmed
daemon-confirm-boot-unchanged = boot still loads the ruleset before it: { $error }
daemon-log-window-not-removed = cannot remove the saved confirm window
daemon-confirm-window-not-removed = cannot remove { $file } (a restart would roll back): { $error }
daemon-confirmed = confirmed; the applied policy stays
daemon-confirmed-but = confirmed; the applied policy stays, but: { $problems }
daemon-reason-stopping = the daemon is stopping ({ $signal })
daemon-nothing-pending = no apply was pending
daemon-isolate-target-count = name 1 to { $max } targets
daemon-isolate-needs-reason = an isolation needs --reason (it goes into the audit record)
daemon-isolate-nothing =
    nothing was isolated:
    { $problems }
daemon-isolate-too-many = at most { $max } isolated targets; release some first
daemon-isolated = isolated { $targets } in { $ms } ms ({ $ranges } ranges in the kernel); { $connections }
daemon-release-needs-reason = a release needs --reason (it goes into the audit record)
daemon-release-unknown = not isolated: { $targets }; isolated now: { $isolated }
daemon-release-unknown-none = not isolated: { $targets }; isolated now: nothing
daemon-released = released { $targets } in { $ms } ms ({ $ranges } ranges still isolated)
daemon-isolation-refused = the kernel refused the isolation update; nothing changed: { $error }
daemon-connections-cut = { $deleted } open connection(s) cut ({ $examined } conntrack entries examined, { $spared } to the gateway itself kept)
daemon-connections-not-cut = the connections' conntrack entries could not be deleted ({ $error }); their packets are dropped all the same
daemon-log-isolations-not-saved = cannot save the isolations; a restart recovers them from the kernel, a reboot would not
daemon-isolations-not-saved = cannot save the isolations: { $error }
daemon-log-isolation-changed = isolation changed
daemon-isolation-record-lost = { $action } done in the kernel, but its audit record is lost: { $error }
daemon-isolation-save-lost = { $action } done in the kernel, but it could not be saved (a reboot would lose it): { $error }
daemon-log-expired-release-failed = cannot release expired isolations; retrying later
daemon-log-isolations-unreadable = the isolations file cannot be read; what the kernel isolates is kept
daemon-log-isolation-recovered = isolation found in the kernel without an entry: kept as recovered
daemon-log-recovered-not-saved = cannot save the recovered isolation
daemon-reason-not-confirmed = not confirmed in time
daemon-log-window-not-removed-rollback = cannot remove the saved confirm window; the next start rolls back again
daemon-table-before-apply = the table as it was before the apply
daemon-log-rolled-back = unconfirmed apply rolled back
daemon-rolled-back = rolled back to { $to } ({ $reason })
daemon-log-rollback-failed = ROLLBACK FAILED
daemon-rollback-failed-status = rollback failed: { $error }
daemon-rollback-failed = rollback failed ({ $reason }): { $error }
daemon-log-window-damaged = the saved confirm window is unreadable; rolling back to the closed fallback
daemon-reason-window-damaged = the saved confirm window is unreadable ({ $error }); what ran before it is unknown
daemon-log-rollback-policy-broken = the policy to roll back to no longer compiles; the closed fallback comes back
daemon-reason-missed-deadline = the daemon was not running at the confirm deadline
daemon-reason-restarted = the daemon restarted inside the confirm window
daemon-restore-isolation-failed = restored the table as it was before the apply, but what is isolated could not be put back into it: { $error }
daemon-closed-fallback = the closed fallback ruleset
daemon-the-ruleset = the ruleset
daemon-restore-refused = the kernel refused { $what }; the unconfirmed policy is still in the kernel: { $error }
daemon-log-restore-not-read-back = cannot read the table back after restoring { $what }: not verified
daemon-restore-kernel-now = { $what }, loaded but reading back otherwise
daemon-restore-mismatch = restored { $what }, but it reads back otherwise ({ $first }): the kernel holds an unverified table
daemon-log-expiry-recompile-failed = cannot recompile at expiry; the kernel's time match still applies
daemon-log-flows-expired = flows expired; ruleset recompiled without them
daemon-log-drift = drift: the live table differs from the applied ruleset
daemon-log-drift-restored = drift: expected ruleset restored
daemon-log-drift-unreadable = drift check: CANNOT READ the live table; nothing confirms what the kernel filters
daemon-log-generation-unreadable = drift check: the ruleset generation could not be read; the table is read back instead
daemon-log-drift-unreadable-restored = drift: approved ruleset loaded again after an unreadable table
daemon-log-neighbours-unreadable = cannot read the neighbour tables
daemon-log-too-many-findings = too many host findings remembered; forgetting them
daemon-log-host-event = host event: a neighbour the policy does not account for

## bounded.rs: what was cut from a long text
daemon-bounded-more-bytes = … ({ $bytes } more bytes)
daemon-bounded-more-lines =
    … ({ $lines ->
        [one] 1 more line
       *[other] { $lines } more lines
    }, { $bytes } more bytes)

## netlink-boot (issue 17): the last good pair boot restores through netlink
daemon-restore-missing = { $path } does not exist
daemon-restore-read = cannot read { $path }
daemon-restore-damaged = { $path } is damaged (not the JSON the daemon writes)
daemon-restore-format = { $path } has format { $found }; this sanso reads format { $expected }
daemon-restore-policy-hash = the policy text in { $path } does not have the hash saved with it (damaged or changed by hand)
daemon-restore-nft-hash = { $nft } is not the text saved with { $path } (one of them was written without the other, or changed by hand)
daemon-restore-comment = the policy identity in { $nft } (the comment of counter identity, or the table comment) does not name the policy saved beside it
daemon-restore-not-regular = not a regular file
