//! The shape every bounded context shares: [`BoundedContext`] (route a command to its
//! aggregate stream, fold its history, decide), the acting [`Principal`], the read models
//! one context may consult about another ([`PartnershipView`], [`CatalogueView`]), and
//! [`DomainError`], which names the broken rule and the field, and [`ErrorCode`], the one
//! table of stable error codes every front end answers with. Pure: no tokio, NATS, sled
//! or HTTP — time and lookups come in as arguments.

mod code;
pub mod contract;
pub mod testing;
mod variants;

pub use code::{CLI_FAILED, ErrorCode, markdown_table as error_code_table};

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Serialize, de::DeserializeOwned};
use synergy_proto::{
    Actor, BrandId, Context, Date, Event, OrgId, PartnershipId, Role, Side, SkuId, StreamId,
    TimeZone, Timestamp, Yuan, events::brand::PriceClass,
};

/// Who is acting: an organisation in a role, and the person or system behind it.
///
/// An `Admin` acts *on behalf of* `org`, which must be a party of the partnership; the
/// action is then recorded as that party's (the CLI on a local data dir does this).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Principal {
    pub org: OrgId,
    pub role: Role,
    pub user: String,
}

impl Principal {
    pub fn new(org: OrgId, role: Role, user: impl Into<String>) -> Self {
        Self {
            org,
            role,
            user: user.into(),
        }
    }

    pub fn actor(&self) -> Actor {
        Actor {
            org: self.org.clone(),
            role: self.role,
            user: self.user.clone(),
        }
    }
}

/// What other contexts may know about a partnership (owned by strategy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnershipView {
    pub id: PartnershipId,
    pub manufacturer: OrgId,
    pub distributor: OrgId,
    pub terminated: bool,
    /// Where the partnership keeps its calendar: its days, month ends and deadlines are
    /// judged in this zone ([`TimeZone::DEFAULT`] until its parties choose another).
    pub time_zone: TimeZone,
}

impl PartnershipView {
    /// The side `principal` acts as in this partnership, or why it may not act at all.
    pub fn side_of(&self, principal: &Principal) -> Result<Side, DomainError> {
        let side = if principal.org == self.manufacturer {
            Side::Manufacturer
        } else if principal.org == self.distributor {
            Side::Distributor
        } else {
            // Names nobody: an outsider learns nothing of who the parties are. The
            // gateway answers it exactly as a partnership that does not exist.
            return Err(DomainError::forbidden(
                "partnership.parties_only",
                format!(
                    "{} is not a party of partnership {}; only its two parties act on it",
                    principal.org, self.id
                ),
            ));
        };
        match principal.role.side() {
            Some(role_side) if role_side != side => Err(DomainError::forbidden(
                "principal.role_matches_side",
                format!(
                    "{} is the {side} of partnership {} but acts in the {} role",
                    principal.org, self.id, principal.role
                ),
            )),
            _ => Ok(side),
        }
    }

    /// Like [`side_of`](Self::side_of), and the partnership must still be in force.
    pub fn active_side_of(&self, principal: &Principal) -> Result<Side, DomainError> {
        if self.terminated {
            return Err(DomainError::state(
                "partnership.terminated_accepts_nothing",
                format!(
                    "partnership {} is terminated and accepts nothing new",
                    self.id
                ),
            ));
        }
        self.side_of(principal)
    }

    /// Requires `principal` to act as `side`; names the action in the refusal.
    pub fn require_side(
        &self,
        principal: &Principal,
        side: Side,
        rule: &'static str,
        action: &str,
    ) -> Result<(), DomainError> {
        let actual = self.active_side_of(principal)?;
        if actual == side {
            Ok(())
        } else {
            Err(DomainError::forbidden(
                rule,
                format!(
                    "{action} is the {side}'s task in the 5+1 model; {} is the {actual}",
                    principal.org
                ),
            ))
        }
    }
}

/// A registered SKU as other contexts see it (owned by brand).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuView {
    pub brand: BrandId,
    pub name: String,
    pub price_class: PriceClass,
    pub guide_price: Yuan,
}

/// The partnership's registered SKUs (owned by brand).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueView {
    pub skus: BTreeMap<SkuId, SkuView>,
}

impl CatalogueView {
    pub fn brands(&self) -> impl Iterator<Item = &BrandId> {
        let mut seen: Vec<&BrandId> = self.skus.values().map(|s| &s.brand).collect();
        seen.sort();
        seen.dedup();
        seen.into_iter()
    }

    pub fn has_brand(&self, brand: &BrandId) -> bool {
        self.skus.values().any(|s| &s.brand == brand)
    }
}

/// Everything a decision may consult besides the aggregate's own state.
#[derive(Debug, Clone)]
pub struct DecisionContext {
    pub principal: Principal,
    /// The clock, read once by the shell and passed in.
    pub now: Timestamp,
    /// The partnership the command is about, if it exists yet.
    pub partnership: Option<PartnershipView>,
    /// The partnership's catalogue: empty if nothing is registered, or if the command's
    /// declaration does not name [`contract::View::Catalogue`] (the runtime loads only the
    /// views a declaration names).
    pub catalogue: CatalogueView,
}

