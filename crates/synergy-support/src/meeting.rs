//! The meeting aggregate (`meeting:<id>`): a regular review (定期例會), an executive visit
//! (高層互訪) or a training, scheduled by either party and then either held — with its
//! attendees, minutes and decisions — or cancelled with a reason. Both ends are final.
//!
//! Date rules, and why:
//! - `scheduled_on` may lie in the past: partnerships back-fill the meetings they held
//!   before they used Synergy, and the review pack counts them.
//! - A meeting cannot be held before the day it was scheduled for. "Meetings held vs
//!   scheduled" is a scorecard figure, so the schedule must mean something; a meeting that
//!   was brought forward is cancelled ("brought forward") and scheduled again.
//! - A meeting cannot be recorded as held on a day that has not come yet (`ctx.now`).
//! - A regular review reviews a reporting period, which must have begun by the day the
//!   meeting is scheduled for: a review looks back, it does not plan.

use serde::{Deserialize, Serialize};
use synergy_domain::{DecisionContext, DomainError, PartnershipView};
use synergy_proto::events::support::{Attendee, MeetingKind, SupportEvent};
use synergy_proto::{Date, MeetingId, PartnershipId, Period, Side};

use crate::rules::{
    Decision, MAX_MINUTES_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS, Texts, acting_side, existing,
    first_time,
};

/// Every over-long text of a meeting is refused under this rule.
const TEXT: Texts = Texts::within_limit("meeting.text_within_limit");

/// The seed's review questions (創值銷售 review, "必須要解決以下問題"): the agenda a regular
/// review gets when it is scheduled without one.
pub const REVIEW_AGENDA: [&str; 8] = [
    "為什麼會贏，或者為什麼會輸 — why did we win, or why did we lose, after presenting our plan?",
    "所做的努力是否滿足了客戶的所有需求 — did our efforts meet all of the customer's needs?",
    "下一個目標是誰：現在客戶還是潛在客戶 — who is the next target: a current customer or a prospective one?",
    "我們把心思都放在了哪些客戶身上 — which customers have we put our attention on?",
    "我們的方案是不是獨一無二的 — is our plan unique?",
    "定價方案是不是考慮到了客戶最重視的部分 — does the pricing consider what the customer values most?",
    "客戶信息收集得如何 — how well have we gathered customer information?",
    "收集的信息是不是交給了需要的部門 — has the information gathered been shared with the departments that need it?",
];

/// What the meeting aggregate is asked to do. Either party may do any of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MeetingCommand {
    Schedule {
        partnership: PartnershipId,
        meeting: MeetingId,
        kind: MeetingKind,
        title: String,
        scheduled_on: Date,
        /// The reporting period a regular review reviews (required for one).
        period: Option<Period>,
        /// Empty for a regular review means [`REVIEW_AGENDA`].
        agenda: Vec<String>,
    },
    Hold {
        partnership: PartnershipId,
        meeting: MeetingId,
        held_on: Date,
        attendees: Vec<Attendee>,
        minutes: String,
        decisions: Vec<String>,
    },
    Cancel {
        partnership: PartnershipId,
        meeting: MeetingId,
        reason: String,
    },
}

impl MeetingCommand {
    synergy_domain::every_variant_has! {
        pub fn partnership -> PartnershipId: Schedule, Hold, Cancel
    }

    synergy_domain::every_variant_has! {
        pub fn meeting -> MeetingId: Schedule, Hold, Cancel
    }
}

/// A meeting as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Meeting {
    pub id: MeetingId,
    pub kind: MeetingKind,
    pub title: String,
    pub scheduled_on: Date,
    pub period: Option<Period>,
    pub agenda: Vec<String>,
    pub status: MeetingStatus,
}

/// Where a meeting stands. `Held` and `Cancelled` are final.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MeetingStatus {
    Scheduled,
    Held(HeldMeeting),
    Cancelled { reason: String },
}

/// What a held meeting recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeldMeeting {
    pub held_on: Date,
    pub attendees: Vec<Attendee>,
    pub minutes: String,
    pub decisions: Vec<String>,
}

impl Meeting {
    /// Scheduled and neither held nor cancelled yet.
    pub fn is_pending(&self) -> bool {
        matches!(self.status, MeetingStatus::Scheduled)
    }

    pub fn is_held(&self) -> bool {
        matches!(self.status, MeetingStatus::Held(_))
    }

    pub fn is_cancelled(&self) -> bool {
        matches!(self.status, MeetingStatus::Cancelled { .. })
    }

    /// The record of the meeting, once held.
    pub fn held(&self) -> Option<&HeldMeeting> {
        match &self.status {
            MeetingStatus::Held(held) => Some(held),
            _ => None,
        }
    }

    pub fn held_on(&self) -> Option<Date> {
        self.held().map(|h| h.held_on)
    }

    /// The decisions taken, empty unless held.
    pub fn decisions(&self) -> &[String] {
        self.held().map_or(&[], |h| h.decisions.as_slice())
    }

