//! Fixtures: Hongyun and the Changzhi tobacco company launching a new product.
#![allow(dead_code)]

use std::collections::BTreeMap;

pub use synergy_domain::testing::literal::{brand, date, sku, ym as month};
use synergy_domain::{CatalogueView, DecisionContext, PartnershipView, Principal, SkuView};
use synergy_marketing::Command;
use synergy_proto::events::brand::PriceClass;
use synergy_proto::events::marketing::{CampaignOutcome, MarketingEvent};
use synergy_proto::{
    CampaignId, Cases, Date, Event, OrgId, OutletId, PartnershipId, Role, Side, TaskId, Yuan,
};

pub fn pid() -> PartnershipId {
    PartnershipId::new("hy-cz").unwrap()
}
pub fn cid() -> CampaignId {
    CampaignId::new("soft-launch").unwrap()
}
pub fn outlet(s: &str) -> OutletId {
    OutletId::new(s).unwrap()
}
pub fn task(s: &str) -> TaskId {
    TaskId::new(s).unwrap()
}
pub fn yuan(units: i64) -> Yuan {
    Yuan::from_units(units)
}
pub fn cases(units: i64) -> Cases {
    Cases::from_units(units)
}

pub const MANUFACTURER: &str = "hongyun";
pub const DISTRIBUTOR: &str = "changzhi";
/// Guide retail price of `hy-soft`: ¥100.00 per carton.
pub const SOFT_GUIDE: i64 = 10_000;

fn catalogue() -> CatalogueView {
    let mut skus = BTreeMap::new();
    let entry = |b: &str, name: &str, class: u8, guide: i64| SkuView {
        brand: brand(b),
        name: name.to_owned(),
        price_class: PriceClass::new(class).unwrap(),
        guide_price: yuan(guide),
    };
    skus.insert(
        sku("hy-soft"),
        entry("hongyun", "紅云 軟珍品", 2, SOFT_GUIDE),
    );
    skus.insert(sku("hy-hard"), entry("hongyun", "紅云 硬盒", 3, 8_000));
    skus.insert(sku("yy-1"), entry("yunyan", "云煙", 1, 20_000));
    CatalogueView { skus }
}

fn view(terminated: bool) -> PartnershipView {
    PartnershipView {
        id: pid(),
        manufacturer: OrgId::new(MANUFACTURER).unwrap(),
        distributor: OrgId::new(DISTRIBUTOR).unwrap(),
        terminated,
        time_zone: synergy_proto::TimeZone::default(),
    }
}

fn ctx_of(org: &str, role: Role) -> DecisionContext {
    DecisionContext {
        principal: Principal::new(OrgId::new(org).unwrap(), role, "tester"),
        now: date("2008-06-30").start(),
        partnership: Some(view(false)),
        catalogue: catalogue(),
    }
}

/// Acting as Hongyun's brand team.
pub fn manufacturer() -> DecisionContext {
    ctx_of(MANUFACTURER, Role::Manufacturer)
}
/// Acting as the Changzhi tobacco company.
pub fn distributor() -> DecisionContext {
    ctx_of(DISTRIBUTOR, Role::Distributor)
}
/// An operator acting on behalf of `org`.
pub fn admin_for(org: &str) -> DecisionContext {
    ctx_of(org, Role::Admin)
}
/// A third organisation that is no party of the partnership.
pub fn outsider() -> DecisionContext {
    ctx_of("other-co", Role::Distributor)
}
pub fn terminated(mut ctx: DecisionContext) -> DecisionContext {
    ctx.partnership = Some(view(true));
    ctx
}
pub fn without_partnership(mut ctx: DecisionContext) -> DecisionContext {
    ctx.partnership = None;
    ctx
}
pub fn without_sku(mut ctx: DecisionContext, s: &str) -> DecisionContext {
    ctx.catalogue.skus.remove(&sku(s));
    ctx
}
pub fn ctx_for(side: Side) -> DecisionContext {
    match side {
        Side::Manufacturer => manufacturer(),
        Side::Distributor => distributor(),
    }
}

// ---- commands ----

