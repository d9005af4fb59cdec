//! Any valid table written as CSV text reads back as the same submissions, in whatever
//! order its rows come; and a 10,000-row file parses.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use synergy_brand::SkuEntry;
use synergy_import::{Format, catalogue_csv, market_data_csv, parse_catalogue, parse_market_data};
use synergy_information::MonthSubmission;
use synergy_proto::events::information::{MarketTotals, SkuLine};
use synergy_proto::{BrandId, Cases, SkuId, YearMonth, Yuan};

const POOL: [&str; 6] = ["hy-soft", "hy-hard", "hy-slim", "YX_1", "0042", "a"];

#[derive(Debug, Clone)]
struct Figures {
    volume: i64,
    revenue: i64,
    closing_stock: i64,
    stocking: u32,
    selling_share: u32,
    avg_price: i64,
}

fn figures() -> impl Strategy<Value = Figures> {
    (
        0..=1_000_000_000_000_i64,
        0..=10_000_000_000_000_i64,
        0..=1_000_000_000_i64,
        0..=200_000_u32,
        0..=100_u32,
        0..=10_000_000_i64,
    )
        .prop_map(
            |(volume, revenue, closing_stock, stocking, selling_share, avg_price)| Figures {
                volume,
                revenue,
                closing_stock,
                stocking,
                selling_share,
                avg_price,
            },
        )
}

/// One month: a subset of the SKU pool with valid figures, and totals at or above them.
fn month() -> impl Strategy<Value = (Vec<SkuLine>, MarketTotals)> {
    (
        prop::collection::btree_map(0..POOL.len(), figures(), 0..=POOL.len()),
        0..=1_000_000_000_i64,
        0..=1_000_000_000_i64,
        0..=1_000_u32,
    )
        .prop_map(|(by_sku, extra_volume, extra_revenue, extra_outlets)| {
            let lines: BTreeMap<SkuId, SkuLine> = by_sku
                .into_iter()
                .map(|(i, f)| {
                    let sku = SkuId::new(POOL[i]).expect("pool sku");
                    let line = SkuLine {
                        sku: sku.clone(),
                        volume: Cases::from_units(f.volume),
                        revenue: Yuan::from_units(f.revenue),
                        closing_stock: Cases::from_units(f.closing_stock),
                        outlets_stocking: f.stocking,
                        outlets_selling: f.stocking / 100 * f.selling_share,
                        avg_retail_price: Yuan::from_units(f.avg_price),
                    };
                    (sku, line)
                })
                .collect();
            let lines: Vec<SkuLine> = lines.into_values().collect();
            let market = MarketTotals {
                volume: Cases::from_units(
                    lines.iter().map(|l| l.volume.units()).sum::<i64>() + extra_volume,
                ),
                revenue: Yuan::from_units(
                    lines.iter().map(|l| l.revenue.units()).sum::<i64>() + extra_revenue,
                ),
                active_outlets: lines.iter().map(|l| l.outlets_stocking).max().unwrap_or(0)
                    + extra_outlets,
            };
            (lines, market)
        })
}

fn submissions() -> impl Strategy<Value = Vec<MonthSubmission>> {
    prop::collection::btree_map((1990..2030_i32, 1..=12_u8), month(), 1..5).prop_map(|months| {
        months
            .into_iter()
            .map(|((y, m), (lines, market))| MonthSubmission {
                month: YearMonth::new(y, m).expect("valid month"),
                lines,
                market,
            })
            .collect()
    })
}

/// The submissions as CSV text with the data rows in a shuffled order.
fn shuffled_csv() -> impl Strategy<Value = (Vec<MonthSubmission>, String)> {
    submissions().prop_flat_map(|subs| {
        let text = market_data_csv(&subs);
        let mut lines = text.lines().map(str::to_owned);
        let header = lines.next().unwrap_or_default();
        let rows: Vec<String> = lines.collect();
        (Just(subs), Just(header), Just(rows).prop_shuffle()).prop_map(|(subs, header, rows)| {
            let mut text = header;
            for r in rows {
                text.push_str("\r\n");
                text.push_str(&r);
            }
            (subs, text)
        })
    })
}

fn entries() -> impl Strategy<Value = Vec<SkuEntry>> {
    prop::collection::btree_map(
        "[a-z0-9_-]{1,12}",
        (
            "[a-z]{1,8}",
            "[a-zA-Z0-9紅雲軟硬(),\"']([a-zA-Z0-9紅雲軟硬 (),\"']{0,20}[a-zA-Z0-9紅雲軟硬(),\"'])?",
            1..=5_u8,
            1..=1_000_000_000_i64,
        ),
        1..20,
    )
    .prop_filter("ALL is reserved", |m| {
        !m.keys().any(|k| k.eq_ignore_ascii_case("all"))
    })
    .prop_map(|m| {
        m.into_iter()
            .map(|(sku, (brand, name, price_class, price))| SkuEntry {
                brand: BrandId::new(brand).expect("brand"),
                sku: SkuId::new(sku).expect("sku"),
                name,
                price_class,
                guide_price: Yuan::from_units(price),
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn market_data_round_trips_through_csv((subs, text) in shuffled_csv()) {
        let skus: BTreeSet<&str> = POOL.into_iter().collect();
        let cat = common::catalogue(&skus.into_iter().collect::<Vec<_>>());
        let parsed = parse_market_data(text.as_bytes(), Format::Csv, Some(&cat));
        prop_assert_eq!(parsed, Ok(subs));
    }

    #[test]
    fn catalogue_round_trips_through_csv(entries in entries()) {
        let text = catalogue_csv(&entries);
        prop_assert_eq!(parse_catalogue(text.as_bytes(), Format::Csv), Ok(entries));
    }
}

#[test]
fn ten_thousand_rows_parse() {
    // 100 months × (99 SKUs + the ALL row) = 10,000 data rows.
    let skus: Vec<String> = (0..99).map(|i| format!("sku-{i:03}")).collect();
    let sku_refs: Vec<&str> = skus.iter().map(String::as_str).collect();
    let cat = common::catalogue(&sku_refs);
    let mut text = String::from(common::MARKET_HEADER);
    text.push('\n');
    let mut month = YearMonth::new(2000, 1).expect("month");
    for _ in 0..100 {
        for (i, sku) in skus.iter().enumerate() {
            text.push_str(&format!(
                "{month},{sku},{}.125,{}.50,{},{},{},{}.00\n",
                100 + i,
                1_000_000 + i * 1000,
                10 + i,
                2000 + i,
                1500 + i,
                150 + i
            ));
        }
        text.push_str(&format!("{month},ALL,100000,1000000000,,5000,,\n"));
        month = month.next().expect("next month");
    }
    assert_eq!(text.lines().count(), 10_001);

    let months = parse_market_data(text.as_bytes(), Format::Csv, Some(&cat)).expect("valid");
    assert_eq!(months.len(), 100);
    assert!(months.iter().all(|m| m.lines.len() == 99));
    assert_eq!(months[99].month, YearMonth::new(2008, 4).expect("month"));
    assert_eq!(months[0].lines[98].volume, Cases::from_units(198_125));
}
