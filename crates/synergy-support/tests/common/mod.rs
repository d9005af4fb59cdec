//! Fixtures shared by the support context's tests: Hongyun and the Changzhi tobacco company
//! in partnership, principals of each side, and a decision context at a given instant.
#![allow(dead_code)] // each test file uses a different subset

pub use synergy_domain::testing::literal::date;
use synergy_domain::{CatalogueView, DecisionContext, PartnershipView, Principal};
use synergy_proto::events::support::{Attendee, MeetingKind, SupportEvent};
use synergy_proto::{
    ActionItemId, Event, MeetingId, OrgId, PartnershipId, Role, SupportRequestId, Timestamp,
};
use synergy_support::{Command, MeetingCommand};

pub fn pid() -> PartnershipId {
    PartnershipId::new("hongyun-changzhi").unwrap()
}

pub fn hongyun() -> OrgId {
    OrgId::new("hongyun").unwrap()
}

pub fn changzhi() -> OrgId {
    OrgId::new("changzhi-tobacco").unwrap()
}

pub fn view() -> PartnershipView {
    PartnershipView {
        id: pid(),
        manufacturer: hongyun(),
        distributor: changzhi(),
        terminated: false,
        time_zone: synergy_proto::TimeZone::default(),
    }
}

pub fn manufacturer() -> Principal {
    Principal::new(hongyun(), Role::Manufacturer, "li.brand")
}

pub fn distributor() -> Principal {
    Principal::new(changzhi(), Role::Distributor, "wang.sales")
}

/// An operator acting on behalf of the distributor.
pub fn admin_for_distributor() -> Principal {
    Principal::new(changzhi(), Role::Admin, "ops")
}

pub fn outsider() -> Principal {
    Principal::new(OrgId::new("yuxi").unwrap(), Role::Manufacturer, "zhao")
}

/// Midnight UTC of `day` plus `hours`.
pub fn at(day: &str, hours: i64) -> Timestamp {
    Timestamp::from_millis(date(day).start().millis() + hours * 3_600_000)
}

pub fn ctx_at(principal: Principal, now: Timestamp) -> DecisionContext {
    DecisionContext {
        principal,
        now,
        partnership: Some(view()),
        catalogue: CatalogueView::default(),
    }
}

/// A context on 2008-07-10, 09:00 UTC.
pub fn ctx(principal: Principal) -> DecisionContext {
    ctx_at(principal, at("2008-07-10", 9))
}

pub fn terminated(principal: Principal) -> DecisionContext {
    let mut c = ctx(principal);
    if let Some(v) = c.partnership.as_mut() {
        v.terminated = true;
    }
    c
}

pub fn no_partnership(principal: Principal) -> DecisionContext {
    let mut c = ctx(principal);
    c.partnership = None;
    c
}

pub fn mid(s: &str) -> MeetingId {
    MeetingId::new(s).unwrap()
}

pub fn aid(s: &str) -> ActionItemId {
    ActionItemId::new(s).unwrap()
}

pub fn rid(s: &str) -> SupportRequestId {
    SupportRequestId::new(s).unwrap()
}

/// Scheduling a training as `meeting`: no review period, no agenda.
pub fn schedule_training(meeting: &str, title: &str, on: &str) -> Command {
    MeetingCommand::Schedule {
        partnership: pid(),
        meeting: mid(meeting),
        kind: MeetingKind::Training,
        title: title.into(),
        scheduled_on: date(on),
        period: None,
        agenda: vec![],
    }
    .into()
}

/// Folds the support events among `events` with `evolve`, as the context folds an
/// aggregate's stream: events of other contexts are passed over.
pub fn fold_with<S: Default>(events: &[Event], evolve: fn(S, &SupportEvent) -> S) -> S {
    events.iter().fold(S::default(), |s, e| match e {
        Event::Support(e) => evolve(s, e),
        _ => s,
    })
}

pub fn ev(e: SupportEvent) -> Event {
    Event::Support(e)
}

pub fn attendee(org: OrgId, name: &str) -> Attendee {
    Attendee {
        org,
        name: name.to_owned(),
    }
}

/// One attendee of each side: what a regular review needs.
pub fn both_sides() -> Vec<Attendee> {
    vec![
        attendee(hongyun(), "Li Ming"),
        attendee(changzhi(), "Wang Fang"),
    ]
}
