## nft のメッセージ（日本語）。ID は "nft-" で始まり、en/nft.ftl と同じ ID・同じ変数を持つ。


## netlink による適用（ApplyError）

nft-bad-namespace-name = ネットワーク名前空間の名前 { $name } は単純な名前ではありません
nft-cannot-enter-namespace = ネットワーク名前空間 { $name } に入れません
nft-netlink-cannot = netlink: { $op }ことができません
nft-too-long = { $what } { $text } が { $max } バイトを超えています
nft-interior-nul = { $what } { $text } に NUL バイトが含まれています
nft-what-name = 名前
nft-what-comment = コメント
nft-what-log-prefix = ログの接頭辞
nft-out-of-memory = libnftnl がオブジェクトを確保できませんでした
nft-unknown-set = ルールがセット { $set } を参照していますが、バッチはそれを作成しません
nft-kernel-refused = カーネルが { $kind } { $object } を拒否しました（errno { $errno }）。何も適用していません
nft-kernel-refused-said = カーネルが { $kind } { $object } を拒否しました（errno { $errno }、{ $message }）。何も適用していません
nft-missing-answers = カーネルはバッチのメッセージ { $expected } 件のうち { $got } 件にしか応答していません。結果は不明です
nft-short-send = 送信が途中で切れました
nft-helper-panicked = ヘルパースレッドがパニックしました
nft-dump-did-not-end = ダンプが終わりませんでした
nft-no-generation = カーネルからルールセットの世代が返されませんでした
nft-deletes-unanswered = 削除 { $total } 件のうち { $unanswered } 件に応答がありません

# netlink の操作: 「netlink: <op>ことができません」。
nft-op-open-socket = netfilter の netlink ソケットを開く
nft-op-bind-socket = netlink ソケットをバインドする
nft-op-set-option = { $option } を設定する
nft-op-size-send-buffer = 送信バッファの大きさを設定する
nft-op-size-receive-buffer = 受信バッファの大きさを設定する
nft-op-send-batch = バッチを送信する
nft-op-wait-for-answers = カーネルの応答を待つ
nft-op-receive-answers = カーネルの応答を受信する
nft-op-spawn-helper = 名前空間のヘルパースレッドを起動する
nft-op-join-helper = 名前空間のヘルパースレッドの終了を待つ
nft-op-dump-conntrack = conntrack テーブルをダンプする
nft-op-delete-conntrack = conntrack エントリを削除する
nft-op-list-addresses = ゲートウェイのアドレスを一覧する
nft-op-read-generation = ルールセットの世代を読む
nft-op-dump-counters = 名前付きカウンタをダンプする

## テーブルの読み戻し（ReadbackError、ドリフト）

nft-readback-json = `{ $command }` の出力した JSON を読めませんでした
nft-readback-shape = `{ $command }` の出力した JSON が想定外の形です: { $what }
nft-foreign-base-chain = 他のベースチェーン { $family } { $table } { $chain }（フック { $hook }、優先度 { $priority }、ポリシー { $policy }）が、sanso が破棄するものを許可するおそれがあります
nft-unlisted = プレーンな一覧にはあるが、どの JSON の一覧にもないもの: { $objects }
nft-json-listing-unparsed = テーブルの JSON の一覧を解析できず（テーブルフラグ付きの nft 1.0.6）、他の一覧にもすべては含まれていません: { $unread }
nft-unknown-object-kind = 不明なオブジェクトの種類 { $kind }
nft-rule-in-unknown-chain = 不明なチェーン { $chain } のルール

# ドリフトの報告で示すもの。
nft-thing-table = テーブル
nft-thing-chain = チェーン
nft-thing-set = セット
nft-thing-map = マップ
nft-thing-object = オブジェクト
nft-thing-rule = ルール
nft-thing-element = 要素

