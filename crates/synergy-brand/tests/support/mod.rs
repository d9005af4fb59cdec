//! Fixtures: the Hongyun–Changzhi partnership, its parties, and event builders.
#![allow(dead_code)]

use synergy_brand::{Command, SkuEntry};
pub use synergy_domain::testing::literal::{brand, date, org, period, sku};
use synergy_domain::{CatalogueView, DecisionContext, PartnershipView, Principal};
use synergy_proto::events::BrandEvent;
use synergy_proto::events::brand::{BrandStage, CultureActivityKind, PriceClass, Score};
use synergy_proto::{Date, Event, PartnershipId, Role, Yuan};

pub fn pid() -> PartnershipId {
    PartnershipId::new("hongyun-changzhi").unwrap()
}

pub fn yuan(s: &str) -> Yuan {
    Yuan::parse_signed(s).unwrap()
}

pub fn class(c: u8) -> PriceClass {
    PriceClass::new(c).unwrap()
}

pub fn view() -> PartnershipView {
    PartnershipView {
        id: pid(),
        manufacturer: org("hongyun"),
        distributor: org("changzhi"),
        terminated: false,
        time_zone: synergy_proto::TimeZone::default(),
    }
}

/// "Today" in every scenario: mid-July 2008, after the H1 2008 the seed reports on.
pub fn today() -> Date {
    date("2008-07-15")
}

pub fn ctx_as(org_id: &str, role: Role) -> DecisionContext {
    DecisionContext {
        principal: Principal::new(org(org_id), role, "test"),
        now: today().start(),
        partnership: Some(view()),
        catalogue: CatalogueView::default(),
    }
}

pub fn manufacturer() -> DecisionContext {
    ctx_as("hongyun", Role::Manufacturer)
}

pub fn distributor() -> DecisionContext {
    ctx_as("changzhi", Role::Distributor)
}

pub fn outsider() -> DecisionContext {
    ctx_as("yuxi", Role::Manufacturer)
}

pub fn terminated(mut ctx: DecisionContext) -> DecisionContext {
    if let Some(v) = ctx.partnership.as_mut() {
        v.terminated = true;
    }
    ctx
}

pub fn entry(b: &str, s: &str, name: &str, price_class: u8, guide: &str) -> SkuEntry {
    SkuEntry {
        brand: brand(b),
        sku: sku(s),
        name: name.to_owned(),
        price_class,
        guide_price: yuan(guide),
    }
}

pub fn register(entries: Vec<SkuEntry>) -> Command {
    Command::RegisterCatalogue {
        partnership: pid(),
        skus: entries,
    }
}

/// A catalogue of one line.
pub fn register_one(b: &str, s: &str, name: &str, price_class: u8, guide: &str) -> Command {
    register(vec![entry(b, s, name, price_class, guide)])
}

/// `BrandEvent::$variant` for one catalogue line: registration and update carry the same
/// fields, so both builders below share this one literal.
macro_rules! sku_event {
    ($variant:ident, $b:expr, $s:expr, $name:expr, $price_class:expr, $guide:expr) => {
        BrandEvent::$variant {
            brand: brand($b),
            sku: sku($s),
            name: $name.to_owned(),
            price_class: class($price_class),
            guide_price: yuan($guide),
        }
        .into()
    };
}

pub fn registered(b: &str, s: &str, name: &str, price_class: u8, guide: &str) -> Event {
    sku_event!(SkuRegistered, b, s, name, price_class, guide)
}

pub fn updated(b: &str, s: &str, name: &str, price_class: u8, guide: &str) -> Event {
    sku_event!(SkuUpdated, b, s, name, price_class, guide)
}

pub fn introduce(b: &str, on: &str) -> Command {
    Command::IntroduceBrand {
        partnership: pid(),
        brand: brand(b),
        introduced_on: date(on),
    }
}

pub fn introduced(b: &str, on: &str) -> Event {
    BrandEvent::BrandIntroduced {
        brand: brand(b),
        introduced_on: date(on),
    }
    .into()
}

pub fn change_stage(b: &str, to: BrandStage, on: &str, reason: &str) -> Command {
    Command::ChangeBrandStage {
        partnership: pid(),
        brand: brand(b),
        to,
        changed_on: date(on),
        reason: reason.to_owned(),
    }
}

pub fn stage_changed(b: &str, from: BrandStage, to: BrandStage, on: &str, reason: &str) -> Event {
    BrandEvent::BrandStageChanged {
        brand: brand(b),
        from,
        to,
        changed_on: date(on),
        reason: reason.to_owned(),
    }
    .into()
}

pub fn scores(items: &[(&str, u8)]) -> Vec<Score> {
    items
        .iter()
        .map(|(criterion, score)| Score {
            criterion: (*criterion).to_owned(),
            score: *score,
        })
        .collect()
}

pub fn evaluate(b: &str, p: &str, overall: u8, items: &[(&str, u8)], supersede: bool) -> Command {
    Command::EvaluateBrand {
        partnership: pid(),
        brand: brand(b),
        period: period(p),
        overall,
        scores: scores(items),
        comment: "monthly brand review".to_owned(),
        supersede,
    }
}

pub fn evaluated(b: &str, p: &str, overall: u8, items: &[(&str, u8)]) -> Event {
    BrandEvent::BrandEvaluated {
        brand: brand(b),
        period: period(p),
        overall,
        scores: scores(items),
        comment: "monthly brand review".to_owned(),
    }
    .into()
}

pub fn activity(
    b: Option<&str>,
    kind: CultureActivityKind,
    title: &str,
    on: &str,
    participants: u32,
) -> Command {
    Command::RecordCultureActivity {
        partnership: pid(),
        brand: b.map(brand),
        kind,
        title: title.to_owned(),
        held_on: date(on),
        participants,
    }
}

pub fn activity_held(
    b: Option<&str>,
    kind: CultureActivityKind,
    title: &str,
    on: &str,
    participants: u32,
) -> Event {
    BrandEvent::CultureActivityHeld {
        brand: b.map(brand),
        kind,
        title: title.to_owned(),
        held_on: date(on),
        participants,
    }
    .into()
}

/// Hongyun's catalogue with two brands, `hongyun` introduced in January 2008.
pub fn hongyun_in_market() -> Vec<Event> {
    vec![
        registered("hongyun", "hy-soft", "紅雲(軟)", 3, "95.00"),
        registered("hongyun", "hy-hard", "紅雲(硬)", 2, "130.00"),
        registered("honghe", "hh-88", "紅河(88)", 4, "65.00"),
        introduced("hongyun", "2008-01-10"),
    ]
}

/// [`hongyun_in_market`], then `hongyun` withdrawn straight from its introduction on `on`.
pub fn hongyun_withdrawn_on(on: &str) -> Vec<Event> {
    let mut history = hongyun_in_market();
    history.push(stage_changed(
        "hongyun",
        BrandStage::Introduction,
        BrandStage::Withdrawn,
        on,
        "delisted",
    ));
    history
}
