//! A small partnership to fold events into, shared by the tests of this crate.
#![allow(dead_code)]

use synergy_changzhi::CommitBuilder;
pub use synergy_domain::testing::literal::{date as d, period as p, ym};
use synergy_domain::{DecisionContext, PartnershipView, Principal};
use synergy_evaluation::PartnershipModel;
use synergy_evaluation::figure::Kpis;
use synergy_evaluation::kpi::{Scope, market_kpis};
use synergy_proto::events::brand::PriceClass;
use synergy_proto::events::information::{MarketTotals, SkuLine, VolumeLine};
use synergy_proto::events::strategy::Target;
use synergy_proto::events::{BrandEvent, InformationEvent, StrategyEvent};
use synergy_proto::{AggregateId, Cases, Context, Event, Percent, Role, Side, YearMonth, Yuan};

pub const P: &str = "p1";

/// The Changzhi dataset, folded.
pub fn changzhi_folded() -> PartnershipModel {
    let mut model = PartnershipModel::new(synergy_changzhi::PARTNERSHIP.parse().unwrap());
    for c in synergy_changzhi::commits() {
        model.apply(&c);
    }
    model
}

pub struct World {
    pub model: PartnershipModel,
    pub b: CommitBuilder,
}

/// One month of SKU `a` against the market: what the distributor reports.
#[derive(Debug, Clone, Copy)]
pub struct Month<'a> {
    pub ours: &'a str,
    pub market: &'a str,
    pub closing_stock: &'a str,
    pub outlets_stocking: u32,
    pub outlets_selling: u32,
    pub active_outlets: u32,
    /// Average retail price per carton; the guide price is 10.
    pub retail: &'a str,
}

impl Default for Month<'_> {
    fn default() -> Self {
        Month {
            ours: "100",
            market: "1000",
            closing_stock: "1",
            outlets_stocking: 10,
            outlets_selling: 5,
            active_outlets: 100,
            retail: "10",
        }
    }
}

impl Month<'_> {
    /// Our line of SKU `a`.
    fn line(&self) -> SkuLine {
        let ours = Cases::parse(self.ours).unwrap();
        SkuLine {
            sku: "a".parse().unwrap(),
            volume: ours,
            // One yuan a case: fen are thousandths of a case ÷ 10.
            revenue: Yuan::from_units(ours.units() / 10),
            closing_stock: Cases::parse(self.closing_stock).unwrap(),
            outlets_stocking: self.outlets_stocking,
            outlets_selling: self.outlets_selling,
            avg_retail_price: Yuan::parse(self.retail).unwrap(),
        }
    }
}

impl World {
    /// Partnership `P` with nothing recorded yet.
    pub fn empty() -> Self {
        World::of(P)
    }

    /// Partnership `id` with nothing recorded yet.
    pub fn of(id: &str) -> Self {
        World {
            model: PartnershipModel::new(id.parse().unwrap()),
            b: CommitBuilder::new(id.parse().unwrap()),
        }
    }

    /// Signed on `signed_on`, one brand `x` with one SKU `a`.
    pub fn signed(signed_on: &str) -> Self {
        let mut w = World::empty();
        w.sign(signed_on);
        w.register(signed_on, "x", "a", 1, "10");
        w
    }

    /// `m` and `d` sign the partnership on `signed_on`.
    pub fn sign(&mut self, signed_on: &str) {
        self.sign_by("m", "d", "r", signed_on);
    }

    /// `manufacturer` and `distributor` sign the partnership for `region` on `signed_on`.
    pub fn sign_by(
        &mut self,
        manufacturer: &str,
        distributor: &str,
        region: &str,
        signed_on: &str,
    ) {
        self.ev(
            Context::Strategy,
            signed_on,
            StrategyEvent::PartnershipSigned {
                manufacturer: manufacturer.parse().unwrap(),
                distributor: distributor.parse().unwrap(),
                region: region.into(),
                signed_on: d(signed_on),
            }
            .into(),
        );
    }

    pub fn ev(&mut self, context: Context, day: &str, e: Event) {
        let c = self.b.commit(
            context,
            AggregateId::singleton("t"),
            Side::Distributor,
            d(day),
            vec![e],
        );
        self.model.apply(&c);
    }

    /// `month` corrected on `on` (revision 2) to `ours` cases of SKU `a` in a market of
    /// 1,000 cases and ¥100.
    pub fn correct(&mut self, month: &str, on: &str, ours: &str, reason: &str) {
        let line = Month {
            ours,
            ..Month::default()
        }
        .line();
        self.ev(
            Context::Information,
            on,
            InformationEvent::MarketDataCorrected {
                month: ym(month),
                revision: 2,
                lines: vec![line],
                market: MarketTotals {
                    volume: Cases::parse("1000").unwrap(),
                    revenue: Yuan::parse("100").unwrap(),
                    active_outlets: 100,
                },
                submitted_on: d(on),
                reason: reason.into(),
            }
            .into(),
        );
    }

