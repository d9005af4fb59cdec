//! 服務保障協同 — meetings, action items and support requests.

use serde::{Deserialize, Serialize};

use crate::events::evaluation::RecommendationRule;
use crate::ids::{ActionItemId, MeetingId, OrgId, SkuId, SupportRequestId};
use crate::period::Period;
use crate::principal::Side;
use crate::time::{Date, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MeetingKind {
    /// 定期例會 — the joint review meeting.
    RegularReview,
    /// 高層互訪 — an executive visit.
    ExecutiveVisit,
    Training,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attendee {
    pub org: OrgId,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Severity {
    Critical,
    High,
    Normal,
    Low,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Normal => "normal",
            Severity::Low => "low",
        }
    }
}

/// Events of the support context. Variants are only ever appended at the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SupportEvent {
    MeetingScheduled {
        meeting: MeetingId,
        kind: MeetingKind,
        title: String,
        scheduled_on: Date,
        /// The reporting period a review meeting reviews.
        period: Option<Period>,
        agenda: Vec<String>,
    },
    MeetingHeld {
        meeting: MeetingId,
        held_on: Date,
        attendees: Vec<Attendee>,
        minutes: String,
        decisions: Vec<String>,
    },
    MeetingCancelled {
        meeting: MeetingId,
        reason: String,
    },
    ActionItemRaised {
        item: ActionItemId,
        title: String,
        owner: Side,
        due_on: Date,
        meeting: Option<MeetingId>,
        raised_on: Date,
    },
    ActionItemProgressed {
        item: ActionItemId,
        note: String,
        progressed_on: Date,
    },
    ActionItemClosed {
        item: ActionItemId,
        note: String,
        closed_on: Date,
    },
    ActionItemReopened {
        item: ActionItemId,
        reason: String,
        due_on: Date,
        reopened_on: Date,
    },
    /// A support request from one side to the other, with the response-time target that
    /// applies to its severity, so evaluation can measure "on time".
    SupportRequestOpened {
        request: SupportRequestId,
        title: String,
        severity: Severity,
        requested_by: Side,
        opened_at: Timestamp,
        response_target_hours: u32,
    },
    SupportRequestAcknowledged {
        request: SupportRequestId,
        acknowledged_at: Timestamp,
    },
    SupportRequestResolved {
        request: SupportRequestId,
        resolved_at: Timestamp,
        resolution: String,
    },
    /// A party took up a period's recommendation: the action item `item`, raised in the
    /// same commit, carries it out. Its stream is the item's, so a recommendation is
    /// decided once.
    RecommendationAccepted {
        item: ActionItemId,
        period: Period,
        rule: RecommendationRule,
        sku: Option<SkuId>,
        by: Side,
    },
    /// A party decided not to act on a period's recommendation, and why. Recorded in the
    /// stream of the action item accepting it would have raised (`item`).
    RecommendationDismissed {
        item: ActionItemId,
        period: Period,
        rule: RecommendationRule,
        sku: Option<SkuId>,
        reason: String,
        by: Side,
        dismissed_on: Date,
    },
}
