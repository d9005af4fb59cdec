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
//!
//! A period's recommendation (提升, computed by evaluation) is decided once, by either
//! party: accepted into an action item or dismissed with a reason. Its decision lives in the
//! stream of the item accepting it raises, whose id is derived from the recommendation
//! ([`recommendation_item`]), so the log's expected version makes "once" hold even when
//! both sides decide at the same moment. Support does not recompute the figures: the
//! pack shows a decision beside the recommendation it names, and what became of it.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use synergy_domain::{DecisionContext, DomainError};

use synergy_proto::events::evaluation::RecommendationRule;
use synergy_proto::events::support::SupportEvent;
use synergy_proto::{ActionItemId, Date, MeetingId, PartnershipId, Period, Side, SkuId};

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
    /// Take up a period's recommendation as an action item ([`recommendation_item`]).
    AcceptRecommendation {
        partnership: PartnershipId,
        period: Period,
        rule: RecommendationRule,
        /// The SKU of a SKU rule; none for the others.
        sku: Option<SkuId>,
        title: String,
        /// The side that carries it out; by default the side the rule names, or the
        /// accepting side for a rule both own.
        owner: Option<Side>,
        due_on: Date,
        /// The review meeting that accepted it, if any.
        meeting: Option<MeetingId>,
    },
    /// Decide not to act on a period's recommendation, saying why.
    DismissRecommendation {
        partnership: PartnershipId,
        period: Period,
        rule: RecommendationRule,
        sku: Option<SkuId>,
        reason: String,
    },
}

impl ActionItemCommand {
    synergy_domain::every_variant_has! {
        pub fn partnership -> PartnershipId:
            Raise, Progress, Close, Reopen, AcceptRecommendation, DismissRecommendation
    }

    pub fn item(&self) -> Cow<'_, ActionItemId> {
        match self {
            Self::Raise { item, .. }
            | Self::Progress { item, .. }
            | Self::Close { item, .. }
            | Self::Reopen { item, .. } => Cow::Borrowed(item),
            Self::AcceptRecommendation {
                period, rule, sku, ..
            }
            | Self::DismissRecommendation {
                period, rule, sku, ..
            } => Cow::Owned(recommendation_item(*period, *rule, sku.as_ref())),
        }
    }
}

/// The id of the action item that carries out `period`'s recommendation `rule` (for
/// `sku`): `rec-<period>-<rule>[-<sku>]`, e.g. `rec-2008-06-data-late` or
/// `rec-2008-Q2-shelf_no_sales-hongyun-soft`. One per recommendation, so its stream holds
/// the recommendation's one decision. A SKU id too long for the id keeps its head and
/// gains a hash of the whole, so two SKUs never share an item.
pub fn recommendation_item(
    period: Period,
    rule: RecommendationRule,
    sku: Option<&SkuId>,
) -> ActionItemId {
    let rule = rule.as_str().trim_start_matches("sku.").replace('.', "-");
    let head = format!("rec-{period}-{rule}");
    let id = match sku {
        None => head,
        Some(sku) => {
            let whole = format!("{head}-{sku}");
            if whole.len() <= synergy_proto::ids::MAX_ID_LEN {
                whole
            } else {
                let hash = format!("{:08x}", fnv1a(sku.as_str().as_bytes()));
                let room = synergy_proto::ids::MAX_ID_LEN - head.len() - hash.len() - 2;
                // SKU ids are ASCII tokens, so any byte index is a char boundary.
                format!("{head}-{}-{hash}", &sku.as_str()[..room])
            }
        }
    };
    match ActionItemId::new(id) {
        Ok(id) => id,
        Err(e) => unreachable!("a period, a rule id and a SKU id make an id: {e}"),
    }
}

/// FNV-1a, 32 bits: stable across builds and platforms, which `std`'s hasher is not.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |h: u32, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// Which of a period's recommendations an item carries out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecommendationRef {
    pub period: Period,
    pub rule: RecommendationRule,
    pub sku: Option<SkuId>,
}

/// A recommendation a party decided not to act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dismissal {
    pub recommendation: RecommendationRef,
    pub reason: String,
    pub by: Side,
    pub dismissed_on: Date,
}

/// One dated entry of an item's history (a progress note, a closing note, a reopening).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionNote {
    pub on: Date,
    pub kind: ActionNoteKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ActionNoteKind {
    Progress,
    Closed,
    Reopened,
}

