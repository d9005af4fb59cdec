//! The Changzhi case dataset: the seed's case (Hongyun × 長治市煙草專賣公司, signed
//! 2007-12-18) as monthly raw inputs — catalogue, plan targets, and the market-data
//! submissions of 2006-07 … 2008-06 — never as computed KPIs. The demo
//! (`crates/synergy/src/demo.rs`), the benches (`synergy-bench`) and the golden tests of
//! `synergy-evaluation` all fold these same numbers.
//!
//! The submissions add up to the golden inputs of `docs/kpis.md` (H1 2008: ours 15,300 cases /
//! ¥217,000,000, market 67,610 cases / ¥728,900,000; H1 2007: ours 11,800 cases /
//! ¥154,000,000), spread over five SKUs of two brands. 2008-03 is submitted late (on the
//! 12th of April) so the review pack has a data-late exception to show. Changzhi's written
//! analyses of 2008-05 and 2008-Q2 ([`ANALYSES`], the second revised once) give the pack
//! its distributor's analysis.
//!
//! Pure data: it depends on `synergy-proto` alone. The monthly rows are in `months`,
//! [`CommitBuilder`] (deterministic ids and times) in `builder`, and [`commits`] turns the
//! whole scenario into the commits a log would hold.

mod builder;
mod months;

pub use builder::CommitBuilder;
pub use months::{HISTORY_2006, MONTHS};

use synergy_proto::events::brand::PriceClass;
use synergy_proto::events::information::{MarketTotals, SkuLine};
use synergy_proto::events::strategy::Target;
use synergy_proto::events::support::MeetingKind;
use synergy_proto::events::{BrandEvent, InformationEvent, StrategyEvent, SupportEvent};
use synergy_proto::{
    ActionItemId, AggregateId, BrandId, Cases, Commit, Context, Date, Event, MeetingId,
    PartnershipId, Percent, Period, PlanId, Side, SkuId, YearMonth, Yuan,
};

pub const PARTNERSHIP: &str = "hongyun-changzhi";
pub const MANUFACTURER: &str = "hongyun";
pub const DISTRIBUTOR: &str = "changzhi-tobacco";
pub const REGION: &str = "山西省長治市";
pub const PLAN: &str = "changzhi-2008-2010";

/// The rulebooks (制度) the seed lists for the Changzhi agreement.
pub const RULEBOOKS: [&str; 7] = [
    "紅雲集團在長治市場三年發展規劃品牌培育方案",
    "紅雲集團品牌引入、培育、評價的管理制度",
    "定期例會、高層互訪機制",
    "市場調研、品牌評估實施方案",
    "企業與品牌文化宣傳及客戶經理參觀交流學習培訓制度",
    "信息平臺對接、網上配貨實行辦法",
    "市場預測及訂單組織貨源流程",
];

/// One catalogue entry: guide retail price per carton in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueRow {
    pub brand: &'static str,
    pub sku: &'static str,
    pub name: &'static str,
    pub price_class: u8,
    pub guide_price_fen: i64,
}

pub const CATALOGUE: [CatalogueRow; 5] = [
    CatalogueRow {
        brand: "hongyun",
        sku: "hongyun-classic",
        name: "紅雲(經典)",
        price_class: 1,
        guide_price_fen: 13_000,
    },
    CatalogueRow {
        brand: "hongyun",
        sku: "hongyun-hard",
        name: "紅雲(硬)",
        price_class: 2,
        guide_price_fen: 8_500,
    },
    CatalogueRow {
        brand: "hongyun",
        sku: "hongyun-soft",
        name: "紅雲(軟)",
        price_class: 3,
        guide_price_fen: 5_000,
    },
    CatalogueRow {
        brand: "yunyan",
        sku: "yunyan-zhenpin",
        name: "雲煙(珍品)",
        price_class: 2,
        guide_price_fen: 7_000,
    },
    CatalogueRow {
        brand: "yunyan",
        sku: "yunyan-soft",
        name: "雲煙(軟)",
        price_class: 3,
        guide_price_fen: 4_000,
    },
];