impl DecisionContext {
    /// Today on the partnership's calendar: "has this month ended", "not in the future"
    /// and the 10th are judged in its time zone, never in UTC. Before the partnership
    /// exists (signing it), the zone every partnership starts with.
    pub fn today(&self) -> Date {
        self.now.date_in(self.time_zone())
    }

    /// The partnership's time zone, or [`TimeZone::DEFAULT`] before it exists.
    pub fn time_zone(&self) -> &TimeZone {
        match &self.partnership {
            Some(p) => &p.time_zone,
            None => TimeZone::partnership_default(),
        }
    }

    /// The partnership view, or a not-found refusal naming the partnership.
    pub fn partnership(&self, id: &PartnershipId) -> Result<&PartnershipView, DomainError> {
        self.partnership
            .as_ref()
            .ok_or_else(|| partnership_not_found(id))
    }

    /// The view of `id`, which must be the partnership the command names: a view of
    /// another one (the runtime loaded the wrong read model) would let one partnership's
    /// parties act on another's data, so it is refused as if `id` did not exist.
    pub fn partnership_named(&self, id: &PartnershipId) -> Result<&PartnershipView, DomainError> {
        let view = self.partnership(id)?;
        if &view.id != id {
            return Err(DomainError::not_found(
                "partnership.must_exist",
                format!(
                    "partnership {id} was asked for, but the facts given are about {}",
                    view.id
                ),
            ));
        }
        Ok(view)
    }
}

/// The one refusal for a partnership that does not exist (or is only proposed, or that
/// the caller is no party of, where the caller must not learn that it exists).
pub fn partnership_not_found(id: &PartnershipId) -> DomainError {
    DomainError::not_found(
        "partnership.must_exist",
        format!("partnership {id} does not exist; sign it first"),
    )
}

/// What kind of refusal a [`DomainError`] is; its [`ErrorCode`] is [`ErrorKind::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The principal may not do this (403).
    Forbidden,
    /// Something the command refers to does not exist (404).
    NotFound,
    /// The aggregate is not in a state that allows this (409).
    State,
    /// The command's own data breaks a rule (422).
    Invalid,
}

/// A refused command: which rule, which field, and a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DomainError {
    pub kind: ErrorKind,
    /// Stable code of the broken rule, e.g. `plan.targets_only_in_draft`: a literal where
    /// the refusal is made, the received text where it crossed the wire.
    pub rule: Cow<'static, str>,
    /// The offending field, where there is one (`lines[3].volume`).
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} (rule {}, field {field})", self.message, self.rule),
            None => write!(f, "{} (rule {})", self.message, self.rule),
        }
    }
}

impl DomainError {
    fn new(kind: ErrorKind, rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            rule: Cow::Borrowed(rule),
            field: None,
            message: message.into(),
        }
    }
    pub fn forbidden(rule: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, rule, message)
    }
    pub fn not_found(rule: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, rule, message)
    }
    pub fn state(rule: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::State, rule, message)
    }
    pub fn invalid(
        rule: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(ErrorKind::Invalid, rule, message)
        }
    }
    /// Attaches or replaces the field.
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

/// One bounded context as the runtime drives it: route a command to the stream of its
/// aggregate, fold that stream's events into its [`State`](Self::State), decide.
///
/// The runtime folds the stream's events, calls [`decide`](Self::decide), and appends
/// what it returns with the expected version it folded up to; a conflict means "fold what
/// was appended since and try again". An empty `Ok` vector means the command changes
/// nothing (an idempotent no-op).
pub trait BoundedContext {
    const CONTEXT: Context;
    type Command: fmt::Debug + Clone + Serialize + DeserializeOwned;
    /// What a decision reads: one of the context's streams folded from its events, the
    /// default being a stream with none. The fold is pure, so a state folded up to some
    /// version with the later events folded onto it is the state of the whole stream:
    /// the runtime keeps states between commands and folds only what was appended since.
    /// A state is also persisted as a snapshot (the runtime's `snapshot` module) and
    /// read back equal, so it serializes; its encoding is the wire's (`synergy-proto`).
    type State: Default
        + Clone
        + PartialEq
        + fmt::Debug
        + Serialize
        + DeserializeOwned
        + Send
        + Sync
        + 'static;

    /// The stream (partnership and aggregate) the command acts on.
    fn stream_of(command: &Self::Command) -> StreamId;

    /// One event of the stream onto its state; another context's events change nothing.
    fn evolve(state: Self::State, event: &Event) -> Self::State;

    /// Decides `command` on the state of its stream.
    fn decide(
        state: &Self::State,
        command: Self::Command,
        ctx: &DecisionContext,
    ) -> Result<Vec<Event>, DomainError>;

    /// Folds `history` (the stream's events, oldest first) and decides `command`.
    fn execute<'a>(
        history: impl IntoIterator<Item = &'a Event>,
        command: Self::Command,
        ctx: &DecisionContext,
    ) -> Result<Vec<Event>, DomainError> {
        let state = history
            .into_iter()
            .fold(Self::State::default(), Self::evolve);
        Self::decide(&state, command, ctx)
    }
}