    /// Our volume and the market's for a month, submitted on `on`.
    pub fn month(&mut self, month: &str, on: &str, ours: &str, market: &str) {
        self.report(
            month,
            on,
            Month {
                ours,
                market,
                ..Month::default()
            },
        );
    }

    /// A month as the distributor reports it, submitted on `on`.
    pub fn report(&mut self, month: &str, on: &str, m: Month<'_>) {
        let market = Cases::parse(m.market).unwrap();
        let line = m.line();
        let totals = MarketTotals {
            volume: market,
            revenue: Yuan::from_units(market.units() / 10),
            active_outlets: m.active_outlets,
        };
        self.submit_lines(month, on, vec![line], totals);
    }

    /// `lines` and the market's `totals` for `month`, first submitted on `on`.
    pub fn submit_lines(
        &mut self,
        month: &str,
        on: &str,
        lines: Vec<SkuLine>,
        totals: MarketTotals,
    ) {
        self.ev(
            Context::Information,
            on,
            InformationEvent::MarketDataSubmitted {
                month: ym(month),
                revision: 1,
                lines,
                market: totals,
                submitted_on: d(on),
            }
            .into(),
        );
    }

    /// SKU `sku` of `brand` in price class `class` at `guide` yuan, registered on `day`.
    pub fn register(&mut self, day: &str, brand: &str, sku: &str, class: u8, guide: &str) {
        self.ev(
            Context::Brand,
            day,
            BrandEvent::SkuRegistered {
                brand: brand.parse().unwrap(),
                sku: sku.parse().unwrap(),
                name: sku.into(),
                price_class: PriceClass::new(class).unwrap(),
                guide_price: Yuan::parse(guide).unwrap(),
            }
            .into(),
        );
    }

    /// The distributor's forecast of SKU `a` for a month.
    pub fn forecast(&mut self, month: &str, volume: &str) {
        self.ev(
            Context::Information,
            "2007-12-20",
            InformationEvent::DemandForecastSubmitted {
                month: ym(month),
                lines: vec![VolumeLine {
                    sku: "a".parse().unwrap(),
                    volume: Cases::parse(volume).unwrap(),
                }],
                submitted_on: d("2007-12-20"),
            }
            .into(),
        );
    }

    /// Every month of `year` with volume `ours` of a market of 1,000, sent on the 5th.
    pub fn year(&mut self, year: i32, ours: impl Fn(u8) -> u32) {
        for m in 1..=12u8 {
            let month = YearMonth::new(year, m).unwrap();
            let on = month.next().unwrap().first_day().add_days(4).unwrap();
            self.month(
                &month.to_string(),
                &on.to_string(),
                &ours(m).to_string(),
                "1000",
            );
        }
    }

    pub fn kpis(&self, period: &str, as_of: &str) -> Kpis {
        market_kpis(&self.model, Scope::Partnership, p(period), d(as_of))
    }

    /// An active 2008 plan with share targets (brand, period, share %).
    pub fn plan(&mut self, targets: &[(Option<&str>, &str, &str)]) {
        let targets: Vec<Target> = targets
            .iter()
            .map(|(brand, period, share)| Target {
                brand: brand.map(|b| b.parse().unwrap()),
                period: p(period),
                volume: None,
                revenue: None,
                volume_share: Some(Percent::parse(share).unwrap()),
            })
            .collect();
        self.plan_targets(targets);
    }

    /// An active 2008 plan with all-brands volume targets (period, cases).
    pub fn volume_plan(&mut self, targets: &[(&str, &str)]) {
        let targets: Vec<Target> = targets
            .iter()
            .map(|(period, cases)| Target {
                brand: None,
                period: p(period),
                volume: Some(Cases::parse(cases).unwrap()),
                revenue: None,
                volume_share: None,
            })
            .collect();
        self.plan_targets(targets);
    }

    fn plan_targets(&mut self, targets: Vec<Target>) {
        let plan = || "pl".parse().unwrap();
        let mut es: Vec<Event> = vec![
            StrategyEvent::PlanDrafted {
                plan: plan(),
                title: "t".into(),
                first_year: 2008,
                last_year: 2008,
            }
            .into(),
        ];
        for target in targets {
            es.push(
                StrategyEvent::PlanTargetSet {
                    plan: plan(),
                    target,
                }
                .into(),
            );
        }
        es.push(
            StrategyEvent::PlanActivated {
                plan: plan(),
                revision: 1,
            }
            .into(),
        );
        for e in es {
            self.ev(Context::Strategy, "2007-12-20", e);
        }
    }
}