/// One SKU line of a month, in whole cases and whole yuan (retail price in fen/carton).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRow {
    pub sku: &'static str,
    pub volume_cases: i64,
    pub revenue_yuan: i64,
    pub closing_stock_cases: i64,
    pub outlets_stocking: u32,
    pub outlets_selling: u32,
    pub avg_retail_price_fen: i64,
}

const fn line(
    sku: &'static str,
    volume_cases: i64,
    revenue_yuan: i64,
    closing_stock_cases: i64,
    outlets_stocking: u32,
    outlets_selling: u32,
    avg_retail_price_fen: i64,
) -> LineRow {
    LineRow {
        sku,
        volume_cases,
        revenue_yuan,
        closing_stock_cases,
        outlets_stocking,
        outlets_selling,
        avg_retail_price_fen,
    }
}

/// One month's submission: SKU lines plus the market totals of all brands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthRow {
    pub year: i32,
    pub month: u8,
    /// Day of the following month the data was submitted.
    pub submitted_day: u8,
    pub market_volume_cases: i64,
    pub market_revenue_yuan: i64,
    pub active_outlets: u32,
    pub lines: [LineRow; 5],
}

// HISTORY_2006 and MONTHS, the monthly rows, are in `months`.

/// A plan target: `brand` None = all brands; whole cases and whole yuan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetRow {
    pub brand: Option<&'static str>,
    pub period: &'static str,
    pub volume_cases: i64,
    pub revenue_yuan: i64,
    /// Volume share in hundredths of a point (2_700 = 27.00 %), where the plan sets one.
    pub volume_share: Option<i64>,
}

pub const PLAN_TARGETS: [TargetRow; 6] = [
    TargetRow {
        brand: None,
        period: "2008-H1",
        volume_cases: 16_000,
        revenue_yuan: 225_000_000,
        volume_share: None,
    },
    TargetRow {
        brand: None,
        period: "2008-H2",
        volume_cases: 17_000,
        revenue_yuan: 240_000_000,
        volume_share: Some(2_700),
    },
    TargetRow {
        brand: Some("hongyun"),
        period: "2008-H1",
        volume_cases: 10_500,
        revenue_yuan: 150_000_000,
        volume_share: None,
    },
    TargetRow {
        brand: Some("yunyan"),
        period: "2008-H1",
        volume_cases: 5_500,
        revenue_yuan: 75_000_000,
        volume_share: None,
    },
    TargetRow {
        brand: None,
        period: "2009",
        volume_cases: 36_000,
        revenue_yuan: 520_000_000,
        volume_share: None,
    },
    TargetRow {
        brand: None,
        period: "2010",
        volume_cases: 40_000,
        revenue_yuan: 590_000_000,
        volume_share: None,
    },
];

/// One submission of Changzhi's written market and brand analysis (長治公司營銷中心的月度、
/// 季度市場和品牌分析報告), in Markdown, in the order they were sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalysisRow {
    /// A month or a quarter.
    pub period: &'static str,
    pub submitted_on: &'static str,
    pub text: &'static str,
    /// Why it revises the analysis in force; `None` for the first submission.
    pub reason: Option<&'static str>,
}

