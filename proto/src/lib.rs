//! The wire contract of Synergy: ids, periods, exact amounts, every event of the six
//! contexts, the commit envelope, the NATS subject scheme and the versioned postcard codec.
//!
//! Everything that crosses a process boundary is defined here and nowhere else. This crate
//! is pure data and functions: it must never depend on tokio, NATS, sled or HTTP.

pub mod amount;
pub mod codec;
pub mod envelope;
pub mod events;
pub mod ids;
pub mod period;
pub mod principal;
#[cfg(feature = "openapi")]
mod schema;
pub mod shape;
pub mod snapshot;
pub mod subject;
mod text_serde;
pub mod time;

pub use amount::{AmountError, Cases, Percent, Yuan};
pub use codec::{
    CommitGroup, CommitGroupBuilder, DecodeError, Decoded, SCHEMA_VERSION, decode_commit,
    decode_commit_on, encode_commit, is_commit_group,
};
pub use envelope::{Commit, CommitError, Envelope, RecordedEvent, StreamId};
pub use events::Event;
pub use ids::{
    ActionItemId, AggregateId, BrandId, CampaignId, IdError, MeetingId, OrderId, OrgId, OutletId,
    PartnershipId, PlanId, SkuId, SupportRequestId, TaskId,
};
pub use period::{Period, PeriodError, PeriodKind, YearMonth};
pub use principal::{Actor, Context, Role, Side};
pub use time::{Date, DateError, TimeZone, TimeZoneError, Timestamp, TimestampError};
pub use uuid::Uuid;
