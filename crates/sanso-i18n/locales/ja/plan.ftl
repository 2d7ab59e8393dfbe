## plan のメッセージ（日本語）。ID は "plan-" で始まり、en/plan.ftl と同じ ID・同じ変数を持つ。

