//! Fixtures the runtime's embedded tests share: Hongyun and Changzhi, their principals, and
//! the commands that sign their partnership, register a SKU and record May 2008.
#![allow(dead_code)] // each test file uses a different subset

pub mod nats;

use synergy_brand::SkuEntry;
use synergy_domain::Principal;
pub use synergy_domain::testing::literal::org;
use synergy_information::{MonthSubmission, SubmitMarketData};
use synergy_proto::events::information::{MarketTotals, SkuLine};
use synergy_proto::*;
use synergy_runtime::AnyCommand;

pub fn manufacturer() -> Principal {
    Principal::new(org("hongyun"), Role::Manufacturer, "brand-team")
}

pub fn distributor() -> Principal {
    Principal::new(org("changzhi"), Role::Distributor, "analyst")
}

/// The operator records both signatures of a partnership at once.
pub fn operator() -> Principal {
    Principal::new(org("changzhi"), Role::Admin, "operator")
}

/// Hongyun and Changzhi sign `p` on 2007-12-18.
pub fn sign(p: &PartnershipId) -> AnyCommand {
    signing(p, "hongyun", "changzhi", "Changzhi", "2007-12-18")
}

/// `manufacturer` and `distributor` sign `p` for `region` on `signed_on`.
pub fn signing(
    p: &PartnershipId,
    manufacturer: &str,
    distributor: &str,
    region: &str,
    signed_on: &str,
) -> AnyCommand {
    AnyCommand::Strategy(synergy_strategy::Command::SignPartnership {
        partnership: p.clone(),
        manufacturer: org(manufacturer),
        distributor: org(distributor),
        region: region.into(),
        signed_on: signed_on.parse().unwrap(),
    })
}

pub fn catalogue(p: &PartnershipId) -> AnyCommand {
    AnyCommand::Brand(synergy_brand::Command::RegisterCatalogue {
        partnership: p.clone(),
        skus: vec![SkuEntry {
            brand: BrandId::new("hongyun").unwrap(),
            sku: SkuId::new("hy-soft").unwrap(),
            name: "紅雲(軟)".into(),
            price_class: 2,
            guide_price: Yuan::parse("190").unwrap(),
        }],
    })
}

/// May 2008 with `volume` cases of hy-soft; a correction when `reason` is given.
pub fn may(p: &PartnershipId, volume: &str, reason: Option<&str>) -> AnyCommand {
    let may = YearMonth::new(2008, 5).unwrap();
    month_data(p, may, "hy-soft", volume, reason)
}

/// `month` with `volume` cases of `sku` in a market of 11,300 cases; a correction when
/// `reason` is given.
pub fn month_data(
    p: &PartnershipId,
    month: YearMonth,
    sku: &str,
    volume: &str,
    reason: Option<&str>,
) -> AnyCommand {
    AnyCommand::Information(synergy_information::Command::SubmitMarketData(
        SubmitMarketData {
            partnership: p.clone(),
            months: vec![MonthSubmission {
                month,
                lines: vec![SkuLine {
                    sku: SkuId::new(sku).unwrap(),
                    volume: Cases::parse(volume).unwrap(),
                    revenue: Yuan::parse("16500000").unwrap(),
                    closing_stock: Cases::parse("310").unwrap(),
                    outlets_stocking: 2900,
                    outlets_selling: 2600,
                    avg_retail_price: Yuan::parse("192").unwrap(),
                }],
                market: MarketTotals {
                    volume: Cases::parse("11300").unwrap(),
                    revenue: Yuan::parse("121000000").unwrap(),
                    active_outlets: 5200,
                },
            }],
            reason: reason.map(str::to_owned),
        },
    ))
}
