//! A small, deterministic generator of a regional market in the shape of the Changzhi case
//! (four SKUs of two brands, ~5,000 active outlets, our share around a quarter of the
//! market), written out as the import CSVs of docs/import-formats.md, with the sums the
//! reports must show computed here from the same rows.
//!
//! Volumes are whole cases and revenues whole yuan, so every expected figure is an exact
//! integer and a report that drops, doubles or mixes up a month cannot match by accident.

/// One SKU of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sku {
    pub brand: &'static str,
    pub sku: &'static str,
    pub name: &'static str,
    pub price_class: u8,
    /// Guide retail price per carton (條), whole yuan.
    pub guide_price_yuan: u64,
    /// Typical monthly volume in the first year, cases.
    base_volume: u64,
}

/// The catalogue the generator sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Catalogue;

impl Catalogue {
    pub const SKUS: [Sku; 4] = [
        Sku {
            brand: "hongyun",
            sku: "hongyun-soft",
            name: "紅雲(軟)",
            price_class: 3,
            guide_price_yuan: 60,
            base_volume: 1050,
        },
        Sku {
            brand: "hongyun",
            sku: "hongyun-hard",
            name: "紅雲(硬)",
            price_class: 2,
            guide_price_yuan: 95,
            base_volume: 620,
        },
        Sku {
            brand: "hongyun",
            sku: "hongyun-classic",
            name: "紅雲(經典)",
            price_class: 1,
            guide_price_yuan: 190,
            base_volume: 210,
        },
        Sku {
            brand: "yunyan",
            sku: "yunyan-soft",
            name: "雲煙(軟)",
            price_class: 3,
            guide_price_yuan: 45,
            base_volume: 680,
        },
    ];

    pub fn csv() -> String {
        let mut out = String::from("brand,sku,name,price_class,guide_price_yuan\n");
        for s in Self::SKUS {
            out.push_str(&format!(
                "{},{},{},{},{}.00\n",
                s.brand, s.sku, s.name, s.price_class, s.guide_price_yuan
            ));
        }
        out
    }
}

/// One SKU's row of one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuMonth {
    pub sku: &'static str,
    pub volume_cases: u64,
    pub revenue_yuan: u64,
    pub closing_stock_cases: u64,
    pub outlets_stocking: u64,
    pub outlets_selling: u64,
    /// Average retail price per carton, in fen.
    pub avg_retail_price_fen: u64,
}

/// One month of market data: our SKUs and the market's totals (`ALL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Month {
    pub year: i32,
    /// 1–12.
    pub month: u32,
    pub skus: Vec<SkuMonth>,
    pub market_volume_cases: u64,
    pub market_revenue_yuan: u64,
    pub active_outlets: u64,
}

impl Month {
    /// `YYYY-MM`.
    pub fn period(&self) -> String {
        format!("{}-{:02}", self.year, self.month)
    }

    pub fn volume_cases(&self) -> u64 {
        self.skus.iter().map(|s| s.volume_cases).sum()
    }

    pub fn revenue_yuan(&self) -> u64 {
        self.skus.iter().map(|s| s.revenue_yuan).sum()
    }

    pub fn closing_stock_cases(&self) -> u64 {
        self.skus.iter().map(|s| s.closing_stock_cases).sum()
    }

    pub fn sku(&self, sku: &str) -> Option<&SkuMonth> {
        self.skus.iter().find(|s| s.sku == sku)
    }

    /// This month alone as an import file.
    pub fn csv(&self) -> String {
        MarketData::csv_of(std::slice::from_ref(self))
    }

    /// This month as corrected: its first SKU sold 10 cases less (the README's
    /// `2008-06-fixed.xlsx`).
    pub fn corrected(&self) -> Month {
        let mut fixed = self.clone();
        if let Some(first) = fixed.skus.first_mut() {
            first.volume_cases -= 10;
        }
        fixed
    }
}

/// Consecutive months of generated market data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketData {
    pub months: Vec<Month>,
}