    /// The reason given, once cancelled.
    pub fn cancel_reason(&self) -> Option<&str> {
        match &self.status {
            MeetingStatus::Cancelled { reason } => Some(reason),
            _ => None,
        }
    }

    /// Still pending after the day it was scheduled for (as of `today`).
    pub fn is_overdue(&self, today: Date) -> bool {
        self.is_pending() && self.scheduled_on < today
    }

    fn describe_conclusion(&self) -> String {
        match &self.status {
            MeetingStatus::Scheduled => "is still to be held".to_owned(),
            MeetingStatus::Held(h) => format!("was already held on {}", h.held_on),
            MeetingStatus::Cancelled { reason } => format!("was cancelled ({reason})"),
        }
    }
}

/// The state of one meeting stream: nothing yet, or the meeting.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MeetingState {
    meeting: Option<Meeting>,
}

impl MeetingState {
    /// The meeting, once scheduled.
    pub fn meeting(&self) -> Option<&Meeting> {
        self.meeting.as_ref()
    }

    pub fn into_meeting(self) -> Option<Meeting> {
        self.meeting
    }

    pub fn decide(
        &self,
        command: MeetingCommand,
        ctx: &DecisionContext,
    ) -> Result<Vec<SupportEvent>, DomainError> {
        let (view, _) = acting_side(ctx, command.partnership())?;
        match command {
            MeetingCommand::Schedule {
                meeting,
                kind,
                title,
                scheduled_on,
                period,
                agenda,
                ..
            } => self.schedule(meeting, kind, &title, scheduled_on, period, &agenda),
            MeetingCommand::Hold {
                meeting,
                held_on,
                attendees,
                minutes,
                decisions,
                ..
            } => {
                let held = HeldMeeting {
                    held_on,
                    attendees,
                    minutes,
                    decisions,
                };
                self.hold(meeting, held, view, ctx.today())
            }
            MeetingCommand::Cancel {
                meeting, reason, ..
            } => self.cancel(meeting, &reason),
        }
    }

    fn schedule(
        &self,
        meeting: MeetingId,
        kind: MeetingKind,
        title: &str,
        scheduled_on: Date,
        period: Option<Period>,
        agenda: &[String],
    ) -> Decision {
        first_time(self.meeting.as_ref(), "meeting.schedule_once", |existing| {
            format!(
                "meeting {meeting} is already scheduled for {} and {}; schedule another meeting under a new id",
                existing.scheduled_on,
                existing.describe_conclusion()
            )
        })?;
        let title = TEXT.required(
            title,
            "meeting.title_required",
            "title",
            "the meeting's title",
            MAX_TITLE_CHARS,
        )?;
        check_period(kind, period, scheduled_on)?;
        let mut agenda = TEXT.required_each(
            agenda,
            "meeting.agenda_item_not_blank",
            "agenda",
            "agenda item",
            MAX_TEXT_CHARS,
        )?;
        if agenda.is_empty() && kind == MeetingKind::RegularReview {
            agenda = REVIEW_AGENDA.iter().map(|q| (*q).to_owned()).collect();
        }
        Ok(vec![SupportEvent::MeetingScheduled {
            meeting,
            kind,
            title,
            scheduled_on,
            period,
            agenda,
        }])
    }

    /// Records what the meeting was, as `held` gives it, on a day up to `today`.
    fn hold(
        &self,
        meeting: MeetingId,
        held: HeldMeeting,
        view: &PartnershipView,
        today: Date,
    ) -> Decision {
        let existing = self.pending(&meeting, "held")?;
        let held_on = held.held_on;
        if held_on < existing.scheduled_on {
            return Err(DomainError::invalid(
                "meeting.held_not_before_scheduled",
                "held_on",
                format!(
                    "meeting {meeting} is scheduled for {}; it cannot be held on {held_on}, before that. If it was brought forward, cancel it and schedule it again for the day it takes place",
                    existing.scheduled_on
                ),
            ));
        }
        if held_on > today {
            return Err(DomainError::invalid(
                "meeting.held_not_in_future",
                "held_on",
                format!(
                    "{held_on} has not come yet (today is {today}); record meeting {meeting} once it has taken place"
                ),
            ));
        }
        let attendees = check_attendees(held.attendees)?;
        if existing.kind == MeetingKind::RegularReview {
            check_both_sides_attend(&attendees, view)?;
        }
        let minutes = TEXT.required(
            &held.minutes,
            "meeting.minutes_required",
            "minutes",
            "the minutes of the meeting",
            MAX_MINUTES_CHARS,
        )?;
        let decisions = TEXT.required_each(
            &held.decisions,
            "meeting.decision_not_blank",
            "decisions",
            "decision",
            MAX_TEXT_CHARS,
        )?;
        Ok(vec![SupportEvent::MeetingHeld {
            meeting,
            held_on,
            attendees,
            minutes,
            decisions,
        }])
    }