pub fn get(k: &Kpis, key: &str) -> Option<String> {
    k.get(key)
        .unwrap_or_else(|| panic!("{key} missing from {k:?}"))
        .plain()
}

/// Twenty cigarette brands, long names among them, as a partnership that carries many.
pub const BRANDS: [&str; 20] = [
    "hongyun",
    "hongtashan",
    "yunyan",
    "baisha",
    "furongwang",
    "huangshan",
    "jiaozi",
    "huanghelou",
    "zhongnanhai",
    "yuxi",
    "liqun",
    "nanjing",
    "taishan",
    "hongjinlong",
    "jinsheng",
    "changbaishan",
    "diaoyutai",
    "zhonghua",
    "shuangxi",
    "hongqiqu",
];

/// A partnership selling one SKU of each of `brands` (the first sells most) from 2007-01 to
/// 2008-06 in a market of 100,000 cases a month, its share rising from about 22 % to 23 %,
/// with a 2008-H1 volume target per brand.
pub fn many_brands(brands: &[&str]) -> World {
    let mut w = World::empty();
    w.sign("2006-12-01");
    for brand in brands {
        w.ev(
            Context::Brand,
            "2006-12-01",
            BrandEvent::SkuRegistered {
                brand: brand.parse().unwrap(),
                sku: format!("{brand}-1").parse().unwrap(),
                name: format!("{brand} 1"),
                price_class: PriceClass::new(1).unwrap(),
                guide_price: Yuan::parse("10").unwrap(),
            }
            .into(),
        );
    }
    let n = i64::try_from(brands.len()).unwrap();
    // Whole cases a brand sells in month `m` (0 = 2007-01): the first brand sells most,
    // and every brand grows a little each month.
    let volume = |i: i64, m: i64| (2 * n - i) * 44_000 / (n * (3 * n + 1)) + m * (n - i) / 3;
    let months: Vec<YearMonth> = (1..=12)
        .map(|m| YearMonth::new(2007, m).unwrap())
        .chain((1..=6).map(|m| YearMonth::new(2008, m).unwrap()))
        .collect();
    for (m, month) in months.iter().enumerate() {
        let m = i64::try_from(m).unwrap();
        let lines = brands
            .iter()
            .enumerate()
            .map(|(i, brand)| {
                let v = Cases::parse(&volume(i64::try_from(i).unwrap(), m).to_string()).unwrap();
                SkuLine {
                    sku: format!("{brand}-1").parse().unwrap(),
                    volume: v,
                    revenue: Yuan::from_units(v.units() / 10),
                    closing_stock: Cases::parse("10").unwrap(),
                    outlets_stocking: 10,
                    outlets_selling: 5,
                    avg_retail_price: Yuan::parse("10").unwrap(),
                }
            })
            .collect();
        let on = month.next().unwrap().first_day().add_days(4).unwrap();
        w.ev(
            Context::Information,
            &on.to_string(),
            InformationEvent::MarketDataSubmitted {
                month: *month,
                revision: 1,
                lines,
                market: MarketTotals {
                    volume: Cases::parse("100000").unwrap(),
                    revenue: Yuan::parse("10000").unwrap(),
                    active_outlets: 100,
                },
                submitted_on: on,
            }
            .into(),
        );
    }
    let targets = brands
        .iter()
        .enumerate()
        .map(|(i, brand)| Target {
            brand: Some(brand.parse().unwrap()),
            period: p("2008-H1"),
            volume: Some(
                Cases::parse(&(volume(i64::try_from(i).unwrap(), 14) * 6 * 21 / 20).to_string())
                    .unwrap(),
            ),
            revenue: None,
            volume_share: None,
        })
        .collect();
    w.plan_targets(targets);
    w
}

/// The partnership of [`P`] between `m` and `d`, as a decision sees it.
pub fn view(terminated: bool) -> PartnershipView {
    PartnershipView {
        id: P.parse().unwrap(),
        manufacturer: "m".parse().unwrap(),
        distributor: "d".parse().unwrap(),
        terminated,
        time_zone: Default::default(),
    }
}

/// A decision by `org` in `role` on 2008-04-20.
pub fn ctx(org: &str, role: Role) -> DecisionContext {
    DecisionContext {
        principal: Principal::new(org.parse().unwrap(), role, "someone"),
        now: d("2008-04-20").start(),
        partnership: Some(view(false)),
        catalogue: Default::default(),
    }
}

pub fn manufacturer() -> DecisionContext {
    ctx("m", Role::Manufacturer)
}

pub fn distributor() -> DecisionContext {
    ctx("d", Role::Distributor)
}
