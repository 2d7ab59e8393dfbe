## test のメッセージ（日本語）。ID は "test-" で始まり、en/test.ftl と同じ ID・同じ変数を持つ。


# `sanso test`: 表の見出しと印。
test-head-case = テストケース
test-head-expected = 期待
test-head-userspace = ユーザー空間
test-head-kernel = カーネル
test-head-decided-by = 判定の根拠
test-row-ok = 合格
test-row-fail = 不合格
# `client = true` のテストケース: 実際のクライアントがカーネルと一致したか。
test-client-agrees = { $kernel }+クライアント
test-client-differs = { $kernel }/クライアント { $client }

# `sanso test`: 不合格と集計。
test-failed = 不合格 { $at }: テストケース { $case }: 期待 { $expected }、ユーザー空間 { $userspace }{ $kernel }（{ $decided }）
test-kernel-saw = 、カーネル { $kernel }

# `sanso test --kernel` と `sanso verify`: カーネルでの実行はこれらのフローの `limit` を外したルールセットを読み込みました。
test-limits-left-out = カーネルでの実行で外した `limit`: { $flows }（破棄をすべて判定に数えるため、カーネルはこの { $count } 件の `limit` を除いたルールセットで判定しました）
test-summary = 合格 { $passed } 件、不合格 { $failed } 件

# `sanso verify`。
test-verify-disagree = 不一致 { $probe }: ポリシー { $policy }、ユーザー空間 { $userspace }{ $kernel }（{ $decided }）
test-verify-summary = verify: シード { $seed }、パケット { $packets } 件（ポリシーが許可するもの { $accepted } 件）、エンジン: { $engines }。不一致 { $disagreements } 件
