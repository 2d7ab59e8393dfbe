## process のメッセージ（日本語）。ID は "process-" で始まり、en/process.ftl と同じ ID・同じ変数を持つ。


## 外部プログラムの実行（sanso-process: nft、ip、conntrackd）

process-spawn = `{ $command }` を実行できませんでした: { $error }
process-failed = `{ $command }` が失敗しました（{ $status }）: { $stderr }
process-timed-out = `{ $command }` が { $seconds } 秒以内に終わらなかったため、強制終了しました
process-too-much-output = `{ $command }` の出力が { $bytes } バイトを超えたため、停止しました
process-stderr-cut = …（残り { $bytes } バイトは省略）
