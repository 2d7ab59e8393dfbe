//! Snapshot and shape tests of `sanso_nft::text::render` on hand-built IR.

mod text_fixture;

use sanso_nft::text::render;

#[test]
fn snapshot_of_the_fixture() {
    insta::assert_snapshot!(render(&text_fixture::ruleset()));
}

#[test]
fn snapshot_of_an_empty_ruleset() {
    insta::assert_snapshot!(render(&text_fixture::empty()));
}

#[test]
fn rendering_is_deterministic() {
    let rs = text_fixture::ruleset();
    assert_eq!(render(&rs), render(&rs.clone()));
}

#[test]
fn unsafe_names_become_index_labels_and_comments_are_sanitised() {
    let text = render(&text_fixture::ruleset());
    // Zone 1 and flow 2 have unsafe names.
    assert!(text.contains("chain allow.mn-office._z1._f2 {"), "{text}");
    assert!(text.contains("counter flow._f2 {"));
    assert!(text.contains("comment \"保守 'window'\""));
    assert!(!text.contains("住民 zone."));
    // The reason's backslash and the name's quotes never reach a quoted string unchanged.
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
        let quotes = line.matches('"').count();
        assert_eq!(quotes % 2, 0, "unbalanced quotes: {line}");
    }
}

#[test]
fn long_names_are_cut_to_nft_limits() {
    let mut rs = text_fixture::ruleset();
    rs.flows[2].name = "長".repeat(100);
    rs.zones[0].name = "z".repeat(64);
    rs.zones[1].name = "y".repeat(64);
    let text = render(&rs);
    for line in text.lines() {
        if let Some(rest) = line.trim_start().strip_prefix("comment \"") {
            assert!(rest.trim_end_matches('"').len() <= 128, "{line}");
        }
        if let Some(at) = line.find("log prefix \"") {
            let prefix = &line[at + 12..];
            let end = prefix.find('"').expect("closed log prefix");
            assert!(end <= 127, "{line}");
        }
    }
    assert!(text.contains(&format!("log prefix \"sanso drop {}>", "z".repeat(64))));
}

#[test]
fn until_is_epoch_seconds_with_the_date_beside_it() {
    let text = render(&text_fixture::ruleset());
    let line = text
        .lines()
        .find(|l| l.contains("meta time <"))
        .expect("an until rule");
    assert!(
        line.contains("meta time < 1798729200 counter name \"flow._f2\""),
        "{line}"
    );
    assert!(
        line.ends_with("# until 2027-01-01 00:00:00 JST (2026-12-31T15:00:00Z)"),
        "{line}"
    );
}

/// (pair, elements, all elements between the pair's zones) of each group.
fn pair_groups<A>(
    rs: &sanso_ir::Ruleset,
    family: &sanso_ir::Family<A>,
) -> Vec<(sanso_nft::text::layout::ZonePair, usize, bool)> {
    sanso_nft::text::layout::forward_by_pair(rs, family)
        .iter()
        .map(|g| {
            let between = g
                .ports
                .iter()
                .chain(&g.icmp)
                .all(|e| e.src_zone == g.pair.src && e.dst_zone == g.pair.dst);
            (g.pair, g.ports.len() + g.icmp.len(), between)
        })
        .collect()
}

#[test]
fn every_forward_element_is_in_exactly_its_pairs_map() {
    use sanso_nft::text::layout::{forward_pairs, pair_maps};
    let rs = text_fixture::ruleset();
    let pairs = forward_pairs(&rs);
    for (groups, forward) in [
        (pair_groups(&rs, &rs.v4), rs.v4.forward.len()),
        (pair_groups(&rs, &rs.v6), rs.v6.forward.len()),
    ] {
        assert!(forward > 0);
        assert_eq!(groups.iter().map(|g| g.1).sum::<usize>(), forward);
        assert!(groups.iter().all(|g| g.2), "{groups:?}");
        assert!(groups.iter().all(|g| pairs.contains(&g.0)));
    }
    // The fixture's IPv6 has no zone `_z1`, so its pairs are not IPv6 groups.
    let v6 = pair_maps(&rs, &rs.v6);
    assert!(v6.len() < pairs.len(), "{v6:?}");
}
