//! The read side: every meeting, action item and support request of one partnership,
//! folded from its support events (any order of streams, each stream in order), and the
//! counts the collaboration scorecard and the review pack are built from.
//!
//! The ledger reuses each aggregate's `evolve`, so a read never disagrees with a decision.
//! It holds current state: for a view as of an earlier day, fold only the events recorded
//! up to then.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use synergy_proto::events::support::{MeetingKind, SupportEvent};
use synergy_proto::{
    ActionItemId, Date, Event, MeetingId, Period, SupportRequestId, TimeZone, Timestamp,
};

use crate::action::{ActionItem, ActionItemState};
use crate::meeting::{Meeting, MeetingState};
use crate::request::{ResponseStatus, SupportRequest, SupportRequestState};

/// Meetings whose scheduled day falls in a period. Bucketing by the scheduled day keeps
/// `held + cancelled + pending == scheduled`, so "held vs scheduled" is a true ratio.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingCounts {
    pub scheduled: u32,
    pub held: u32,
    pub cancelled: u32,
    pub pending: u32,
    /// Regular reviews among `scheduled`, and how many of them were held.
    pub reviews_scheduled: u32,
    pub reviews_held: u32,
}

/// Action items as of a day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionCounts {
    pub raised: u32,
    pub open: u32,
    /// Open and past their due date (a subset of `open`).
    pub overdue: u32,
    pub closed: u32,
}

/// Support requests opened in a period, by their response against target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseCounts {
    pub opened: u32,
    pub on_time: u32,
    pub late: u32,
    pub overdue: u32,
    pub pending: u32,
    pub resolved: u32,
}

impl ResponseCounts {
    /// Requests whose response can be judged: answered, or past target unanswered. The
    /// denominator of the on-time ratio (`on_time ÷ due`); pending ones are not due yet.
    pub fn due(&self) -> u32 {
        self.on_time + self.late + self.overdue
    }
}

/// Everything the scorecard needs from the support context for one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupportOverview {
    pub period: Period,
    pub as_of: Timestamp,
    pub meetings: MeetingCounts,
    pub actions: ActionCounts,
    pub requests: ResponseCounts,
    /// The open action items for the review pack, earliest due first.
    pub open_actions: Vec<ActionItem>,
}

/// Every support aggregate of one partnership, by id.
#[derive(Debug, Clone, Default)]
pub struct SupportLedger {
    meetings: BTreeMap<MeetingId, MeetingState>,
    actions: BTreeMap<ActionItemId, ActionItemState>,
    requests: BTreeMap<SupportRequestId, SupportRequestState>,
}

fn fold<K: Ord + Clone, S: Default>(
    map: &mut BTreeMap<K, S>,
    key: &K,
    evolve: impl FnOnce(S) -> S,
) {
    let state = map.remove(key).unwrap_or_default();
    map.insert(key.clone(), evolve(state));
}

impl SupportLedger {
    pub fn new() -> Self {
        Self::default()
    }

