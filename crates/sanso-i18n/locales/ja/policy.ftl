## policy のメッセージ（日本語）。ID は "policy-" で始まり、en/policy.ftl と同じ ID・同じ変数を持つ。

policy-subject-zone = ゾーン { $name }
policy-subject-host = ホスト { $name }
policy-subject-flow = フロー { $name }
policy-subject-service = サービス { $name }
policy-subject-case = ケース { $name }
policy-subject-policy = ポリシー