pub fn plan_cmd() -> Command {
    Command::PlanCampaign {
        partnership: pid(),
        campaign: cid(),
        title: "紅云軟珍品 上市".into(),
        brand: brand("hongyun"),
        skus: vec![sku("hy-soft"), sku("hy-hard")],
        starts_on: date("2008-05-01"),
        ends_on: date("2008-07-31"),
        activity_plan: "新品上市活動方案: 終端陳列, 消費者品吸".into(),
    }
}
pub fn assign_cmd(id: &str, side: Side) -> Command {
    Command::AssignTask {
        partnership: pid(),
        campaign: cid(),
        task: task(id),
        title: format!("task {id}"),
        side,
        due_on: date("2008-05-20"),
    }
}
pub fn complete_cmd(id: &str) -> Command {
    Command::CompleteTask {
        partnership: pid(),
        campaign: cid(),
        task: task(id),
        completed_on: date("2008-05-18"),
        note: "done".into(),
    }
}
pub fn dispatch_cmd(material: &str, quantity: u64) -> Command {
    Command::DispatchMaterials {
        partnership: pid(),
        campaign: cid(),
        material: material.into(),
        quantity,
        dispatched_on: date("2008-05-02"),
    }
}
pub fn receive_cmd(material: &str, quantity: u64) -> Command {
    Command::ReceiveMaterials {
        partnership: pid(),
        campaign: cid(),
        material: material.into(),
        quantity,
        received_on: date("2008-05-05"),
    }
}
pub fn select_cmd(outlets: &[&str]) -> Command {
    Command::SelectOutlets {
        partnership: pid(),
        campaign: cid(),
        outlets: outlets.iter().map(|o| outlet(o)).collect(),
    }
}
pub fn price_cmd(s: &str, observed: i64) -> Command {
    Command::CheckRetailPrice {
        partnership: pid(),
        campaign: cid(),
        sku: sku(s),
        outlet: outlet("o1"),
        observed_price: yuan(observed),
        checked_on: date("2008-06-10"),
    }
}
pub fn supply_cmd(s: &str, volume: i64) -> Command {
    Command::AllocateSupply {
        partnership: pid(),
        campaign: cid(),
        sku: sku(s),
        volume: cases(volume),
        allocated_on: date("2008-05-06"),
    }
}
pub fn launch_cmd() -> Command {
    Command::LaunchCampaign {
        partnership: pid(),
        campaign: cid(),
        launched_on: date("2008-05-10"),
    }
}
pub fn close_on(on: &str, outcome: CampaignOutcome, summary: &str) -> Command {
    Command::CloseCampaign {
        partnership: pid(),
        campaign: cid(),
        closed_on: date(on),
        outcome,
        summary: summary.into(),
    }
}
pub fn close_cmd(outcome: CampaignOutcome) -> Command {
    close_on("2008-06-30", outcome, "鋪貨率 85 %, 動銷良好")
}
/// Promise `uplift` cases (thousandths) of hy-soft over `first … last`, with `reason`.
pub fn promise_cmd(first: &str, last: &str, uplift: i64, reason: &str) -> Command {
    Command::PromiseUplift {
        partnership: pid(),
        campaign: cid(),
        skus: vec![sku("hy-soft")],
        first_month: month(first),
        last_month: month(last),
        uplift: cases(uplift),
        reason: reason.into(),
    }
}
/// `cmd`, a promise, with its SKUs set to `skus`.
pub fn promising(mut cmd: Command, list: &[&str]) -> Command {
    if let Command::PromiseUplift { skus, .. } = &mut cmd {
        *skus = list.iter().map(|s| sku(s)).collect();
    }
    cmd
}
/// `cmd` with the day it states something happened on set to `on`.
pub fn dated(mut cmd: Command, on: Date) -> Command {
    match &mut cmd {
        Command::CompleteTask {
            completed_on: d, ..
        }
        | Command::DispatchMaterials {
            dispatched_on: d, ..
        }
        | Command::ReceiveMaterials { received_on: d, .. }
        | Command::CheckRetailPrice { checked_on: d, .. }
        | Command::AllocateSupply {
            allocated_on: d, ..
        }
        | Command::LaunchCampaign { launched_on: d, .. }
        | Command::CloseCampaign { closed_on: d, .. } => *d = on,
        other => panic!("{other:?} states no day it happened on"),
    }
    cmd
}