/// Cartons (條) per case (箱).
const CARTONS_PER_CASE: u64 = 50;

/// A 64-bit xorshift: deterministic, dependency-free, good enough to vary figures.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// `base` scaled by a factor in [100 - spread, 100 + spread] percent.
    fn around(&mut self, base: u64, spread: u64) -> u64 {
        let pct = 100 - spread + self.next() % (2 * spread + 1);
        base * pct / 100
    }
}

/// Seasonality in percent: the Spring Festival peak in January–February, a summer lull.
const SEASON: [u64; 12] = [135, 125, 85, 90, 95, 90, 85, 90, 100, 105, 100, 120];

impl MarketData {
    /// The market of the samples in `docs/examples/`, which README's "Using it" imports:
    /// 2006-01 … 2008-06.
    pub fn examples() -> MarketData {
        MarketData::generate(2006, 30, 7)
    }

    /// `count` months from January of `first_year`, with about 18 % growth a year.
    pub fn generate(first_year: i32, count: usize, seed: u64) -> MarketData {
        let mut rng = Rng(seed.max(1));
        let months = (0..count)
            .map(|i| {
                let year = first_year + i32::try_from(i / 12).unwrap_or(0);
                let month = u32::try_from(i % 12).unwrap_or(0) + 1;
                let growth = 100 + 18 * u64::try_from(i / 12).unwrap_or(0);
                let active_outlets = rng.around(5200, 2);
                let skus: Vec<SkuMonth> = Catalogue::SKUS
                    .iter()
                    .map(|s| {
                        let volume = rng
                            .around(s.base_volume * SEASON[i % 12] / 100 * growth / 100, 8)
                            .max(1);
                        // Distributor price per case: about 90 % of the guide price.
                        let per_case =
                            rng.around(s.guide_price_yuan * CARTONS_PER_CASE, 3) * 9 / 10;
                        let stocking = rng.around(active_outlets * 55 / 100, 20);
                        SkuMonth {
                            sku: s.sku,
                            volume_cases: volume,
                            revenue_yuan: volume * per_case,
                            closing_stock_cases: rng.around(volume * 3 / 10, 25),
                            outlets_stocking: stocking,
                            outlets_selling: rng.around(stocking * 88 / 100, 5).min(stocking),
                            avg_retail_price_fen: rng.around(s.guide_price_yuan * 100, 4),
                        }
                    })
                    .collect();
                let ours_volume: u64 = skus.iter().map(|s| s.volume_cases).sum();
                let ours_revenue: u64 = skus.iter().map(|s| s.revenue_yuan).sum();
                Month {
                    year,
                    month,
                    market_volume_cases: rng.around(ours_volume * 42 / 10, 5),
                    market_revenue_yuan: rng.around(ours_revenue * 34 / 10, 5),
                    active_outlets,
                    skus,
                }
            })
            .collect();
        MarketData { months }
    }

    /// The import file for `months` (docs/import-formats.md).
    pub fn csv_of(months: &[Month]) -> String {
        let mut out = String::from(
            "period,sku,volume_cases,revenue_yuan,closing_stock_cases,outlets_stocking,outlets_selling,avg_retail_price_yuan\n",
        );
        for m in months {
            let period = m.period();
            for s in &m.skus {
                out.push_str(&format!(
                    "{period},{},{},{},{},{},{},{}.{:02}\n",
                    s.sku,
                    s.volume_cases,
                    s.revenue_yuan,
                    s.closing_stock_cases,
                    s.outlets_stocking,
                    s.outlets_selling,
                    s.avg_retail_price_fen / 100,
                    s.avg_retail_price_fen % 100
                ));
            }
            out.push_str(&format!(
                "{period},ALL,{},{},,{},,\n",
                m.market_volume_cases, m.market_revenue_yuan, m.active_outlets
            ));
        }
        out
    }

