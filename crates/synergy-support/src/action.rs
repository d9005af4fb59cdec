//! The action item aggregate (`action:<id>`): a piece of work one side owes, usually a
//! decision of a review meeting — raised with an owner side and a due date, progressed with
//! notes while open, closed, and reopened with a new due date when the other side (or the
//! owner) finds it was not done.
//!
//! Who may do what, and why:
//! - Either party raises an item, for either side, and either may add progress notes: the
//!   side that asked for the work chases it as much as the owner reports on it.
//! - Only the owner side closes an item, because only the side that does the work can
//!   say it is done; the other side's check on that is reopening, which either side may do.
//!
//! The days an item is raised, progressed, closed and reopened are `ctx.now`'s date on the
//! partnership's calendar: these are acts inside Synergy, not reports of the past. The
//! meeting an item came from is recorded as given: it lives in another stream, and
//! evaluation joins the two.

use serde::{Deserialize, Serialize};
use synergy_domain::{DecisionContext, DomainError};
use synergy_proto::events::support::SupportEvent;
use synergy_proto::{ActionItemId, Date, MeetingId, PartnershipId, Side};

use crate::rules::{
    Decision, MAX_TEXT_CHARS, MAX_TITLE_CHARS, Texts, acting_side, existing, first_time, not_before,
};

/// Every over-long text of an action item is refused under this rule.
const TEXT: Texts = Texts::within_limit("action.text_within_limit");

/// What the action item aggregate is asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionItemCommand {
    Raise {
        partnership: PartnershipId,
        item: ActionItemId,
        title: String,
        owner: Side,
        due_on: Date,
        /// The meeting whose decision this item carries out, if any.
        meeting: Option<MeetingId>,
    },
    Progress {
        partnership: PartnershipId,
        item: ActionItemId,
        note: String,
    },
    /// By the owner side only. The note (how it was done) may be blank.
    Close {
        partnership: PartnershipId,
        item: ActionItemId,
        note: String,
    },
    Reopen {
        partnership: PartnershipId,
        item: ActionItemId,
        reason: String,
        due_on: Date,
    },
}

impl ActionItemCommand {
    pub fn partnership(&self) -> &PartnershipId {
        match self {
            Self::Raise { partnership, .. }
            | Self::Progress { partnership, .. }
            | Self::Close { partnership, .. }
            | Self::Reopen { partnership, .. } => partnership,
        }
    }

    pub fn item(&self) -> &ActionItemId {
        match self {
            Self::Raise { item, .. }
            | Self::Progress { item, .. }
            | Self::Close { item, .. }
            | Self::Reopen { item, .. } => item,
        }
    }
}

/// One dated entry of an item's history (a progress note, a closing note, a reopening).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionNote {
    pub on: Date,
    pub kind: ActionNoteKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionNoteKind {
    Progress,
    Closed,
    Reopened,
}

/// An action item as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub id: ActionItemId,
    pub title: String,
    pub owner: Side,
    /// The current due date (a reopening sets a new one).
    pub due_on: Date,
    pub meeting: Option<MeetingId>,
    pub raised_on: Date,
    /// The day it was last closed, while it is closed.
    pub closed_on: Option<Date>,
    /// How often it was reopened.
    pub reopened: u32,
    pub notes: Vec<ActionNote>,
}

impl ActionItem {
    pub fn is_open(&self) -> bool {
        self.closed_on.is_none()
    }

    pub fn is_closed(&self) -> bool {
        self.closed_on.is_some()
    }

    /// Open after its due date, as of `today`.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.is_open() && self.due_on < today
    }

    /// Whole days past due as of `today`; 0 when not overdue.
    pub fn days_overdue(&self, today: Date) -> i64 {
        if self.is_overdue(today) {
            today.days_since_epoch() - self.due_on.days_since_epoch()
        } else {
            0
        }
    }

    /// Adds a dated entry to the item's history.
    fn add_note(&mut self, on: Date, kind: ActionNoteKind, text: &str) {
        self.notes.push(ActionNote {
            on,
            kind,
            text: text.to_owned(),
        });
    }
}

