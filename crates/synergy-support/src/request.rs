//! The support request aggregate (`request:<id>`): one side asks the other for help, with a
//! severity; the other side acknowledges and resolves it. The response-time target of the
//! severity is written into the opening event, so the scorecard measures each request
//! against the target that applied when it was opened, even if the table changes later.
//!
//! Decisions:
//! - The opener's side is `requested_by`; only the other side responds (acknowledges,
//!   resolves) — a side cannot answer its own request.
//! - Resolving an unacknowledged request acknowledges it in the same commit: a fix is the
//!   fullest response, and the response time is then the time to the fix.
//! - Every instant is `ctx.now`; none comes from the command, so response times cannot be
//!   typed in.

use serde::{Deserialize, Serialize};
use synergy_domain::{DecisionContext, DomainError};
use synergy_proto::events::support::{Severity, SupportEvent};
use synergy_proto::{PartnershipId, Side, SupportRequestId, Timestamp};

use crate::rules::{
    Decision, MAX_TEXT_CHARS, MAX_TITLE_CHARS, Texts, acting_side, existing, first_time, not_before,
};

/// Every over-long text of a support request is refused under this rule.
const TEXT: Texts = Texts::within_limit("request.text_within_limit");

const MILLIS_PER_HOUR: i64 = 3_600_000;

/// The default response-time targets, in hours from opening to acknowledgement:
/// critical 4 h (same half-day), high 24 h (next day), normal 72 h (three days), low 168 h
/// (a week).
pub const RESPONSE_TARGETS: [(Severity, u32); 4] = [
    (Severity::Critical, 4),
    (Severity::High, 24),
    (Severity::Normal, 72),
    (Severity::Low, 168),
];

/// The response-time target for `severity`, from [`RESPONSE_TARGETS`].
pub const fn response_target_hours(severity: Severity) -> u32 {
    match severity {
        Severity::Critical => RESPONSE_TARGETS[0].1,
        Severity::High => RESPONSE_TARGETS[1].1,
        Severity::Normal => RESPONSE_TARGETS[2].1,
        Severity::Low => RESPONSE_TARGETS[3].1,
    }
}

/// What the support request aggregate is asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SupportRequestCommand {
    /// By either side; the opener's side becomes `requested_by`.
    Open {
        partnership: PartnershipId,
        request: SupportRequestId,
        title: String,
        severity: Severity,
    },
    /// By the side the request was made to.
    Acknowledge {
        partnership: PartnershipId,
        request: SupportRequestId,
    },
    /// By the side the request was made to; acknowledges too if that was not done yet.
    Resolve {
        partnership: PartnershipId,
        request: SupportRequestId,
        resolution: String,
    },
}

impl SupportRequestCommand {
    synergy_domain::every_variant_has! {
        pub fn partnership -> PartnershipId: Open, Acknowledge, Resolve
    }

    synergy_domain::every_variant_has! {
        pub fn request -> SupportRequestId: Open, Acknowledge, Resolve
    }
}

/// Where a request stands in its lifecycle (open → acknowledged → resolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RequestStatus {
    Open,
    Acknowledged,
    Resolved,
}

/// How a request's response compares with its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseStatus {
    /// Not acknowledged, and the target has not passed yet.
    Pending,
    /// Acknowledged within the target.
    OnTime,
    /// Acknowledged, but after the target.
    Late,
    /// Not acknowledged, and the target has passed.
    Overdue,
}

/// A support request as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupportRequest {
    pub id: SupportRequestId,
    pub title: String,
    pub severity: Severity,
    pub requested_by: Side,
    pub opened_at: Timestamp,
    pub response_target_hours: u32,
    pub acknowledged_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub resolution: Option<String>,
}

impl SupportRequest {
    /// The side that must respond.
    pub fn responder(&self) -> Side {
        self.requested_by.other()
    }

    pub fn status(&self) -> RequestStatus {
        if self.resolved_at.is_some() {
            RequestStatus::Resolved
        } else if self.acknowledged_at.is_some() {
            RequestStatus::Acknowledged
        } else {
            RequestStatus::Open
        }
    }

    /// The last instant an acknowledgement counts as on time.
    pub fn respond_by(&self) -> Timestamp {
        Timestamp::from_millis(
            self.opened_at
                .millis()
                .saturating_add(i64::from(self.response_target_hours) * MILLIS_PER_HOUR),
        )
    }

    /// Milliseconds from opening to acknowledgement, once acknowledged.
    pub fn response_millis(&self) -> Option<i64> {
        self.acknowledged_at
            .map(|at| self.opened_at.millis_until(at))
    }

    /// The response measured against the target, as of `now`. An acknowledgement exactly at
    /// the target counts as on time.
    pub fn response(&self, now: Timestamp) -> ResponseStatus {
        let due = self.respond_by();
        match self.acknowledged_at {
            Some(at) if at <= due => ResponseStatus::OnTime,
            Some(_) => ResponseStatus::Late,
            None if now > due => ResponseStatus::Overdue,
            None => ResponseStatus::Pending,
        }
    }
}

/// The state of one support request stream: nothing yet, or the request.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SupportRequestState {
    request: Option<SupportRequest>,
}

impl SupportRequestState {
    pub fn request(&self) -> Option<&SupportRequest> {
        self.request.as_ref()
    }

    pub fn into_request(self) -> Option<SupportRequest> {
        self.request
    }

