//! 服務保障協同, the service-support context of the 5+1 model as pure domain code: meetings
//! (`meeting:<id>`), action items (`action:<id>`) and support requests (`request:<id>`),
//! each an aggregate with `decide` / `evolve`, routed and run by [`SupportContext`], and
//! read through [`SupportLedger`] / [`answer`]. It depends only on `synergy-proto` and
//! `synergy-domain` and must never import tokio, NATS, sled or HTTP.
//!
//! Every command needs a party of a partnership in force (an admin acts for a party); the
//! rules specific to each aggregate, and the decisions behind them, are documented on its
//! module.

pub mod action;
mod declare;
pub mod ledger;
pub mod meeting;
pub mod request;
mod rules;

use serde::{Deserialize, Serialize};
use synergy_domain::{BoundedContext, DecisionContext, DomainError};
use synergy_proto::{
    ActionItemId, AggregateId, Context, Event, MeetingId, PartnershipId, Period, StreamId,
    SupportRequestId, TimeZone, Timestamp,
};

pub use action::{
    ActionItem, ActionItemCommand, ActionItemState, ActionNote, ActionNoteKind, Dismissal,
    RecommendationRef, recommendation_item,
};
pub use declare::{CLI_GROUPS, COMMANDS};
pub use ledger::{ActionCounts, MeetingCounts, ResponseCounts, SupportLedger, SupportOverview};
pub use meeting::{
    HeldMeeting, Meeting, MeetingCommand, MeetingState, MeetingStatus, REVIEW_AGENDA,
};
pub use request::{
    RESPONSE_TARGETS, RequestStatus, ResponseStatus, SupportRequest, SupportRequestCommand,
    SupportRequestState, response_target_hours,
};
pub use rules::{MAX_MINUTES_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS};

/// The aggregate kinds of this context, as they appear in stream ids.
pub const MEETING: &str = "meeting";
pub const ACTION: &str = "action";
pub const REQUEST: &str = "request";

pub fn meeting_stream(partnership: &PartnershipId, meeting: &MeetingId) -> StreamId {
    StreamId::new(
        Context::Support,
        partnership.clone(),
        AggregateId::compose(MEETING, meeting.as_str()),
    )
}

pub fn action_stream(partnership: &PartnershipId, item: &ActionItemId) -> StreamId {
    StreamId::new(
        Context::Support,
        partnership.clone(),
        AggregateId::compose(ACTION, item.as_str()),
    )
}

pub fn request_stream(partnership: &PartnershipId, request: &SupportRequestId) -> StreamId {
    StreamId::new(
        Context::Support,
        partnership.clone(),
        AggregateId::compose(REQUEST, request.as_str()),
    )
}

/// Every command of the support context, by aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    Meeting(MeetingCommand),
    ActionItem(ActionItemCommand),
    SupportRequest(SupportRequestCommand),
}

impl Command {
    pub fn partnership(&self) -> &PartnershipId {
        match self {
            Command::Meeting(c) => c.partnership(),
            Command::ActionItem(c) => c.partnership(),
            Command::SupportRequest(c) => c.partnership(),
        }
    }
}

impl From<MeetingCommand> for Command {
    fn from(c: MeetingCommand) -> Self {
        Command::Meeting(c)
    }
}

impl From<ActionItemCommand> for Command {
    fn from(c: ActionItemCommand) -> Self {
        Command::ActionItem(c)
    }
}

impl From<SupportRequestCommand> for Command {
    fn from(c: SupportRequestCommand) -> Self {
        Command::SupportRequest(c)
    }
}

/// The support context as the runtime drives it.
#[derive(Debug, Clone, Copy, Default)]
pub struct SupportContext;

/// A support stream folded: a meeting's, an action item's or a support request's, as
/// its commands read it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SupportState {
    pub meeting: MeetingState,
    pub action_item: ActionItemState,
    pub request: SupportRequestState,
}

impl BoundedContext for SupportContext {
    const CONTEXT: Context = Context::Support;
    type Command = Command;
    type State = SupportState;

    fn stream_of(command: &Command) -> StreamId {
        match command {
            Command::Meeting(c) => meeting_stream(c.partnership(), c.meeting()),
            Command::ActionItem(c) => action_stream(c.partnership(), &c.item()),
            Command::SupportRequest(c) => request_stream(c.partnership(), c.request()),
        }
    }

    fn evolve(state: SupportState, event: &Event) -> SupportState {
        let Event::Support(e) = event else {
            return state;
        };
        // A stream holds one kind's events, which the other kinds pass over.
        SupportState {
            meeting: state.meeting.evolve(e),
            action_item: state.action_item.evolve(e),
            request: state.request.evolve(e),
        }
    }

    fn decide(
        state: &SupportState,
        command: Command,
        ctx: &DecisionContext,
    ) -> Result<Vec<Event>, DomainError> {
        let events = match command {
            Command::Meeting(c) => state.meeting.decide(c, ctx)?,
            Command::ActionItem(c) => state.action_item.decide(c, ctx)?,
            Command::SupportRequest(c) => state.request.decide(c, ctx)?,
        };
        Ok(events.into_iter().map(Event::Support).collect())
    }
}

/// The reads this context answers from its own streams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Query {
    Meeting {
        partnership: PartnershipId,
        meeting: MeetingId,
    },
    ActionItem {
        partnership: PartnershipId,
        item: ActionItemId,
    },
    SupportRequest {
        partnership: PartnershipId,
        request: SupportRequestId,
    },
    /// The scorecard's support figures for a period, judged as of an instant. Reads every
    /// support stream of the partnership.
    Overview {
        partnership: PartnershipId,
        period: Period,
        as_of: Timestamp,
    },
}

impl Query {
    synergy_domain::every_variant_has! {
        pub fn partnership -> PartnershipId: Meeting, ActionItem, SupportRequest, Overview
    }

    /// The one stream the query reads, or `None` when it reads all the partnership's
    /// support streams.
    pub fn stream(&self) -> Option<StreamId> {
        match self {
            Query::Meeting {
                partnership,
                meeting,
            } => Some(meeting_stream(partnership, meeting)),
            Query::ActionItem { partnership, item } => Some(action_stream(partnership, item)),
            Query::SupportRequest {
                partnership,
                request,
            } => Some(request_stream(partnership, request)),
            Query::Overview { .. } => None,
        }
    }
}

/// What a [`Query`] returns; `None` when the aggregate does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    Meeting(Option<Meeting>),
    ActionItem(Option<ActionItem>),
    SupportRequest(Option<SupportRequest>),
    Overview(SupportOverview),
}

/// Answers `query` from `events`: the query's stream (see [`Query::stream`]), or for an
/// overview every support event of the partnership. Extra events are harmless: aggregates
/// are picked out by id. `zone` is the partnership's time zone, whose calendar an
/// overview's days are judged on.
pub fn answer<'a>(
    query: &Query,
    events: impl IntoIterator<Item = &'a Event>,
    zone: &TimeZone,
) -> Answer {
    let ledger = SupportLedger::from_events(events);
    match query {
        Query::Meeting { meeting, .. } => Answer::Meeting(ledger.meeting(meeting).cloned()),
        Query::ActionItem { item, .. } => Answer::ActionItem(ledger.action_item(item).cloned()),
        Query::SupportRequest { request, .. } => {
            Answer::SupportRequest(ledger.support_request(request).cloned())
        }
        Query::Overview { period, as_of, .. } => {
            Answer::Overview(ledger.overview(*period, *as_of, zone))
        }
    }
}
