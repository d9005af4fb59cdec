//! The Changzhi case from the seed (Hongyun × 長治市煙草專賣公司, signed 2007-12-18) as
//! monthly raw inputs: catalogue, plan targets, and the market-data submissions of
//! 2006-07 … 2008-06 — never as computed KPIs.
//!
//! The submissions add up to the golden inputs of `docs/kpis.md` (H1 2008: ours 15,300 cases /
//! ¥217,000,000, market 67,610 cases / ¥728,900,000; H1 2007: ours 11,800 cases /
//! ¥154,000,000), spread over five SKUs of two brands. 2008-03 is submitted late (on the
//! 12th of April) so the review pack has a data-late exception to show. The demo, the
//! benches and the golden tests all fold these same numbers.

use synergy_proto::events::brand::PriceClass;
use synergy_proto::events::information::{MarketTotals, SkuLine};
use synergy_proto::events::strategy::Target;
use synergy_proto::events::support::MeetingKind;
use synergy_proto::events::{BrandEvent, InformationEvent, StrategyEvent, SupportEvent};
use synergy_proto::{
    ActionItemId, Actor, AggregateId, BrandId, Cases, Commit, Context, Date, Event, MeetingId,
    OrgId, PartnershipId, Percent, Period, PlanId, RecordedEvent, Role, Side, SkuId, StreamId,
    Uuid, YearMonth, Yuan,
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

/// The second half of 2006, which the distributor loads with its 2007 history when the
/// partnership starts: with it 24 months are on record by 2008-06, which the share-gap
/// planner needs. Yunyan was introduced in September 2006, so July and August carry no
/// Yunyan sales. Their submission days do not matter: history loaded at signing is never
/// counted late.
pub const HISTORY_2006: [MonthRow; 6] = [
    MonthRow {
        year: 2006,
        month: 7,
        submitted_day: 15,
        market_volume_cases: 9174,
        market_revenue_yuan: 89584880,
        active_outlets: 5050,
        lines: [
            line("hongyun-classic", 116, 3263399, 125, 1620, 1360, 12434),
            line("hongyun-hard", 384, 6922316, 364, 2815, 2563, 8399),
            line("hongyun-soft", 603, 6467926, 497, 3570, 3029, 4769),
            line("yunyan-zhenpin", 0, 0, 0, 0, 0, 6678),
            line("yunyan-soft", 0, 0, 0, 0, 0, 3821),
        ],
    },
    MonthRow {
        year: 2006,
        month: 8,
        submitted_day: 15,
        market_volume_cases: 9605,
        market_revenue_yuan: 97381012,
        active_outlets: 5050,
        lines: [
            line("hongyun-classic", 133, 3448155, 150, 1683, 1453, 12957),
            line("hongyun-hard", 433, 7299742, 427, 2840, 2307, 8254),
            line("hongyun-soft", 616, 6265077, 783, 3786, 3401, 4978),
            line("yunyan-zhenpin", 0, 0, 0, 0, 0, 6827),
            line("yunyan-soft", 0, 0, 0, 0, 0, 3945),
        ],
    },
    MonthRow {
        year: 2006,
        month: 9,
        submitted_day: 15,
        market_volume_cases: 10580,
        market_revenue_yuan: 105608459,
        active_outlets: 5050,
        lines: [
            line("hongyun-classic", 133, 3736295, 115, 1619, 1316, 13045),
            line("hongyun-hard", 449, 8076273, 560, 2913, 2574, 8047),
            line("hongyun-soft", 699, 7421831, 655, 3720, 3047, 4967),
            line("yunyan-zhenpin", 144, 2103205, 176, 2185, 1831, 6951),
            line("yunyan-soft", 320, 2694762, 292, 3173, 2666, 3768),
        ],
    },
    MonthRow {
        year: 2006,
        month: 10,
        submitted_day: 15,
        market_volume_cases: 10267,
        market_revenue_yuan: 100198459,
        active_outlets: 5050,
        lines: [
            line("hongyun-classic", 123, 3224170, 143, 1569, 1369, 12949),
            line("hongyun-hard", 442, 7701331, 384, 2923, 2394, 8384),
            line("hongyun-soft", 684, 7076764, 683, 3826, 3098, 4919),
            line("yunyan-zhenpin", 152, 2194226, 156, 2074, 1792, 6616),
            line("yunyan-soft", 299, 2525456, 244, 2988, 2614, 3860),
        ],
    },
    MonthRow {
        year: 2006,
        month: 11,
        submitted_day: 15,
        market_volume_cases: 10250,
        market_revenue_yuan: 99745703,
        active_outlets: 5050,
        lines: [
            line("hongyun-classic", 145, 3961257, 121, 1697, 1558, 12256),
            line("hongyun-hard", 387, 7144311, 416, 2935, 2519, 8436),
            line("hongyun-soft", 715, 7430979, 743, 3695, 3301, 4755),
            line("yunyan-zhenpin", 155, 2247434, 125, 2106, 1744, 7018),
            line("yunyan-soft", 290, 2447293, 312, 3099, 2857, 3841),
        ],
    },
    MonthRow {
        year: 2006,
        month: 12,
        submitted_day: 15,
        market_volume_cases: 11317,
        market_revenue_yuan: 111381488,
        active_outlets: 5050,
        lines: [
            line("hongyun-classic", 148, 3953844, 191, 1677, 1364, 12704),
            line("hongyun-hard", 474, 8436854, 480, 2766, 2339, 8110),
            line("hongyun-soft", 741, 7572119, 869, 3559, 3075, 4780),
            line("yunyan-zhenpin", 157, 2285996, 148, 2106, 1899, 6675),
            line("yunyan-soft", 330, 2806148, 279, 3122, 2890, 3779),
        ],
    },
];

pub const MONTHS: [MonthRow; 18] = [
    MonthRow {
        year: 2007,
        month: 1,
        submitted_day: 6,
        market_volume_cases: 13039,
        market_revenue_yuan: 124831965,
        active_outlets: 5200,
        lines: [
            line("hongyun-classic", 185, 4826705, 228, 1732, 1490, 13052),
            line("hongyun-hard", 577, 9958782, 727, 3376, 2796, 8758),
            line("hongyun-soft", 947, 9646069, 930, 4084, 3731, 4895),
            line("yunyan-zhenpin", 277, 3812127, 277, 2324, 2140, 6795),
            line("yunyan-soft", 508, 4068841, 580, 3433, 2980, 3885),
        ],
    },
    MonthRow {
        year: 2007,
        month: 2,
        submitted_day: 9,
        market_volume_cases: 13970,
        market_revenue_yuan: 134741202,
        active_outlets: 5200,
        lines: [
            line("hongyun-classic", 175, 4660570, 196, 1904, 1727, 12920),
            line("hongyun-hard", 627, 11206702, 779, 3195, 2659, 8699),
            line("hongyun-soft", 956, 9584704, 851, 4091, 3524, 5061),
            line("yunyan-zhenpin", 337, 4765296, 270, 2290, 2025, 7130),
            line("yunyan-soft", 561, 4524986, 680, 3530, 2938, 4101),
        ],
    },
    MonthRow {
        year: 2007,
        month: 3,
        submitted_day: 8,
        market_volume_cases: 8804,
        market_revenue_yuan: 85055214,
        active_outlets: 5200,
        lines: [
            line("hongyun-classic", 112, 3118961, 98, 1758, 1450, 12831),
            line("hongyun-hard", 355, 6237251, 367, 3134, 2777, 8326),
            line("hongyun-soft", 629, 6733823, 577, 3906, 3538, 5051),
            line("yunyan-zhenpin", 211, 3002726, 197, 2288, 2055, 6937),
            line("yunyan-soft", 355, 2936418, 449, 3501, 3181, 3890),
        ],
    },
    MonthRow {
        year: 2007,
        month: 4,
        submitted_day: 8,
        market_volume_cases: 8881,
        market_revenue_yuan: 85070804,
        active_outlets: 5200,
        lines: [
            line("hongyun-classic", 120, 3338688, 116, 1829, 1640, 12829),
            line("hongyun-hard", 327, 6024915, 329, 3250, 2689, 8566),
            line("hongyun-soft", 652, 6742897, 711, 4244, 3678, 5052),
            line("yunyan-zhenpin", 196, 2904806, 177, 2309, 1897, 7096),
            line("yunyan-soft", 345, 2950604, 324, 3549, 3014, 4068),
        ],
    },
    MonthRow {
        year: 2007,
        month: 5,
        submitted_day: 6,
        market_volume_cases: 8702,
        market_revenue_yuan: 83555944,
        active_outlets: 5200,
        lines: [
            line("hongyun-classic", 109, 2995954, 128, 1761, 1509, 12639),
            line("hongyun-hard", 349, 5956769, 435, 3365, 2861, 8512),
            line("hongyun-soft", 597, 6013699, 567, 4093, 3870, 4955),
            line("yunyan-zhenpin", 219, 3202430, 232, 2335, 2066, 7082),
            line("yunyan-soft", 412, 3409599, 506, 3548, 3097, 3901),
        ],
    },
    MonthRow {
        year: 2007,
        month: 6,
        submitted_day: 4,
        market_volume_cases: 8754,
        market_revenue_yuan: 85144871,
        active_outlets: 5200,
        lines: [
            line("hongyun-classic", 116, 3128295, 133, 1831, 1585, 13377),
            line("hongyun-hard", 345, 6003918, 368, 3236, 3058, 8671),
            line("hongyun-soft", 594, 6007761, 655, 3980, 3740, 5137),
            line("yunyan-zhenpin", 202, 2893158, 242, 2331, 1943, 6812),
            line("yunyan-soft", 405, 3342546, 363, 3467, 3245, 3978),
        ],
    },
    MonthRow {
        year: 2007,
        month: 7,
        submitted_day: 9,
        market_volume_cases: 9865,
        market_revenue_yuan: 99538755,
        active_outlets: 5200,
        lines: [
            line("hongyun-classic", 135, 3912010, 145, 1800, 1546, 12819),
            line("hongyun-hard", 447, 8298149, 423, 3128, 2913, 8659),
            line("hongyun-soft", 701, 7753448, 578, 3967, 3442, 4916),
            line("yunyan-zhenpin", 250, 3831107, 207, 2423, 2141, 6885),
            line("yunyan-soft", 472, 4103505, 516, 3327, 2953, 3939),
        ],
    },
    MonthRow {
        year: 2007,
        month: 8,
        submitted_day: 4,
        market_volume_cases: 10328,
        market_revenue_yuan: 108201124,
        active_outlets: 5200,
        lines: [
            line("hongyun-classic", 155, 4133487, 175, 1870, 1651, 13358),
            line("hongyun-hard", 504, 8750590, 496, 3156, 2622, 8509),
            line("hongyun-soft", 716, 7510282, 910, 4207, 3865, 5132),
            line("yunyan-zhenpin", 249, 3589640, 290, 2229, 2001, 7038),
            line("yunyan-soft", 538, 4644301, 692, 3411, 2836, 4067),
        ],
    },
    MonthRow {
        year: 2007,
        month: 9,
        submitted_day: 6,
        market_volume_cases: 11376,
        market_revenue_yuan: 117342732,
        active_outlets: 5200,
        lines: [
            line("hongyun-classic", 155, 4478896, 134, 1799, 1496, 13448),
            line("hongyun-hard", 522, 9681459, 651, 3237, 2925, 8296),
            line("hongyun-soft", 813, 8896944, 762, 4133, 3462, 5121),
            line("yunyan-zhenpin", 261, 3942278, 320, 2428, 2081, 7166),
            line("yunyan-soft", 582, 5051101, 530, 3526, 3029, 3885),
        ],
    },
    MonthRow {
        year: 2007,
        month: 10,
        submitted_day: 8,
        market_volume_cases: 11040,
        market_revenue_yuan: 111331621,
        active_outlets: 5200,
        lines: [
            line("hongyun-classic", 143, 3864984, 166, 1743, 1556, 13349),
            line("hongyun-hard", 514, 9231996, 447, 3248, 2720, 8643),
            line("hongyun-soft", 795, 8483294, 794, 4251, 3521, 5071),
            line("yunyan-zhenpin", 276, 4112888, 283, 2304, 2036, 6821),
            line("yunyan-soft", 543, 4733751, 444, 3320, 2971, 3979),
        ],
    },
    MonthRow {
        year: 2007,
        month: 11,
        submitted_day: 9,
        market_volume_cases: 11022,
        market_revenue_yuan: 110828559,
        active_outlets: 5200,
        lines: [
            line("hongyun-classic", 169, 4748570, 141, 1886, 1771, 12635),
            line("hongyun-hard", 450, 8564266, 484, 3261, 2863, 8697),
            line("hongyun-soft", 831, 8907911, 864, 4106, 3751, 4902),
            line("yunyan-zhenpin", 281, 4212623, 227, 2340, 1982, 7235),
            line("yunyan-soft", 528, 4587240, 567, 3443, 3247, 3960),
        ],
    },
    MonthRow {
        year: 2007,
        month: 12,
        submitted_day: 7,
        market_volume_cases: 12169,
        market_revenue_yuan: 123757209,
        active_outlets: 5200,
        lines: [
            line("hongyun-classic", 172, 4739684, 222, 1863, 1550, 13097),
            line("hongyun-hard", 551, 10113707, 558, 3073, 2658, 8361),
            line("hongyun-soft", 862, 9077103, 1011, 3954, 3494, 4928),
            line("yunyan-zhenpin", 285, 4284903, 270, 2340, 2158, 6881),
            line("yunyan-soft", 600, 5259883, 508, 3469, 3284, 3896),
        ],
    },
    MonthRow {
        year: 2008,
        month: 1,
        submitted_day: 5,
        market_volume_cases: 13672,
        market_revenue_yuan: 146892228,
        active_outlets: 5350,
        lines: [
            line("hongyun-classic", 230, 6958058, 246, 1784, 1486, 13274),
            line("hongyun-hard", 624, 12024484, 783, 3215, 2997, 8677),
            line("hongyun-soft", 1118, 12874874, 1218, 4048, 3392, 5165),
            line("yunyan-zhenpin", 353, 5615585, 344, 2473, 2092, 6943),
            line("yunyan-soft", 717, 6420712, 885, 3429, 3019, 3924),
        ],
    },
    MonthRow {
        year: 2008,
        month: 2,
        submitted_day: 4,
        market_volume_cases: 15218,
        market_revenue_yuan: 164215630,
        active_outlets: 5350,
        lines: [
            line("hongyun-classic", 261, 7638068, 277, 1942, 1776, 13207),
            line("hongyun-hard", 763, 14163568, 971, 3288, 2829, 8408),
            line("hongyun-soft", 1222, 13400771, 1417, 4120, 3654, 5089),
            line("yunyan-zhenpin", 454, 6903821, 404, 2506, 2188, 7061),
            line("yunyan-soft", 761, 6871965, 635, 3590, 3151, 4076),
        ],
    },
    MonthRow {
        year: 2008,
        month: 3,
        submitted_day: 12,
        market_volume_cases: 9538,
        market_revenue_yuan: 101989792,
        active_outlets: 5350,
        lines: [
            line("hongyun-classic", 155, 4474639, 197, 1954, 1811, 12751),
            line("hongyun-hard", 482, 8996116, 552, 3431, 3020, 8716),
            line("hongyun-soft", 782, 8611883, 692, 3997, 3722, 5164),
            line("yunyan-zhenpin", 273, 4264738, 303, 2324, 2136, 6972),
            line("yunyan-soft", 481, 4215049, 527, 3376, 2859, 3945),
        ],
    },
    MonthRow {
        year: 2008,
        month: 4,
        submitted_day: 5,
        market_volume_cases: 9602,
        market_revenue_yuan: 102826113,
        active_outlets: 5350,
        lines: [
            line("hongyun-classic", 142, 4168003, 156, 1860, 1645, 13501),
            line("hongyun-hard", 497, 9377835, 610, 3355, 3115, 8630),
            line("hongyun-soft", 719, 8098397, 576, 4016, 3315, 5166),
            line("yunyan-zhenpin", 278, 4385564, 326, 2502, 2133, 7136),
            line("yunyan-soft", 515, 4437458, 662, 3357, 3028, 4061),
        ],
    },
    MonthRow {
        year: 2008,
        month: 5,
        submitted_day: 7,
        market_volume_cases: 9560,
        market_revenue_yuan: 102127924,
        active_outlets: 5350,
        lines: [
            line("hongyun-classic", 132, 4018497, 138, 1879, 1573, 12886),
            line("hongyun-hard", 489, 9699980, 619, 3382, 2986, 8726),
            line("hongyun-soft", 797, 8927696, 662, 4247, 3509, 4944),
            line("yunyan-zhenpin", 224, 3553507, 211, 2384, 2199, 7025),
            line("yunyan-soft", 505, 4540131, 432, 3609, 3171, 3941),
        ],
    },
    MonthRow {
        year: 2008,
        month: 6,
        submitted_day: 6,
        market_volume_cases: 10020,
        market_revenue_yuan: 110848313,
        active_outlets: 5350,
        lines: [
            line("hongyun-classic", 167, 4737990, 139, 1934, 1816, 12795),
            line("hongyun-hard", 478, 9016268, 537, 3466, 3068, 8460),
            line("hongyun-soft", 852, 9455470, 750, 4107, 3560, 5053),
            line("yunyan-zhenpin", 278, 4362937, 357, 2405, 2261, 7011),
            line("yunyan-soft", 551, 4785936, 564, 3439, 2907, 4128),
        ],
    },
];

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

/// Builds commits with deterministic ids and times, one aggregate stream per entity.
#[derive(Debug)]
pub struct CommitBuilder {
    partnership: PartnershipId,
    next_id: u128,
    versions: std::collections::BTreeMap<StreamId, u64>,
}

impl CommitBuilder {
    pub fn new(partnership: PartnershipId) -> Self {
        Self {
            partnership,
            next_id: 1,
            versions: std::collections::BTreeMap::new(),
        }
    }

    fn uuid(&mut self) -> Uuid {
        let id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | self.next_id);
        self.next_id += 1;
        id
    }

    /// One commit of `events` on `aggregate`, occurring (and recorded) on `day`.
    pub fn commit(
        &mut self,
        context: Context,
        aggregate: AggregateId,
        side: Side,
        day: Date,
        events: Vec<Event>,
    ) -> Commit {
        let stream = StreamId::new(context, self.partnership.clone(), aggregate);
        let version = self.versions.entry(stream.clone()).or_insert(0);
        let first_version = *version + 1;
        *version += events.len() as u64;
        let (org, role) = match side {
            Side::Manufacturer => (MANUFACTURER, Role::Manufacturer),
            Side::Distributor => (DISTRIBUTOR, Role::Distributor),
        };
        let at = day.start();
        let correlation_id = self.uuid();
        let commit_id = self.uuid();
        let events = events
            .into_iter()
            .map(|event| RecordedEvent {
                event_id: self.uuid(),
                occurred_at: at,
                event,
            })
            .collect();
        Commit {
            commit_id,
            stream,
            first_version,
            recorded_at: at,
            actor: Actor {
                org: id::<OrgId>(org),
                role,
                user: "changzhi-dataset".to_owned(),
            },
            correlation_id,
            causation_id: None,
            events,
        }
    }
}

/// The whole scenario as commits, in order: the catalogue (registered 2007-01-01 so that
/// 2007's figures have guide prices), the agreement of 2007-12-18 with its rulebooks, the
/// 2008–2010 plan signed by both sides, twenty-four monthly submissions, and the H1 review
/// meeting of 2008-07-15 with two action items.
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
    let mut signing: Vec<Event> = vec![
        StrategyEvent::PartnershipSigned {
            manufacturer: id(MANUFACTURER),
            distributor: id(DISTRIBUTOR),
            region: REGION.to_owned(),
            signed_on,
        }
        .into(),
    ];
    signing.extend(RULEBOOKS.iter().map(|t| {
        Event::from(StrategyEvent::RulebookAdopted {
            title: (*t).to_owned(),
            adopted_on: signed_on,
        })
    }));
    out.push(b.commit(
        Context::Strategy,
        AggregateId::singleton("partnership"),
        Side::Manufacturer,
        signed_on,
        signing,
    ));
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
    out.extend(review_meeting(&mut b));
    out
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