/// The state of one action item stream: nothing yet, or the item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionItemState {
    item: Option<ActionItem>,
}

impl ActionItemState {
    pub fn item(&self) -> Option<&ActionItem> {
        self.item.as_ref()
    }

    pub fn into_item(self) -> Option<ActionItem> {
        self.item
    }

    pub fn decide(
        &self,
        command: ActionItemCommand,
        ctx: &DecisionContext,
    ) -> Result<Vec<SupportEvent>, DomainError> {
        let (_, side) = acting_side(ctx, command.partnership())?;
        let today = ctx.today();
        match command {
            ActionItemCommand::Raise {
                item,
                title,
                owner,
                due_on,
                meeting,
                ..
            } => self.raise(item, &title, owner, due_on, meeting, today),
            ActionItemCommand::Progress { item, note, .. } => self.progress(item, &note, today),
            ActionItemCommand::Close { item, note, .. } => self.close(item, &note, side, today),
            ActionItemCommand::Reopen {
                item,
                reason,
                due_on,
                ..
            } => self.reopen(item, &reason, due_on, today),
        }
    }

    fn raise(
        &self,
        item: ActionItemId,
        title: &str,
        owner: Side,
        due_on: Date,
        meeting: Option<MeetingId>,
        today: Date,
    ) -> Decision {
        first_time(self.item.as_ref(), "action.raise_once", |existing| {
            format!(
                "action item {item} was already raised on {} ({}); raise new work under a new id",
                existing.raised_on, existing.title
            )
        })?;
        let title = TEXT.required(
            title,
            "action.title_required",
            "title",
            "the action item's title",
            MAX_TITLE_CHARS,
        )?;
        due_from_today(
            &item,
            due_on,
            today,
            "action.due_not_before_raised",
            "raised",
            "due date",
        )?;
        Ok(vec![SupportEvent::ActionItemRaised {
            item,
            title,
            owner,
            due_on,
            meeting,
            raised_on: today,
        }])
    }

    fn progress(&self, item: ActionItemId, note: &str, today: Date) -> Decision {
        self.raised_open(&item, today, "progressed", "action.progress_only_open", |closed_on| {
            format!(
                "action item {item} was closed on {closed_on}; reopen it before recording progress"
            )
        })?;
        let note = TEXT.required(
            note,
            "action.note_required",
            "note",
            "the progress note",
            MAX_TEXT_CHARS,
        )?;
        Ok(vec![SupportEvent::ActionItemProgressed {
            item,
            note,
            progressed_on: today,
        }])
    }

    /// By the owner side only.
    fn close(&self, item: ActionItemId, note: &str, side: Side, today: Date) -> Decision {
        let existing = self.raised_open(&item, today, "closed", "action.close_once", |closed_on| {
            format!(
                "action item {item} is already closed (on {closed_on}); reopen it first if the work goes on"
            )
        })?;
        if side != existing.owner {
            return Err(DomainError::forbidden(
                "action.owner_closes",
                format!(
                    "action item {item} is owned by the {}; only the owner closes it (the {side} may add progress notes, or reopen it once closed)",
                    existing.owner
                ),
            ));
        }
        let note = TEXT.optional(note, "note", "the closing note", MAX_TEXT_CHARS)?;
        Ok(vec![SupportEvent::ActionItemClosed {
            item,
            note,
            closed_on: today,
        }])
    }

