## common のメッセージ（日本語）。ID は "common-" で始まり、en/common.ftl と同じ ID・同じ変数を持つ。

common-errors = エラー { $count } 件
common-warnings = 警告 { $count } 件
common-and = { $first }、{ $second }
