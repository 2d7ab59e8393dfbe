## report のメッセージ（日本語）。ID は "report-" で始まり、en/report.ftl と同じ ID・同じ変数を持つ。