    fn reopen(&self, item: ActionItemId, reason: &str, due_on: Date, today: Date) -> Decision {
        let existing = self.raised(&item, today, "reopened")?;
        if existing.is_open() {
            return Err(DomainError::state(
                "action.reopen_only_closed",
                format!(
                    "action item {item} is open (due {}); only a closed item can be reopened",
                    existing.due_on
                ),
            ));
        }
        let reason = TEXT.required(
            reason,
            "action.reopen_reason_required",
            "reason",
            "the reason for reopening",
            MAX_TEXT_CHARS,
        )?;
        due_from_today(
            &item,
            due_on,
            today,
            "action.due_not_before_reopened",
            "reopened",
            "new due date",
        )?;
        Ok(vec![SupportEvent::ActionItemReopened {
            item,
            reason,
            due_on,
            reopened_on: today,
        }])
    }

    /// The item, which must exist, for an act on `today` (never before it was raised).
    fn raised(
        &self,
        id: &ActionItemId,
        today: Date,
        action: &str,
    ) -> Result<&ActionItem, DomainError> {
        let item = existing(self.item.as_ref(), "action.must_be_raised", || {
            format!("action item {id} has not been raised; raise it before it can be {action}")
        })?;
        not_before(today, item.raised_on, "action.not_before_raised", || {
            format!(
                "action item {id} was raised on {}; it cannot be {action} on {today}, before that",
                item.raised_on
            )
        })?;
        Ok(item)
    }

    /// The item, raised and still open, to be `action` on `today`; a closed one is refused
    /// under `rule`, with `message` given the day it was closed.
    fn raised_open(
        &self,
        id: &ActionItemId,
        today: Date,
        action: &str,
        rule: &'static str,
        message: impl FnOnce(Date) -> String,
    ) -> Result<&ActionItem, DomainError> {
        let item = self.raised(id, today, action)?;
        match item.closed_on {
            Some(closed_on) => Err(DomainError::state(rule, message(closed_on))),
            None => Ok(item),
        }
    }

    /// The item an event of this stream is about.
    fn item_mut(&mut self, id: &ActionItemId) -> Option<&mut ActionItem> {
        self.item.as_mut().filter(|a| &a.id == id)
    }

    pub fn evolve(mut self, event: &SupportEvent) -> Self {
        match event {
            SupportEvent::ActionItemRaised {
                item,
                title,
                owner,
                due_on,
                meeting,
                raised_on,
            } if self.item.is_none() => {
                self.item = Some(ActionItem {
                    id: item.clone(),
                    title: title.clone(),
                    owner: *owner,
                    due_on: *due_on,
                    meeting: meeting.clone(),
                    raised_on: *raised_on,
                    closed_on: None,
                    reopened: 0,
                    notes: Vec::new(),
                });
            }
            SupportEvent::ActionItemProgressed {
                item,
                note,
                progressed_on,
            } => {
                if let Some(a) = self.item_mut(item) {
                    a.add_note(*progressed_on, ActionNoteKind::Progress, note);
                }
            }
            SupportEvent::ActionItemClosed {
                item,
                note,
                closed_on,
            } => {
                if let Some(a) = self.item_mut(item) {
                    a.closed_on = Some(*closed_on);
                    a.add_note(*closed_on, ActionNoteKind::Closed, note);
                }
            }
            SupportEvent::ActionItemReopened {
                item,
                reason,
                due_on,
                reopened_on,
            } => {
                if let Some(a) = self.item_mut(item) {
                    a.closed_on = None;
                    a.due_on = *due_on;
                    a.reopened += 1;
                    a.add_note(*reopened_on, ActionNoteKind::Reopened, reason);
                }
            }
            _ => {}
        }
        self
    }
}

/// A due date set on `today` (raising or reopening an item) may not lie before it.
fn due_from_today(
    item: &ActionItemId,
    due_on: Date,
    today: Date,
    rule: &'static str,
    act: &str,
    which: &str,
) -> Result<(), DomainError> {
    if due_on < today {
        return Err(DomainError::invalid(
            rule,
            "due_on",
            format!(
                "action item {item} is {act} on {today}; its {which} {due_on} is before that. Give a due date on or after {today}"
            ),
        ));
    }
    Ok(())
}
