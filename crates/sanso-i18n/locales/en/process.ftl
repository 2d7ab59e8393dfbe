## process messages (English). Ids start with "process-"; ja/process.ftl holds the same ids with the same variables.


## Running an external program (sanso-process: nft, ip, conntrackd)

process-spawn = could not run `{ $command }`: { $error }
process-failed = `{ $command }` failed ({ $status }): { $stderr }
process-timed-out = `{ $command }` did not finish within { $seconds } s and was killed
process-too-much-output = `{ $command }` printed more than { $bytes } bytes and was stopped
process-stderr-cut = … ({ $bytes } more bytes left out)