/// The May 2008 analysis, and the second quarter's, revised before the H1 review of
/// 2008-07-15. Their figures are the monthly submissions' (May: 2,147 of 9,560 cases;
/// Q2: 6,624 of 29,182) and the demo's campaign and price checks.
pub const ANALYSES: [AnalysisRow; 3] = [
    AnalysisRow {
        period: "2008-05",
        submitted_on: "2008-06-07",
        text: "## 2008年5月长治市场和品牌分析\n\n\
**总体**：红云集团卷烟本月销售2147箱，占全市场9560箱的约22.5%，与4月基本持平。\n\n\
**品牌**\n\n\
- 红云(软)：销量797箱，环比增长约11%，在4247户零售户上柜，动销良好。\n\
- 红云(硬)：春季终端推广进入第三个月，终端均价略高于指导价，需关注货源。\n\
- 云烟(珍品)：销量回落至224箱，建议下月加强客户经理推介。\n\n\
**下月措施**：10日前报送市场数据；配合红云做好红云(硬)的终端价格监测。",
        reason: None,
    },
    AnalysisRow {
        period: "2008-Q2",
        submitted_on: "2008-07-08",
        text: "## 2008年第二季度长治市场和品牌分析\n\n\
**总体**：二季度红云集团卷烟销售6624箱，占全市场29182箱的约22.7%；6月销量回升至2326箱。\n\n\
**渠道**：红云(硬)春季终端推广已于6月10日结束，所选零售户均已上柜。\n\n\
**下季度重点**：围绕下半年27%的份额目标，扩大红云(硬)的铺货面，稳定红云(软)的货源。",
        reason: None,
    },
    AnalysisRow {
        period: "2008-Q2",
        submitted_on: "2008-07-14",
        text: "## 2008年第二季度长治市场和品牌分析\n\n\
**总体**：二季度红云集团卷烟销售6624箱，占全市场29182箱的约22.7%；6月销量回升至2326箱。\n\n\
**渠道**：红云(硬)春季终端推广已于6月10日结束，所选零售户均已上柜。\n\n\
**价格**：5月抽查红云(硬)终端价格高于指导价8%以上，货源偏紧；6月10日抽查为84元/条，略低于85元的指导价，价格已回稳。\n\n\
**下季度重点**：围绕下半年27%的份额目标，扩大红云(硬)的铺货面，稳定红云(软)的货源。",
        reason: Some("补充二季度红云(硬)终端价格检查结果"),
    },
];

impl AnalysisRow {
    pub fn submission(&self) -> InformationEvent {
        InformationEvent::AnalysisSubmitted {
            period: id(self.period),
            revision: ANALYSES
                .iter()
                .take_while(|a| a != &self)
                .filter(|a| a.period == self.period)
                .count() as u32
                + 1,
            text: self.text.to_owned(),
            submitted_on: id(self.submitted_on),
            reason: self.reason.map(str::to_owned),
        }
    }
}

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().expect("the Changzhi dataset holds valid ids")
}

fn cases(whole: i64) -> Cases {
    Cases::from_whole(whole).expect("dataset volumes are small")
}

fn yuan(whole: i64) -> Yuan {
    Yuan::from_whole(whole).expect("dataset amounts are small")
}

fn date(y: i32, m: u8, d: u8) -> Date {
    Date::new(y, m, d).expect("dataset dates are valid")
}

impl MonthRow {
    pub fn year_month(&self) -> YearMonth {
        YearMonth::new(self.year, self.month).expect("dataset months are valid")
    }

    pub fn submitted_on(&self) -> Date {
        let next = self
            .year_month()
            .next()
            .expect("inside the supported years");
        date(next.year(), next.month(), self.submitted_day)
    }

    pub fn sku_lines(&self) -> Vec<SkuLine> {
        self.lines
            .iter()
            .map(|l| SkuLine {
                sku: id(l.sku),
                volume: cases(l.volume_cases),
                revenue: yuan(l.revenue_yuan),
                closing_stock: cases(l.closing_stock_cases),
                outlets_stocking: l.outlets_stocking,
                outlets_selling: l.outlets_selling,
                avg_retail_price: Yuan::from_units(l.avg_retail_price_fen),
            })
            .collect()
    }

    pub fn market(&self) -> MarketTotals {
        MarketTotals {
            volume: cases(self.market_volume_cases),
            revenue: yuan(self.market_revenue_yuan),
            active_outlets: self.active_outlets,
        }
    }

    /// The first submission of this month (revision 1).
    pub fn submission(&self) -> InformationEvent {
        InformationEvent::MarketDataSubmitted {
            month: self.year_month(),
            revision: 1,
            lines: self.sku_lines(),
            market: self.market(),
            submitted_on: self.submitted_on(),
        }
    }
}

impl CatalogueRow {
    pub fn registration(&self) -> BrandEvent {
        BrandEvent::SkuRegistered {
            brand: id(self.brand),
            sku: id(self.sku),
            name: self.name.to_owned(),
            price_class: PriceClass::new(self.price_class).expect("dataset classes are 1..=5"),
            guide_price: Yuan::from_units(self.guide_price_fen),
        }
    }
}

