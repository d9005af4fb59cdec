use proptest::prelude::*;

use super::*;

fn brand(id: &str, volume: Option<i128>, target: Option<i128>) -> Brand {
    Brand {
        id: id.to_owned(),
        volume,
        target,
    }
}

#[test]
fn nine_brands_are_all_shown_ten_become_eight_and_others() {
    let ranked: Vec<Brand> = (0..10)
        .map(|i| brand(&format!("b{i}"), Some(100 - i), Some(7)))
        .collect();
    assert_eq!(
        top(&ranked[..9], 8).len(),
        9,
        "a lone ninth is shown by name"
    );
    let shown = top(&ranked, 8);
    assert_eq!(shown.len(), 9);
    assert_eq!(
        shown[8],
        Shown::Others {
            count: 2,
            volume: Some(92 + 91),
            target: Some(14)
        }
    );
}

#[test]
fn others_without_targets_have_none_not_zero() {
    let ranked: Vec<Brand> = (0..4)
        .map(|i| brand(&format!("b{i}"), Some(9), None))
        .collect();
    assert_eq!(
        top(&ranked, 1).last(),
        Some(&Shown::Others {
            count: 3,
            volume: Some(27),
            target: None
        })
    );
}

proptest! {
    #[test]
    fn the_top_and_the_others_sum_to_the_total_exactly(
        volumes in proptest::collection::vec(proptest::option::of(0_i128..1_000_000_000_000_000), 0..40),
        n in 1_usize..12,
    ) {
        let ranked: Vec<Brand> = volumes
            .iter()
            .enumerate()
            .map(|(i, v)| brand(&format!("b{i:02}"), *v, v.map(|v| v / 3)))
            .collect();
        let shown = top(&ranked, n);
        prop_assert!(shown.len() <= n + 1);
        let total: i128 = volumes.iter().flatten().sum();
        let drawn: i128 = shown.iter().filter_map(Shown::volume).sum();
        prop_assert_eq!(drawn, total);
        let targets: i128 = ranked.iter().filter_map(|b| b.target).sum();
        prop_assert_eq!(shown.iter().filter_map(Shown::target).sum::<i128>(), targets);
    }
}

#[test]
fn ticks_are_written_exactly_with_the_decimals_they_need() {
    assert_eq!(written(2240, 2, 1), "22.4");
    assert_eq!(written(80_000_000, 3, 0), "80,000");
    assert_eq!(written(15_300_500, 3, 0), "15,300");
}

#[test]
fn a_legend_wraps_into_rows_within_the_width() {
    let entries: Vec<(Key, String)> = (0..9)
        .map(|i| {
            (
                Key::Box(colour::OTHERS),
                format!("changbaishan-{i} 12.34 %"),
            )
        })
        .collect();
    let (at, height) = legend_layout(&entries, PAD);
    assert!(height > ROW, "more than one row");
    for ((_, text), (x, _)) in entries.iter().zip(&at) {
        assert!(
            x + SWATCH + 6 + text_width(text, TEXT) <= W - PAD,
            "{text} at {x}"
        );
    }
}

#[test]
fn cjk_counts_an_em_and_latin_less() {
    assert_eq!(text_width("品牌", 10.0), 20);
    assert_eq!(text_width("ab", 10.0), 12);
}
