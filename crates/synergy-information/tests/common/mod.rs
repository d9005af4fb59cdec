//! Fixtures: Hongyun (manufacturer) and the Changzhi tobacco company (distributor).
#![allow(dead_code)]

use std::collections::BTreeMap;

pub use synergy_domain::testing::literal::{date, org, sku, ym};
use synergy_domain::{CatalogueView, DecisionContext, PartnershipView, Principal, SkuView};
use synergy_information::{Command, MonthSubmission, SubmitMarketData};
use synergy_proto::{
    BrandId, Cases, Event, PartnershipId, Role, Yuan,
    events::InformationEvent,
    events::brand::PriceClass,
    events::information::{MarketTotals, SkuLine, VolumeLine},
};

pub const SOFT: &str = "hongyun-soft";
pub const HARD: &str = "hongyun-hard";
pub const ROSE: &str = "honghe-rose";

pub fn pid() -> PartnershipId {
    PartnershipId::new("hongyun-changzhi").unwrap()
}

pub fn distributor() -> Principal {
    Principal::new(org("changzhi"), Role::Distributor, "li")
}

pub fn manufacturer() -> Principal {
    Principal::new(org("hongyun"), Role::Manufacturer, "wang")
}

pub fn outsider() -> Principal {
    Principal::new(org("yuxi"), Role::Distributor, "zhao")
}

pub fn admin_for(party: &str) -> Principal {
    Principal::new(org(party), Role::Admin, "ops")
}

pub fn partnership(terminated: bool) -> PartnershipView {
    PartnershipView {
        id: pid(),
        manufacturer: org("hongyun"),
        distributor: org("changzhi"),
        terminated,
        time_zone: synergy_proto::TimeZone::default(),
    }
}

pub fn catalogue() -> CatalogueView {
    let mut skus = BTreeMap::new();
    for (id, brand, class, price) in [
        (SOFT, "hongyun", 2, 9_000),
        (HARD, "hongyun", 1, 12_000),
        (ROSE, "honghe", 3, 5_000),
    ] {
        skus.insert(
            sku(id),
            SkuView {
                brand: BrandId::new(brand).unwrap(),
                name: id.to_owned(),
                price_class: PriceClass::new(class).unwrap(),
                guide_price: Yuan::from_units(price),
            },
        );
    }
    CatalogueView { skus }
}

/// A decision by `who` at 10:00 UTC on `today`.
pub fn ctx(who: Principal, today: &str) -> DecisionContext {
    DecisionContext {
        principal: who,
        now: synergy_proto::Timestamp::from_millis(date(today).start().millis() + 36_000_000),
        partnership: Some(partnership(false)),
        catalogue: catalogue(),
    }
}

/// The distributor, on 2008-07-05 (so 2008-06 and earlier have ended).
pub fn dist() -> DecisionContext {
    ctx(distributor(), "2008-07-05")
}

pub fn manu() -> DecisionContext {
    ctx(manufacturer(), "2008-07-05")
}

pub fn cases(whole: i64) -> Cases {
    Cases::from_whole(whole).unwrap()
}

pub fn yuan(whole: i64) -> Yuan {
    Yuan::from_whole(whole).unwrap()
}

/// A SKU line with whole cases and yuan; closing stock 10 cases, average price ¥90.
pub fn line(id: &str, volume: i64, revenue: i64, stocking: u32, selling: u32) -> SkuLine {
    SkuLine {
        sku: sku(id),
        volume: cases(volume),
        revenue: yuan(revenue),
        closing_stock: cases(10),
        outlets_stocking: stocking,
        outlets_selling: selling,
        avg_retail_price: yuan(90),
    }
}

pub fn market(volume: i64, revenue: i64, outlets: u32) -> MarketTotals {
    MarketTotals {
        volume: cases(volume),
        revenue: yuan(revenue),
        active_outlets: outlets,
    }
}

/// A plausible month: two Hongyun SKUs in a market of 11,000 cases and 3,000 outlets.
pub fn month_of(month: &str) -> MonthSubmission {
    MonthSubmission {
        month: ym(month),
        lines: vec![
            line(SOFT, 1_500, 20_000_000, 1_200, 900),
            line(HARD, 1_000, 16_000_000, 800, 600),
        ],
        market: market(11_000, 120_000_000, 3_000),
    }
}

pub fn submit(months: Vec<MonthSubmission>, reason: Option<&str>) -> Command {
    Command::SubmitMarketData(SubmitMarketData {
        partnership: pid(),
        months,
        reason: reason.map(str::to_owned),
    })
}

/// The event a first submission of `sub` on `on` records (lines sorted by SKU).
pub fn submitted(sub: &MonthSubmission, on: &str) -> Event {
    let mut lines = sub.lines.clone();
    lines.sort_by(|a, b| a.sku.cmp(&b.sku));
    Event::Information(InformationEvent::MarketDataSubmitted {
        month: sub.month,
        revision: 1,
        lines,
        market: sub.market.clone(),
        submitted_on: date(on),
    })
}

pub fn corrected(sub: &MonthSubmission, revision: u32, on: &str, reason: &str) -> Event {
    let mut lines = sub.lines.clone();
    lines.sort_by(|a, b| a.sku.cmp(&b.sku));
    Event::Information(InformationEvent::MarketDataCorrected {
        month: sub.month,
        revision,
        lines,
        market: sub.market.clone(),
        submitted_on: date(on),
        reason: reason.to_owned(),
    })
}

pub fn vl(id: &str, volume: i64) -> VolumeLine {
    VolumeLine {
        sku: sku(id),
        volume: cases(volume),
    }
}

pub fn ev(e: InformationEvent) -> Event {
    Event::Information(e)
}