# $kind は added、removed、changed のいずれか。
nft-change = { $kind ->
    [added] { $thing }が追加されています: { $detail }
    [removed] { $thing }が削除されています: { $detail }
   *[changed] { $thing }が変更されています: { $detail }
}
nft-change-within = { $kind ->
    [added] { $within } に{ $thing }が追加されています: { $detail }
    [removed] { $within } から{ $thing }が削除されています: { $detail }
   *[changed] { $within } の{ $thing }が変更されています: { $detail }
}
nft-element-added = { $within } に要素が追加されています: { $detail }
nft-element-removed = { $within } から要素が削除されています: { $detail }
nft-no-drift = ドリフトはありません: カーネルのテーブルは期待するルールセットと一致しています
nft-drift = ドリフト: 期待するテーブルとカーネルのテーブルに { $count } 件の差異があります
nft-expected-not-read-in-full = 期待するテーブルを完全には読めませんでした: { $why }
nft-live-not-read-in-full = カーネルのテーブルを完全には読めませんでした: { $why }
nft-flags-change = flags { $live }（期待値 { $expected }）
nft-flags-none = なし
nft-flag-dormant = テーブルが無効化されており、何もフィルタされません
nft-flag-owner = 一つのプロセスがテーブルを所有しています: そのプロセスだけが変更でき、プロセスが終了するとテーブルも消えます
nft-flag-persist = 所有者が終了してもテーブルは残ります
nft-set-elements = { $name }（要素 { $count } 個）
nft-chain-rules = { $name }（ルール { $count } 個）
nft-regular-chain = 通常のチェーン

## 適用の検証: 比較したものと、それぞれの差異

nft-coverage = ポリシーの識別子、チェーン { $chains } 個（うちフックとポリシーを持つベースチェーン { $base_chains } 個）とルール { $rules } 個、セットとマップ { $sets } 個と要素 { $elements } 個、名前付きのカウンタとリミット { $objects } 個
nft-table-missing = table inet sanso がありません
nft-table-flags = テーブルの { $flags }
nft-table-not-read-in-full = テーブルを完全には読めませんでした: { $why }
nft-table-comment-differs = ポリシーの識別子が { $live } です（期待値 { $expected }）
nft-chain-missing = チェーン { $name } がありません
nft-chain-rule-count = チェーン { $name } のルールが { $live } 個です（期待値 { $expected } 個）
nft-a-regular-chain = 通常のチェーン
nft-chain-hook-differs = チェーン { $name } が { $live } です（期待値 { $expected }）
nft-chain-foreign = チェーン { $name } は sanso のものではありません
nft-object-count = 名前付きオブジェクトが { $live } 個です（期待値 { $expected } 個）
nft-object-missing = { $name } がありません
nft-object-foreign = { $name } は sanso のものではありません
nft-objects-more-missing = ほかに名前付きオブジェクト { $count } 個がありません
nft-objects-more-foreign = ほかに sanso のものではない名前付きオブジェクトが { $count } 個あります
nft-set-missing = セット { $name } がありません
nft-set-element-count = セット { $name } の要素が { $live } 個です（期待値 { $expected } 個）
nft-set-foreign = セット { $name } は sanso のものではありません

## 隔離

nft-isolation-set-missing = table inet sanso にセット { $set } がありません（隔離の機能ができる前に読み込まれたものです）
nft-isolation-bad-element = セット { $set } にアドレス範囲ではない要素があります: { $element }
nft-isolation-unreadable = 隔離の状態を読めません: { $error }
nft-isolated-extra = 隔離されていますが、隔離すべきではありません: { $prefixes }
nft-isolated-missing = 隔離されていませんが、隔離すべきです: { $prefixes }

# apply-speed (issue 17): the read-back after an apply over netlink.
nft-op-read-table = table inet sanso を読み戻す
nft-set-element-missing = セット { $name } に要素 { $element } がありません
nft-set-element-foreign = セット { $name } に sanso のものではない要素 { $element } があります
nft-set-elements-more = セット { $name } では、ほかに要素 { $count } 個が異なります