/// An action item as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// The recommendation it carries out, when it was raised by accepting one.
    pub recommendation: Option<RecommendationRef>,
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
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ActionItemState {
    item: Option<ActionItem>,
    /// Set instead of `item` when the stream's recommendation was dismissed.
    dismissed: Option<Dismissal>,
}

impl ActionItemState {
    pub fn item(&self) -> Option<&ActionItem> {
        self.item.as_ref()
    }

    pub fn dismissal(&self) -> Option<&Dismissal> {
        self.dismissed.as_ref()
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
            ActionItemCommand::AcceptRecommendation {
                period,
                rule,
                sku,
                title,
                owner,
                due_on,
                meeting,
                ..
            } => {
                let recommendation = self.undecided(period, rule, sku, today)?;
                let item = recommendation_item(period, rule, recommendation.sku.as_ref());
                let owner = owner.or(rule.owner()).unwrap_or(side);
                let mut events = self.raise(item.clone(), &title, owner, due_on, meeting, today)?;
                events.push(SupportEvent::RecommendationAccepted {
                    item,
                    period,
                    rule,
                    sku: recommendation.sku,
                    by: side,
                });
                Ok(events)
            }
            ActionItemCommand::DismissRecommendation {
                period,
                rule,
                sku,
                reason,
                ..
            } => {
                let recommendation = self.undecided(period, rule, sku, today)?;
                let reason = TEXT.required(
                    &reason,
                    "recommendation.dismiss_reason_required",
                    "reason",
                    "the reason for dismissing the recommendation",
                    MAX_TEXT_CHARS,
                )?;
                Ok(vec![SupportEvent::RecommendationDismissed {
                    item: recommendation_item(period, rule, recommendation.sku.as_ref()),
                    period,
                    rule,
                    sku: recommendation.sku,
                    reason,
                    by: side,
                    dismissed_on: today,
                }])
            }
        }
    }

    /// The recommendation named, checked: its SKU given exactly for a SKU rule, its period
    /// begun by `today` (a recommendation is drawn from a period's figures), and not yet
    /// accepted or dismissed.
    fn undecided(
        &self,
        period: Period,
        rule: RecommendationRule,
        sku: Option<SkuId>,
        today: Date,
    ) -> Result<RecommendationRef, DomainError> {
        match (&sku, rule.per_sku()) {
            (None, true) => {
                return Err(DomainError::invalid(
                    "recommendation.sku_required",
                    "sku",
                    format!("{rule} is a SKU rule; name the SKU its recommendation is about"),
                ));
            }
            (Some(sku), false) => {
                return Err(DomainError::invalid(
                    "recommendation.sku_not_applicable",
                    "sku",
                    format!(
                        "{rule} is about the whole partnership, not a SKU; leave out the SKU {sku}"
                    ),
                ));
            }
            _ => {}
        }
        if period.first_month() > today.year_month() {
            return Err(DomainError::invalid(
                "recommendation.period_begun",
                "period",
                format!(
                    "{period} has not begun on {today}; a recommendation comes from a period's figures"
                ),
            ));
        }
        let named = match &sku {
            Some(sku) => format!("{rule} for {sku} in {period}"),
            None => format!("{rule} in {period}"),
        };
        if let Some(item) = &self.item {
            return Err(DomainError::state(
                "recommendation.decided_once",
                format!(
                    "the recommendation {named} was already accepted on {} as action item {}",
                    item.raised_on, item.id
                ),
            ));
        }
        if let Some(d) = &self.dismissed {
            return Err(DomainError::state(
                "recommendation.decided_once",
                format!(
                    "the recommendation {named} was dismissed on {} by the {}: {}",
                    d.dismissed_on, d.by, d.reason
                ),
            ));
        }
        Ok(RecommendationRef { period, rule, sku })
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
                    recommendation: None,
                });
            }
            SupportEvent::RecommendationAccepted {
                item,
                period,
                rule,
                sku,
                ..
            } => {
                if let Some(a) = self.item_mut(item) {
                    a.recommendation = Some(RecommendationRef {
                        period: *period,
                        rule: *rule,
                        sku: sku.clone(),
                    });
                }
            }
            SupportEvent::RecommendationDismissed {
                period,
                rule,
                sku,
                reason,
                by,
                dismissed_on,
                ..
            } if self.item.is_none() && self.dismissed.is_none() => {
                self.dismissed = Some(Dismissal {
                    recommendation: RecommendationRef {
                        period: *period,
                        rule: *rule,
                        sku: sku.clone(),
                    },
                    reason: reason.clone(),
                    by: *by,
                    dismissed_on: *dismissed_on,
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