impl TargetRow {
    pub fn target(&self) -> Target {
        Target {
            brand: self.brand.map(id::<BrandId>),
            period: id::<Period>(self.period),
            volume: Some(cases(self.volume_cases)),
            revenue: Some(yuan(self.revenue_yuan)),
            volume_share: self.volume_share.map(Percent::from_units),
        }
    }
}

/// The whole scenario as commits, in order: the catalogue (registered 2007-01-01 so that
/// 2007's figures have guide prices), the agreement of 2007-12-18 with its rulebooks, the
/// 2008–2010 plan signed by both sides, twenty-four monthly submissions, Changzhi's
/// follow-up of Q1's data.late recommendation, the H1 review meeting of 2008-07-15 with
/// two action items, and Changzhi's analyses (last, so the commits before them keep their
/// ids).
pub fn commits() -> Vec<Commit> {
    let partnership: PartnershipId = id(PARTNERSHIP);
    let mut b = CommitBuilder::new(partnership);
    let mut out = Vec::new();
    let brand_day = date(2007, 1, 1);
    for row in &CATALOGUE {
        out.push(b.commit(
            Context::Brand,
            AggregateId::compose("sku", row.sku),
            Side::Manufacturer,
            brand_day,
            vec![row.registration().into()],
        ));
    }
    for (brand, on) in [("hongyun", date(2006, 3, 1)), ("yunyan", date(2006, 9, 1))] {
        out.push(b.commit(
            Context::Brand,
            AggregateId::compose("brand", brand),
            Side::Manufacturer,
            brand_day,
            vec![
                BrandEvent::BrandIntroduced {
                    brand: id(brand),
                    introduced_on: on,
                }
                .into(),
            ],
        ));
    }
    let signed_on = date(2007, 12, 18);
    out.push(b.signing(REGION.to_owned(), signed_on));
    let plan: PlanId = id(PLAN);
    let mut plan_events: Vec<Event> = vec![
        StrategyEvent::PlanDrafted {
            plan: plan.clone(),
            title: "紅雲集團在長治市場三年發展規劃".to_owned(),
            first_year: 2008,
            last_year: 2010,
        }
        .into(),
    ];
    plan_events.extend(PLAN_TARGETS.iter().map(|t| {
        Event::from(StrategyEvent::PlanTargetSet {
            plan: plan.clone(),
            target: t.target(),
        })
    }));
    plan_events.push(
        StrategyEvent::PlanSubmitted {
            plan: plan.clone(),
            revision: 1,
        }
        .into(),
    );
    for (side, org) in [
        (Side::Manufacturer, MANUFACTURER),
        (Side::Distributor, DISTRIBUTOR),
    ] {
        plan_events.push(
            StrategyEvent::PlanSigned {
                plan: plan.clone(),
                revision: 1,
                side,
                signed_by: id(org),
                signed_on,
            }
            .into(),
        );
    }
    plan_events.push(
        StrategyEvent::PlanActivated {
            plan: plan.clone(),
            revision: 1,
        }
        .into(),
    );
    out.push(b.commit(
        Context::Strategy,
        AggregateId::compose("plan", PLAN),
        Side::Manufacturer,
        signed_on,
        plan_events,
    ));
    for m in HISTORY_2006.iter().chain(&MONTHS) {
        out.push(b.commit(
            Context::Information,
            AggregateId::compose("market", &m.year_month().to_string()),
            Side::Distributor,
            m.submitted_on(),
            vec![m.submission().into()],
        ));
    }
    out.extend(q1_follow_up(&mut b));
    out.extend(review_meeting(&mut b));
    for a in &ANALYSES {
        out.push(b.commit(
            Context::Information,
            AggregateId::compose("analysis", a.period),
            Side::Distributor,
            id(a.submitted_on),
            vec![a.submission().into()],
        ));
    }
    out
}

/// The action item Changzhi raises on 2008-04-20 from Q1's `data.late` recommendation.
pub const Q1_FOLLOW_UP_TITLE: &str = "每月10日前報送上月數據：指定數據專人";
/// Its closing note of 2008-05-08.
pub const Q1_FOLLOW_UP_NOTE: &str = "4月數據已於5月6日報送";