    pub fn decide(
        &self,
        command: SupportRequestCommand,
        ctx: &DecisionContext,
    ) -> Result<Vec<SupportEvent>, DomainError> {
        let (_, side) = acting_side(ctx, command.partnership())?;
        let now = ctx.now;
        match command {
            SupportRequestCommand::Open {
                request,
                title,
                severity,
                ..
            } => self.open(request, &title, severity, side, now),
            SupportRequestCommand::Acknowledge { request, .. } => {
                self.acknowledge(request, side, now)
            }
            SupportRequestCommand::Resolve {
                request,
                resolution,
                ..
            } => self.resolve(request, &resolution, side, now),
        }
    }

    /// By either side; `side` becomes `requested_by`.
    fn open(
        &self,
        request: SupportRequestId,
        title: &str,
        severity: Severity,
        side: Side,
        now: Timestamp,
    ) -> Decision {
        first_time(self.request.as_ref(), "request.open_once", |existing| {
            format!(
                "support request {request} was already opened at {} ({}); open a new request under a new id",
                existing.opened_at, existing.title
            )
        })?;
        let title = TEXT.required(
            title,
            "request.title_required",
            "title",
            "the support request's title",
            MAX_TITLE_CHARS,
        )?;
        Ok(vec![SupportEvent::SupportRequestOpened {
            request,
            title,
            severity,
            requested_by: side,
            opened_at: now,
            response_target_hours: response_target_hours(severity),
        }])
    }

    fn acknowledge(&self, request: SupportRequestId, side: Side, now: Timestamp) -> Decision {
        let existing = self.respondable(&request, side, now, "acknowledge")?;
        if let Some(at) = existing.acknowledged_at {
            return Err(DomainError::state(
                "request.acknowledge_once",
                format!("support request {request} was already acknowledged at {at}"),
            ));
        }
        Ok(vec![SupportEvent::SupportRequestAcknowledged {
            request,
            acknowledged_at: now,
        }])
    }

    /// Acknowledges too, in the same commit, when that was not done yet.
    fn resolve(
        &self,
        request: SupportRequestId,
        resolution: &str,
        side: Side,
        now: Timestamp,
    ) -> Decision {
        let existing = self.respondable(&request, side, now, "resolve")?;
        let resolution = TEXT.required(
            resolution,
            "request.resolution_required",
            "resolution",
            "the resolution",
            MAX_TEXT_CHARS,
        )?;
        let mut events = Vec::with_capacity(2);
        if existing.acknowledged_at.is_none() {
            events.push(SupportEvent::SupportRequestAcknowledged {
                request: request.clone(),
                acknowledged_at: now,
            });
        }
        events.push(SupportEvent::SupportRequestResolved {
            request,
            resolved_at: now,
            resolution,
        });
        Ok(events)
    }

    /// The request, which must be open (or acknowledged) and answered by `side`, the
    /// other side than the requester, no earlier than it was opened.
    fn respondable(
        &self,
        id: &SupportRequestId,
        side: Side,
        now: Timestamp,
        action: &str,
    ) -> Result<&SupportRequest, DomainError> {
        let request = existing(self.request.as_ref(), "request.must_be_opened", || {
            format!("support request {id} has not been opened; there is nothing to {action}")
        })?;
        if side == request.requested_by {
            return Err(DomainError::forbidden(
                "request.other_side_responds",
                format!(
                    "support request {id} was opened by the {side}; the {} must {action} it, not the requester",
                    request.responder()
                ),
            ));
        }
        if let Some(at) = request.resolved_at {
            return Err(DomainError::state(
                "request.resolved_is_final",
                format!(
                    "support request {id} was resolved at {at}; a resolved request cannot be acknowledged or resolved again — open a new request"
                ),
            ));
        }
        // An answer before the opening would also give a negative response time, counted as
        // on time.
        not_before(now, request.opened_at, "request.not_before_opened", || {
            format!(
                "support request {id} was opened at {}; it cannot be answered at {now}, before that",
                request.opened_at
            )
        })?;
        Ok(request)
    }

    /// The request an event of this stream is about.
    fn request_mut(&mut self, id: &SupportRequestId) -> Option<&mut SupportRequest> {
        self.request.as_mut().filter(|r| &r.id == id)
    }

    pub fn evolve(mut self, event: &SupportEvent) -> Self {
        match event {
            SupportEvent::SupportRequestOpened {
                request,
                title,
                severity,
                requested_by,
                opened_at,
                response_target_hours,
            } if self.request.is_none() => {
                self.request = Some(SupportRequest {
                    id: request.clone(),
                    title: title.clone(),
                    severity: *severity,
                    requested_by: *requested_by,
                    opened_at: *opened_at,
                    response_target_hours: *response_target_hours,
                    acknowledged_at: None,
                    resolved_at: None,
                    resolution: None,
                });
            }
            SupportEvent::SupportRequestAcknowledged {
                request,
                acknowledged_at,
            } => {
                if let Some(r) = self.request_mut(request) {
                    r.acknowledged_at = Some(*acknowledged_at);
                }
            }
            SupportEvent::SupportRequestResolved {
                request,
                resolved_at,
                resolution,
            } => {
                if let Some(r) = self.request_mut(request) {
                    // Older histories may hold a resolution without an acknowledgement;
                    // the fix is then the response.
                    r.acknowledged_at.get_or_insert(*resolved_at);
                    r.resolved_at = Some(*resolved_at);
                    r.resolution = Some(resolution.clone());
                }
            }
            _ => {}
        }
        self
    }
}
