## test messages (English). Ids start with "test-"; ja/test.ftl holds the same ids with the same variables.


# `sanso test`: the table's heads and marks.
test-head-case = CASE
test-head-expected = EXPECTED
test-head-userspace = USERSPACE
test-head-kernel = KERNEL
test-head-decided-by = DECIDED BY
test-row-ok = ok
test-row-fail = FAIL
# A case with `client = true`: the real client agreed with the kernel, or not.
test-client-agrees = { $kernel }+client
test-client-differs = { $kernel }/client { $client }

# `sanso test`: failures and the summary.
test-failed = FAILED { $at }: case { $case }: expected { $expected }, userspace { $userspace }{ $kernel } ({ $decided })
test-kernel-saw = , kernel { $kernel }
test-limit-dropped = limit: { $count } { $count ->
        [one] case
       *[other] cases
    } dropped by the kernel above the deciding flow's `limit` (cases are sent faster than it; the kernel accepted other cases of the same flow)
test-summary = { $passed } passed, { $failed } failed

# `sanso verify`.
test-verify-disagree = DISAGREE { $probe }: policy { $policy }, userspace { $userspace }{ $kernel } ({ $decided })
test-verify-over-limit = limit: flow { $flow } ({ $limit }): the kernel accepted { $accepted } and dropped { $dropped } of its packets above the limit (expected: probes are sent faster than that)
test-verify-summary = verify: seed { $seed }, { $packets } packets ({ $accepted } accepted by the policy), engines: { $engines }; { $disagreements } { $disagreements ->
        [one] disagreement
       *[other] disagreements
    }