/// 提升 after Q1: Changzhi accepts the `data.late` recommendation (2008-03 came on 12
/// April) as action item `rec-2008-Q1-data-late`, due 2008-05-10, and closes it on
/// 2008-05-08 with April's data in on time.
fn q1_follow_up(b: &mut CommitBuilder) -> Vec<Commit> {
    use synergy_proto::events::evaluation::RecommendationRule;
    let item: ActionItemId = id("rec-2008-Q1-data-late");
    let aggregate = AggregateId::compose("action", item.as_str());
    let raised_on = date(2008, 4, 20);
    let closed_on = date(2008, 5, 8);
    vec![
        b.commit(
            Context::Support,
            aggregate.clone(),
            Side::Distributor,
            raised_on,
            vec![
                SupportEvent::ActionItemRaised {
                    item: item.clone(),
                    title: Q1_FOLLOW_UP_TITLE.to_owned(),
                    owner: Side::Distributor,
                    due_on: date(2008, 5, 10),
                    meeting: None,
                    raised_on,
                }
                .into(),
                SupportEvent::RecommendationAccepted {
                    item: item.clone(),
                    period: id("2008-Q1"),
                    rule: RecommendationRule::DataLate,
                    sku: None,
                    by: Side::Distributor,
                }
                .into(),
            ],
        ),
        b.commit(
            Context::Support,
            aggregate,
            Side::Distributor,
            closed_on,
            vec![
                SupportEvent::ActionItemClosed {
                    item,
                    note: Q1_FOLLOW_UP_NOTE.to_owned(),
                    closed_on,
                }
                .into(),
            ],
        ),
    ]
}

/// The joint review of 2008-H1: scheduled, held, and two action items raised.
fn review_meeting(b: &mut CommitBuilder) -> Vec<Commit> {
    let meeting: MeetingId = id("review-2008-h1");
    let held_on = date(2008, 7, 15);
    let mut out = vec![b.commit(
        Context::Support,
        AggregateId::compose("meeting", meeting.as_str()),
        Side::Manufacturer,
        date(2008, 7, 1),
        vec![
            SupportEvent::MeetingScheduled {
                meeting: meeting.clone(),
                kind: MeetingKind::RegularReview,
                title: "2008年上半年銷售例會".to_owned(),
                scheduled_on: held_on,
                period: Some(id("2008-H1")),
                agenda: vec![
                    "為什麼會贏，或者為什麼會輸".to_owned(),
                    "下一個目標".to_owned(),
                ],
            }
            .into(),
        ],
    )];
    out.push(b.commit(
        Context::Support,
        AggregateId::compose("meeting", meeting.as_str()),
        Side::Manufacturer,
        held_on,
        vec![
            SupportEvent::MeetingHeld {
                meeting: meeting.clone(),
                held_on,
                attendees: Vec::new(),
                minutes: "H1 volume 15,300 cases, up on 2007; 2008-03 data was late.".to_owned(),
                decisions: vec![
                    "Submit monthly data by the 10th".to_owned(),
                    "Extend 紅雲(硬) to more outlets".to_owned(),
                ],
            }
            .into(),
        ],
    ));
    for (item, title, owner, due) in [
        (
            "ai-2008-07-data",
            "Monthly data by the 10th: name a data owner",
            Side::Distributor,
            date(2008, 7, 31),
        ),
        (
            "ai-2008-07-outlets",
            "Plan 紅雲(硬) coverage in 200 more outlets",
            Side::Manufacturer,
            date(2008, 8, 31),
        ),
    ] {
        out.push(b.commit(
            Context::Support,
            AggregateId::compose("action", item),
            owner,
            held_on,
            vec![
                SupportEvent::ActionItemRaised {
                    item: id::<ActionItemId>(item),
                    title: title.to_owned(),
                    owner,
                    due_on: due,
                    meeting: Some(meeting.clone()),
                    raised_on: held_on,
                }
                .into(),
            ],
        ));
    }
    out
}

/// The SKU ids of the catalogue.
pub fn skus() -> Vec<SkuId> {
    CATALOGUE.iter().map(|r| id(r.sku)).collect()
}
