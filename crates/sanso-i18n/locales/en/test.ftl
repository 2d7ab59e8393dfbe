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

# `sanso test --kernel` and `sanso verify`: the kernel run loaded the ruleset without these flows' `limit`.
test-limits-left-out = limits left out of the kernel run: { $flows } (the kernel judged the ruleset without { $count ->
        [one] this limit
       *[other] these limits
    }, so that every drop counts)
test-summary = { $passed } passed, { $failed } failed

# `sanso verify`.
test-verify-disagree = DISAGREE { $probe }: policy { $policy }, userspace { $userspace }{ $kernel } ({ $decided })
test-verify-summary = verify: seed { $seed }, { $packets } packets ({ $accepted } accepted by the policy), engines: { $engines }; { $disagreements } { $disagreements ->
        [one] disagreement
       *[other] disagreements
    }
