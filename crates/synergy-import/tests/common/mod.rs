//! Helpers shared by the import tests.
#![allow(dead_code)]

use std::collections::BTreeMap;

use synergy_domain::{CatalogueView, SkuView};
use synergy_import::ImportErrors;
use synergy_proto::events::brand::PriceClass;
use synergy_proto::{BrandId, SkuId, Yuan};

pub const MARKET_HEADER: &str = "period,sku,volume_cases,revenue_yuan,closing_stock_cases,outlets_stocking,outlets_selling,avg_retail_price_yuan";

/// A catalogue holding the given SKUs of brand `hongyun`.
pub fn catalogue(skus: &[&str]) -> CatalogueView {
    let mut map = BTreeMap::new();
    for sku in skus {
        map.insert(
            SkuId::new(*sku).expect("test sku"),
            SkuView {
                brand: BrandId::new("hongyun").expect("test brand"),
                name: format!("{sku} name"),
                price_class: PriceClass::new(2).expect("class"),
                guide_price: Yuan::parse("190").expect("price"),
            },
        );
    }
    CatalogueView { skus: map }
}

/// A market data file: the header, then `rows` joined by newlines.
pub fn market_csv(rows: &[&str]) -> String {
    let mut s = String::from(MARKET_HEADER);
    for row in rows {
        s.push('\n');
        s.push_str(row);
    }
    s.push('\n');
    s
}

/// Each problem as (line, column, rule), in reported order.
pub fn problems(errors: &ImportErrors) -> Vec<(usize, Option<String>, &'static str)> {
    errors
        .errors
        .iter()
        .map(|e| (e.line, e.column.clone(), e.rule))
        .collect()
}

pub fn at(line: usize, column: &str, rule: &'static str) -> (usize, Option<String>, &'static str) {
    (line, Some(column.to_owned()), rule)
}

pub fn row(line: usize, rule: &'static str) -> (usize, Option<String>, &'static str) {
    (line, None, rule)
}
