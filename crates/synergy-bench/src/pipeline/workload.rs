//! What the pipeline imports: the parties, a generated catalogue and deterministic monthly
//! market data, as CSV files the CLI would be given.

use anyhow::anyhow;
use synergy_brand::SkuEntry;
use synergy_information::MonthSubmission;
use synergy_proto::events::information::{MarketTotals, SkuLine};
use synergy_proto::{BrandId, Cases, OrgId, PartnershipId, Period, SkuId, YearMonth, Yuan};

fn org(s: &str) -> anyhow::Result<OrgId> {
    Ok(OrgId::new(s)?)
}

pub(super) fn partnership(prefix: &str, n: usize) -> anyhow::Result<PartnershipId> {
    Ok(PartnershipId::new(format!("{prefix}-{n}"))?)
}

pub(super) fn manufacturer() -> anyhow::Result<OrgId> {
    org("bench-maker")
}

pub(super) fn distributor() -> anyhow::Result<OrgId> {
    org("bench-distributor")
}

/// A small deterministic generator, so every run imports the same figures.
#[derive(Debug, Clone)]
pub(super) struct Lcg(pub(super) u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

pub(super) fn catalogue(skus: usize) -> anyhow::Result<Vec<SkuEntry>> {
    (0..skus)
        .map(|i| {
            Ok(SkuEntry {
                brand: BrandId::new(format!("brand-{}", i % 4))?,
                sku: SkuId::new(format!("sku-{i:04}"))?,
                name: format!("Bench cigarette {i}"),
                price_class: (i % 5) as u8 + 1,
                guide_price: Yuan::from_units(10_000 + (i as i64 % 40) * 500),
            })
        })
        .collect()
}

/// One month of market data for every SKU of `skus`, consistent with the information
/// context's checks (selling within stocking within the month's active outlets, SKU
/// volumes within the market's).
pub(super) fn month(
    month: YearMonth,
    skus: &[SkuEntry],
    rng: &mut Lcg,
) -> anyhow::Result<MonthSubmission> {
    let active_outlets = 20_000 + rng.below(5_000) as u32;
    let mut lines = Vec::with_capacity(skus.len());
    let mut volume_sum = 0i64;
    let mut revenue_sum = 0i64;
    for s in skus {
        let volume = 1_000 + rng.below(400_000) as i64; // thousandths of a case
        let revenue = volume * (40 + rng.below(30) as i64); // fen
        let stocking = 500 + rng.below(u64::from(active_outlets) - 500) as u32;
        let selling = rng.below(u64::from(stocking) + 1) as u32;
        volume_sum += volume;
        revenue_sum += revenue;
        lines.push(SkuLine {
            sku: s.sku.clone(),
            volume: Cases::from_units(volume),
            revenue: Yuan::from_units(revenue),
            closing_stock: Cases::from_units(rng.below(50_000) as i64),
            outlets_stocking: stocking,
            outlets_selling: selling,
            avg_retail_price: Yuan::from_units(s.guide_price.units() + rng.below(1_000) as i64),
        });
    }
    Ok(MonthSubmission {
        month,
        lines,
        market: MarketTotals {
            volume: Cases::from_units(volume_sum * 3 + rng.below(1_000_000) as i64),
            revenue: Yuan::from_units(revenue_sum * 3 + rng.below(10_000_000) as i64),
            active_outlets,
        },
    })
}

pub(super) fn months_from(first: YearMonth, count: usize) -> anyhow::Result<Vec<YearMonth>> {
    (0..count as i64)
        .map(|i| {
            first
                .offset(i)
                .ok_or_else(|| anyhow!("month {i} after {first} is out of range"))
        })
        .collect()
}

/// The first month imported: far enough back that every month has ended.
pub(super) fn first_month() -> anyhow::Result<YearMonth> {
    Ok(YearMonth::new(2000, 1)?)
}

/// A monthly file and what its report must then state.
pub(super) struct MonthlyFile {
    pub(super) csv: Vec<u8>,
    pub(super) period: Period,
    pub(super) volume: Cases,
}

pub(super) fn monthly_files(
    seed: u64,
    skus: &[SkuEntry],
    count: usize,
) -> anyhow::Result<Vec<MonthlyFile>> {
    let mut rng = Lcg(seed);
    months_from(first_month()?, count)?
        .into_iter()
        .map(|m| {
            let sub = month(m, skus, &mut rng)?;
            let volume = Cases::checked_sum(sub.lines.iter().map(|l| l.volume))?;
            Ok(MonthlyFile {
                csv: synergy_import::market_data_csv(std::slice::from_ref(&sub)).into_bytes(),
                period: Period::month(m.year(), m.month())?,
                volume,
            })
        })
        .collect()
}