    /// The months of `period`: `YYYY`, `YYYY-Qn`, `YYYY-Hn` or `YYYY-MM`.
    pub fn period(&self, period: &str) -> Vec<&Month> {
        let (year, rest) = period.split_once('-').unwrap_or((period, ""));
        let Ok(year) = year.parse::<i32>() else {
            return Vec::new();
        };
        let (first, last) = match rest {
            "" => (1, 12),
            q if q.starts_with('Q') => {
                let n: u32 = q[1..].parse().unwrap_or(0);
                (3 * n - 2, 3 * n)
            }
            h if h.starts_with('H') => {
                let n: u32 = h[1..].parse().unwrap_or(0);
                (6 * n - 5, 6 * n)
            }
            m => {
                let n: u32 = m.parse().unwrap_or(0);
                (n, n)
            }
        };
        self.months
            .iter()
            .filter(|m| m.year == year && (first..=last).contains(&m.month))
            .collect()
    }

    /// Our volume, revenue, the market's, and the closing stock of the last month, over
    /// `period`.
    pub fn totals(&self, period: &str) -> Totals {
        let months = self.period(period);
        Totals {
            months: months.len(),
            volume_cases: months.iter().map(|m| m.volume_cases()).sum(),
            revenue_yuan: months.iter().map(|m| m.revenue_yuan()).sum(),
            market_volume_cases: months.iter().map(|m| m.market_volume_cases).sum(),
            market_revenue_yuan: months.iter().map(|m| m.market_revenue_yuan).sum(),
            closing_stock_cases: months.last().map_or(0, |m| m.closing_stock_cases()),
        }
    }

    /// One SKU's volume over `period`.
    pub fn sku_volume(&self, period: &str, sku: &str) -> u64 {
        self.period(period)
            .iter()
            .filter_map(|m| m.sku(sku))
            .map(|s| s.volume_cases)
            .sum()
    }
}

/// Sums over a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub months: usize,
    pub volume_cases: u64,
    pub revenue_yuan: u64,
    pub market_volume_cases: u64,
    pub market_revenue_yuan: u64,
    pub closing_stock_cases: u64,
}

/// `num ÷ den × 100`, in hundredths of a point, rounded half away from zero — the
/// reports' display rounding (docs/kpis.md).
pub fn percent_hundredths(num: i128, den: i128) -> Option<i128> {
    if den == 0 {
        return None;
    }
    let scaled = num * 10_000;
    let (q, r) = (scaled / den, scaled % den);
    let round_up = 2 * r.abs() >= den.abs();
    Some(if round_up {
        q + if (scaled < 0) != (den < 0) { -1 } else { 1 }
    } else {
        q
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_months_obey_the_import_rules() {
        let data = MarketData::generate(2007, 24, 7);
        assert_eq!(data.months.len(), 24);
        for m in &data.months {
            assert!(m.volume_cases() <= m.market_volume_cases, "{}", m.period());
            assert!(m.revenue_yuan() <= m.market_revenue_yuan, "{}", m.period());
            for s in &m.skus {
                assert!(s.outlets_selling <= s.outlets_stocking);
                assert!(s.outlets_stocking <= m.active_outlets);
                assert!(s.volume_cases > 0);
            }
        }
        assert_eq!(data.period("2008-Q2").len(), 3);
        assert_eq!(data.period("2007").len(), 12);
        assert_eq!(data.period("2008-H2")[0].period(), "2008-07");
        // Deterministic: the same seed gives the same market.
        assert_eq!(data, MarketData::generate(2007, 24, 7));
    }

    #[test]
    fn percentages_round_half_away_from_zero() {
        assert_eq!(percent_hundredths(1, 8), Some(1250));
        assert_eq!(percent_hundredths(2, 3), Some(6667));
        assert_eq!(percent_hundredths(-2, 3), Some(-6667));
        assert_eq!(percent_hundredths(1, 0), None);
        // 0.005 % is half a hundredth: it rounds away from zero.
        assert_eq!(percent_hundredths(1, 20_000), Some(1));
        assert_eq!(percent_hundredths(1, 20_001), Some(0));
    }
}
