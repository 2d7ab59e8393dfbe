## status のメッセージ（日本語）。ID は "status-" で始まり、en/status.ftl と同じ ID・同じ変数を持つ。


# `sanso status` の見出し。コードが値の列まで空白で埋める。
status-policy-file = ポリシー:
status-netns = netns 名:
status-applied = 適用中:
status-from = 読込元:
status-at = 適用日時:
status-flows = フロー数:
status-next-expiry = 次の期限:
status-pending = 確定待ち:
status-drift = ドリフト:
status-last-error = 直近のエラー:
status-counts = 件数:
status-warning = 警告:
status-isolated = 隔離中:
status-audit-head = 監査ログ:

status-applied-nothing = まだありません（起動時のルールセットが有効です）
status-pending-confirm = { $seconds } 秒以内に確定がなければ { $rollback } にロールバックします（要求した uid { $uid }）
status-previous-table = 直前のテーブル
status-counts-changes = 適用 { $applies } 再読み込み { $reloads } 拒否 { $refused } 適用失敗 { $apply_failures } 検証失敗 { $verify_failures } 確定 { $confirms } ロールバック { $rollbacks }
status-counts-watch = ドリフト { $drift } 復元 { $restores } 期限切れ { $expiries } なりすまし疑い { $spoofing } 未知のホスト { $unknown_hosts }
status-counts-faults = テーブル読み取り不能 { $unreadable } 監査ログ書き込み失敗 { $audit_failures } 監査ログ修復 { $audit_recoveries }
status-isolated-nothing = なし
