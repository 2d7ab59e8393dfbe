## status messages (English). Ids start with "status-"; ja/status.ftl holds the same ids with the same variables.


# The labels of `sanso status`; the code pads them to the value column.
status-policy-file = policy file:
status-netns = netns:
status-applied = applied:
status-from = from:
status-at = at:
status-flows = flows:
status-next-expiry = next expiry:
status-pending = pending:
status-drift = drift:
status-last-error = last error:
status-counts = counts:
status-warning = warning:
status-isolated = isolated:
status-audit-head = audit head:

status-applied-nothing = nothing yet (the boot ruleset is in place)
status-pending-confirm = confirm within { $seconds } s (requested by uid { $uid }), else rollback to { $rollback }
status-previous-table = the previous table
status-counts-changes = applies { $applies } reloads { $reloads } refused { $refused } apply-failures { $apply_failures } verify-failures { $verify_failures } confirms { $confirms } rollbacks { $rollbacks }
status-counts-watch = drift { $drift } restores { $restores } expiries { $expiries } spoofing-suspects { $spoofing } unknown-hosts { $unknown_hosts }
status-counts-faults = unreadable-table { $unreadable } audit-failures { $audit_failures } audit-recoveries { $audit_recoveries }
status-isolated-nothing = nothing