    /// Folds the partnership's events; events of other contexts are skipped.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut ledger = Self::new();
        for e in synergy_proto::events::events_of(events) {
            ledger.apply(e);
        }
        ledger
    }

    pub fn apply(&mut self, event: &SupportEvent) {
        match event {
            SupportEvent::MeetingScheduled { meeting, .. }
            | SupportEvent::MeetingHeld { meeting, .. }
            | SupportEvent::MeetingCancelled { meeting, .. } => {
                fold(&mut self.meetings, meeting, |s| s.evolve(event));
            }
            SupportEvent::ActionItemRaised { item, .. }
            | SupportEvent::ActionItemProgressed { item, .. }
            | SupportEvent::ActionItemClosed { item, .. }
            | SupportEvent::ActionItemReopened { item, .. }
            | SupportEvent::RecommendationAccepted { item, .. }
            | SupportEvent::RecommendationDismissed { item, .. } => {
                fold(&mut self.actions, item, |s| s.evolve(event));
            }
            SupportEvent::SupportRequestOpened { request, .. }
            | SupportEvent::SupportRequestAcknowledged { request, .. }
            | SupportEvent::SupportRequestResolved { request, .. } => {
                fold(&mut self.requests, request, |s| s.evolve(event));
            }
        }
    }

    pub fn meeting(&self, id: &MeetingId) -> Option<&Meeting> {
        self.meetings.get(id).and_then(MeetingState::meeting)
    }

    /// Every scheduled meeting, by id.
    pub fn meetings(&self) -> impl Iterator<Item = &Meeting> {
        self.meetings.values().filter_map(MeetingState::meeting)
    }

    pub fn action_item(&self, id: &ActionItemId) -> Option<&ActionItem> {
        self.actions.get(id).and_then(ActionItemState::item)
    }

    /// Every raised action item, by id.
    pub fn action_items(&self) -> impl Iterator<Item = &ActionItem> {
        self.actions.values().filter_map(ActionItemState::item)
    }

    pub fn support_request(&self, id: &SupportRequestId) -> Option<&SupportRequest> {
        self.requests.get(id).and_then(SupportRequestState::request)
    }

    /// Every opened support request, by id.
    pub fn support_requests(&self) -> impl Iterator<Item = &SupportRequest> {
        self.requests
            .values()
            .filter_map(SupportRequestState::request)
    }

    /// Meetings scheduled for a day in `period`.
    pub fn meeting_counts(&self, period: Period) -> MeetingCounts {
        let mut c = MeetingCounts::default();
        for m in self
            .meetings()
            .filter(|m| period.contains(m.scheduled_on.year_month()))
        {
            let review = m.kind == MeetingKind::RegularReview;
            c.scheduled += 1;
            c.reviews_scheduled += u32::from(review);
            if m.is_held() {
                c.held += 1;
                c.reviews_held += u32::from(review);
            } else if m.is_cancelled() {
                c.cancelled += 1;
            } else {
                c.pending += 1;
            }
        }
        c
    }

    /// Every action item's standing as of `today`.
    pub fn action_counts(&self, today: Date) -> ActionCounts {
        let mut c = ActionCounts::default();
        for a in self.action_items() {
            c.raised += 1;
            if a.is_open() {
                c.open += 1;
                c.overdue += u32::from(a.is_overdue(today));
            } else {
                c.closed += 1;
            }
        }
        c
    }

    /// Support requests opened in `period` (the day of opening on the partnership's
    /// calendar, kept in `zone`), judged as of `now`.
    pub fn response_counts(
        &self,
        period: Period,
        now: Timestamp,
        zone: &TimeZone,
    ) -> ResponseCounts {
        let mut c = ResponseCounts::default();
        for r in self
            .support_requests()
            .filter(|r| period.contains(r.opened_at.date_in(zone).year_month()))
        {
            c.opened += 1;
            c.resolved += u32::from(r.resolved_at.is_some());
            match r.response(now) {
                ResponseStatus::OnTime => c.on_time += 1,
                ResponseStatus::Late => c.late += 1,
                ResponseStatus::Overdue => c.overdue += 1,
                ResponseStatus::Pending => c.pending += 1,
            }
        }
        c
    }

    /// The open action items, earliest due first (ties by id).
    pub fn open_action_items(&self) -> Vec<&ActionItem> {
        let mut open: Vec<&ActionItem> = self.action_items().filter(|a| a.is_open()).collect();
        open.sort_by(|a, b| a.due_on.cmp(&b.due_on).then_with(|| a.id.cmp(&b.id)));
        open
    }

    /// The support figures of `period`, with action items judged as of `as_of`, on the
    /// calendar of the partnership's time zone `zone`.
    pub fn overview(&self, period: Period, as_of: Timestamp, zone: &TimeZone) -> SupportOverview {
        SupportOverview {
            period,
            as_of,
            meetings: self.meeting_counts(period),
            actions: self.action_counts(as_of.date_in(zone)),
            requests: self.response_counts(period, as_of, zone),
            open_actions: self.open_action_items().into_iter().cloned().collect(),
        }
    }
}
