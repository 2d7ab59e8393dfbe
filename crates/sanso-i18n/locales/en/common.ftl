## common messages (English). Ids start with "common-"; ja/common.ftl holds the same ids with the same variables.

common-errors = { $count ->
    [one] 1 error
   *[other] { $count } errors
}
common-warnings = { $count ->
    [one] 1 warning
   *[other] { $count } warnings
}
common-and = { $first }, { $second }
