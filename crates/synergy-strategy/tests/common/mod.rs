//! Fixtures shared by the strategy tests: Hongyun and the Changzhi tobacco company, a
//! three-year plan, and decision contexts for each kind of principal.
#![allow(dead_code)]

use std::collections::BTreeMap;

pub use synergy_domain::testing::literal::{brand, date, period};
use synergy_domain::{CatalogueView, DecisionContext, Principal, SkuView, testing};
use synergy_proto::{
    Cases, Event, OrgId, PartnershipId, Percent, PlanId, Role, Side, SkuId, Yuan,
    events::brand::PriceClass,
    events::strategy::{StrategyEvent, Target},
};

pub fn partnership() -> PartnershipId {
    PartnershipId::new("hongyun-changzhi").unwrap()
}
pub fn manufacturer() -> OrgId {
    OrgId::new("hongyun").unwrap()
}
pub fn distributor() -> OrgId {
    OrgId::new("changzhi").unwrap()
}
pub fn outsider() -> OrgId {
    OrgId::new("yuxi").unwrap()
}
pub fn plan_id() -> PlanId {
    PlanId::new("plan-2008-2010").unwrap()
}
pub fn other_plan_id() -> PlanId {
    PlanId::new("plan-2010-2012").unwrap()
}
pub fn cases(s: &str) -> Cases {
    Cases::parse(s).unwrap()
}
pub fn yuan(s: &str) -> Yuan {
    Yuan::parse(s).unwrap()
}
pub fn pct(s: &str) -> Percent {
    Percent::parse(s).unwrap()
}

pub const SIGNED_ON: &str = "2007-12-18";
pub const TODAY: &str = "2008-07-10";

/// The catalogue holds SKUs of two brands: `hongyun` and `honghe`.
pub fn catalogue() -> CatalogueView {
    let mut skus = BTreeMap::new();
    for (sku, b) in [("hongyun-soft", "hongyun"), ("honghe-hard", "honghe")] {
        skus.insert(
            SkuId::new(sku).unwrap(),
            SkuView {
                brand: brand(b),
                name: sku.to_owned(),
                price_class: PriceClass::new(2).unwrap(),
                guide_price: yuan("230.00"),
            },
        );
    }
    CatalogueView { skus }
}

pub fn ctx_as(org: OrgId, role: Role) -> DecisionContext {
    DecisionContext {
        principal: Principal::new(org, role, "tester"),
        now: date(TODAY).start(),
        // Strategy decides from its own fold; the runtime's view must not be needed.
        partnership: None,
        catalogue: catalogue(),
    }
}
pub fn as_manufacturer() -> DecisionContext {
    ctx_as(manufacturer(), Role::Manufacturer)
}
pub fn as_distributor() -> DecisionContext {
    ctx_as(distributor(), Role::Distributor)
}
pub fn as_outsider() -> DecisionContext {
    ctx_as(outsider(), Role::Manufacturer)
}
pub fn as_admin_for(org: OrgId) -> DecisionContext {
    ctx_as(org, Role::Admin)
}

pub fn ev(e: StrategyEvent) -> Event {
    Event::Strategy(e)
}

/// `history` followed by `more`.
pub fn with(mut history: Vec<Event>, more: impl IntoIterator<Item = Event>) -> Vec<Event> {
    history.extend(more);
    history
}

pub fn signed() -> Vec<Event> {
    vec![ev(StrategyEvent::PartnershipSigned {
        manufacturer: manufacturer(),
        distributor: distributor(),
        region: "長治".to_owned(),
        signed_on: date(SIGNED_ON),
    })]
}

pub fn terminated() -> Vec<Event> {
    let mut h = signed();
    h.push(ev(StrategyEvent::PartnershipTerminated {
        reason: "agreement expired".to_owned(),
        terminated_on: date("2008-06-30"),
    }));
    h
}

pub fn drafted_event(plan: PlanId, first_year: i32, last_year: i32) -> Event {
    ev(StrategyEvent::PlanDrafted {
        plan,
        title: "三年發展規劃".to_owned(),
        first_year,
        last_year,
    })
}

pub fn volume_target(b: Option<&str>, p: &str, v: &str) -> Target {
    Target {
        brand: b.map(brand),
        period: period(p),
        volume: Some(cases(v)),
        revenue: None,
        volume_share: None,
    }
}

pub fn target_set(plan: PlanId, target: Target) -> Event {
    ev(StrategyEvent::PlanTargetSet { plan, target })
}

/// Signed partnership plus a drafted 2008–2010 plan with one target.
pub fn draft_with_target() -> Vec<Event> {
    let mut h = signed();
    h.push(drafted_event(plan_id(), 2008, 2010));
    h.push(target_set(plan_id(), volume_target(None, "2008", "30000")));
    h
}

pub fn plan_submitted(plan: PlanId, revision: u32) -> Event {
    ev(StrategyEvent::PlanSubmitted { plan, revision })
}

pub fn plan_activated(plan: PlanId, revision: u32) -> Event {
    ev(StrategyEvent::PlanActivated { plan, revision })
}

/// `plan_id()` revised to `revision`.
pub fn plan_revised(revision: u32, reason: &str) -> Event {
    ev(StrategyEvent::PlanRevised {
        plan: plan_id(),
        revision,
        reason: reason.to_owned(),
    })
}

pub fn submitted() -> Vec<Event> {
    with(draft_with_target(), [plan_submitted(plan_id(), 1)])
}

pub fn signed_by(plan: PlanId, revision: u32, side: Side) -> Event {
    let signed_by = match side {
        Side::Manufacturer => manufacturer(),
        Side::Distributor => distributor(),
    };
    ev(StrategyEvent::PlanSigned {
        plan,
        revision,
        side,
        signed_by,
        signed_on: date("2008-01-05"),
    })
}

/// Revision 1 of `plan` submitted, signed by both sides and so activated.
pub fn approval(plan: PlanId) -> [Event; 4] {
    [
        plan_submitted(plan.clone(), 1),
        signed_by(plan.clone(), 1, Side::Manufacturer),
        signed_by(plan.clone(), 1, Side::Distributor),
        plan_activated(plan, 1),
    ]
}

/// The 2008–2010 plan, active at revision 1.
pub fn active() -> Vec<Event> {
    with(draft_with_target(), approval(plan_id()))
}

pub fn given(history: Vec<Event>, ctx: DecisionContext) -> testing::Scenario {
    testing::given(history, ctx)
}
