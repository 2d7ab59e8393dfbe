## guardrail のメッセージ（日本語）。ID は "guardrail-" で始まり、en/guardrail.ftl と同じ ID・同じ変数を持つ。