// ---- events ----

pub fn ev(e: MarketingEvent) -> Event {
    Event::Marketing(e)
}
pub fn planned() -> Event {
    ev(MarketingEvent::CampaignPlanned {
        campaign: cid(),
        title: "紅云軟珍品 上市".into(),
        brand: brand("hongyun"),
        skus: vec![sku("hy-soft"), sku("hy-hard")],
        starts_on: date("2008-05-01"),
        ends_on: date("2008-07-31"),
        activity_plan: "新品上市活動方案: 終端陳列, 消費者品吸".into(),
    })
}
pub fn assigned(id: &str, side: Side) -> Event {
    ev(MarketingEvent::CampaignTaskAssigned {
        campaign: cid(),
        task: task(id),
        title: format!("task {id}"),
        side,
        due_on: date("2008-05-20"),
    })
}
pub fn completed(id: &str) -> Event {
    ev(MarketingEvent::CampaignTaskCompleted {
        campaign: cid(),
        task: task(id),
        completed_on: date("2008-05-18"),
        note: "done".into(),
    })
}
pub fn dispatched(material: &str, quantity: u64) -> Event {
    ev(MarketingEvent::MaterialsDispatched {
        campaign: cid(),
        material: material.into(),
        quantity,
        dispatched_on: date("2008-05-02"),
    })
}
pub fn received(material: &str, quantity: u64) -> Event {
    ev(MarketingEvent::MaterialsReceived {
        campaign: cid(),
        material: material.into(),
        quantity,
        received_on: date("2008-05-05"),
    })
}
pub fn selected(outlets: &[&str]) -> Event {
    ev(MarketingEvent::OutletsSelected {
        campaign: cid(),
        outlets: outlets.iter().map(|o| outlet(o)).collect(),
    })
}
pub fn price_checked(s: &str, observed: i64, guide: i64) -> Event {
    ev(MarketingEvent::RetailPriceChecked {
        campaign: cid(),
        sku: sku(s),
        outlet: outlet("o1"),
        observed_price: yuan(observed),
        guide_price: yuan(guide),
        checked_on: date("2008-06-10"),
    })
}
pub fn supplied(s: &str, volume: i64) -> Event {
    ev(MarketingEvent::SupplyAllocated {
        campaign: cid(),
        sku: sku(s),
        volume: cases(volume),
        allocated_on: date("2008-05-06"),
    })
}
pub fn launched() -> Event {
    ev(MarketingEvent::CampaignLaunched {
        campaign: cid(),
        launched_on: date("2008-05-10"),
    })
}
pub fn closed(outcome: CampaignOutcome) -> Event {
    ev(MarketingEvent::CampaignClosed {
        campaign: cid(),
        closed_on: date("2008-06-30"),
        outcome,
        summary: "鋪貨率 85 %, 動銷良好".into(),
    })
}

pub fn promised(first: &str, last: &str, uplift: i64, reason: Option<&str>) -> Event {
    ev(MarketingEvent::UpliftPromised {
        campaign: cid(),
        skus: vec![sku("hy-soft")],
        first_month: month(first),
        last_month: month(last),
        uplift: cases(uplift),
        reason: reason.map(str::to_owned),
    })
}

/// Planned, outlets selected, launched.
pub fn live() -> Vec<Event> {
    vec![planned(), selected(&["o1", "o2"]), launched()]
}

/// One command of every kind, each valid for a launched campaign by its proper side.
pub fn every_command() -> Vec<(Command, DecisionContext)> {
    vec![
        (plan_cmd(), manufacturer()),
        (assign_cmd("t9", Side::Distributor), manufacturer()),
        (complete_cmd("t1"), distributor()),
        (dispatch_cmd("posters", 1), manufacturer()),
        (receive_cmd("posters", 1), distributor()),
        (select_cmd(&["o9"]), distributor()),
        (price_cmd("hy-soft", SOFT_GUIDE), manufacturer()),
        (supply_cmd("hy-soft", 1_000), distributor()),
        (launch_cmd(), distributor()),
        (close_cmd(CampaignOutcome::Succeeded), manufacturer()),
        (
            promise_cmd("2008-05", "2008-07", 300_000, ""),
            manufacturer(),
        ),
    ]
}