    fn cancel(&self, meeting: MeetingId, reason: &str) -> Decision {
        self.pending(&meeting, "cancelled")?;
        let reason = TEXT.required(
            reason,
            "meeting.cancel_reason_required",
            "reason",
            "the reason for cancelling",
            MAX_TEXT_CHARS,
        )?;
        Ok(vec![SupportEvent::MeetingCancelled { meeting, reason }])
    }

    /// The meeting, which must be scheduled and not concluded, to be `action`.
    fn pending(&self, id: &MeetingId, action: &str) -> Result<&Meeting, DomainError> {
        let meeting = existing(self.meeting.as_ref(), "meeting.must_be_scheduled", || {
            format!("meeting {id} is not scheduled; schedule it before it can be {action}")
        })?;
        if !meeting.is_pending() {
            return Err(DomainError::state(
                "meeting.concluded_is_final",
                format!(
                    "meeting {id} {}; a held or cancelled meeting cannot be {action}",
                    meeting.describe_conclusion()
                ),
            ));
        }
        Ok(meeting)
    }

    /// The meeting an event of this stream is about.
    fn meeting_mut(&mut self, id: &MeetingId) -> Option<&mut Meeting> {
        self.meeting.as_mut().filter(|m| &m.id == id)
    }

    pub fn evolve(mut self, event: &SupportEvent) -> Self {
        match event {
            SupportEvent::MeetingScheduled {
                meeting,
                kind,
                title,
                scheduled_on,
                period,
                agenda,
            } if self.meeting.is_none() => {
                self.meeting = Some(Meeting {
                    id: meeting.clone(),
                    kind: *kind,
                    title: title.clone(),
                    scheduled_on: *scheduled_on,
                    period: *period,
                    agenda: agenda.clone(),
                    status: MeetingStatus::Scheduled,
                });
            }
            SupportEvent::MeetingHeld {
                meeting,
                held_on,
                attendees,
                minutes,
                decisions,
            } => {
                if let Some(m) = self.meeting_mut(meeting) {
                    m.status = MeetingStatus::Held(HeldMeeting {
                        held_on: *held_on,
                        attendees: attendees.clone(),
                        minutes: minutes.clone(),
                        decisions: decisions.clone(),
                    });
                }
            }
            SupportEvent::MeetingCancelled { meeting, reason } => {
                if let Some(m) = self.meeting_mut(meeting) {
                    m.status = MeetingStatus::Cancelled {
                        reason: reason.clone(),
                    };
                }
            }
            _ => {}
        }
        self
    }
}

/// A regular review is a joint meeting: someone of each side's organisation attends.
fn check_both_sides_attend(
    attendees: &[Attendee],
    view: &PartnershipView,
) -> Result<(), DomainError> {
    for (side, org) in [
        (Side::Manufacturer, &view.manufacturer),
        (Side::Distributor, &view.distributor),
    ] {
        if !attendees.iter().any(|a| &a.org == org) {
            return Err(DomainError::invalid(
                "meeting.review_attended_by_both_sides",
                "attendees",
                format!(
                    "a regular review is a joint meeting: list at least one attendee of the {side} ({org})"
                ),
            ));
        }
    }
    Ok(())
}

fn check_period(
    kind: MeetingKind,
    period: Option<Period>,
    scheduled_on: Date,
) -> Result<(), DomainError> {
    match period {
        None if kind == MeetingKind::RegularReview => Err(DomainError::invalid(
            "meeting.review_needs_period",
            "period",
            "a regular review reviews a reporting period; give the period, e.g. 2008-06 or 2008-Q2",
        )),
        None => Ok(()),
        Some(period) => {
            let begins = period.first_month().first_day();
            if begins > scheduled_on {
                Err(DomainError::invalid(
                    "meeting.period_begun_by_meeting",
                    "period",
                    format!(
                        "period {period} begins on {begins}, after the meeting on {scheduled_on}; a meeting reviews a period that has begun"
                    ),
                ))
            } else {
                Ok(())
            }
        }
    }
}

fn check_attendees(attendees: Vec<Attendee>) -> Result<Vec<Attendee>, DomainError> {
    if attendees.is_empty() {
        return Err(DomainError::invalid(
            "meeting.attendees_required",
            "attendees",
            "a held meeting lists who attended; give at least one attendee",
        ));
    }
    let mut recorded: Vec<Attendee> = Vec::with_capacity(attendees.len());
    for (i, attendee) in attendees.into_iter().enumerate() {
        let name = TEXT.required(
            &attendee.name,
            "meeting.attendee_named",
            &format!("attendees[{i}].name"),
            &format!("the name of attendee {}", i + 1),
            MAX_TITLE_CHARS,
        )?;
        if recorded
            .iter()
            .any(|a| a.org == attendee.org && a.name == name)
        {
            return Err(DomainError::invalid(
                "meeting.attendees_unique",
                format!("attendees[{i}]"),
                format!(
                    "{name} of {} is listed twice; list each attendee once",
                    attendee.org
                ),
            ));
        }
        recorded.push(Attendee {
            org: attendee.org,
            name,
        });
    }
    Ok(recorded)
}
