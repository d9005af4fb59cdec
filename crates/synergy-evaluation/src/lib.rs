//! The "+1" evaluation mechanism (評估提升機制): folds every committed event of a partnership
//! into a bounded read model, computes the market, brand, scorecard and review-pack reports
//! of `docs/kpis.md` and the value campaigns realised against their promises (`value`) with
//! exact integer/rational arithmetic, diffs issued versions into
//! restatements, and renders reports as JSON, CSV, Markdown and HTML with inline SVG charts.
//!
//! Its commands are declared like every context's (`COMMANDS`): issuing a report (`issue`),
//! decided on the partnership's read model, which the runtime passes in, and the two
//! settings both parties agree, which reports are issued by themselves (`setting`) and the
//! exception rules (`rules`); and recording the alerts its exceptions raise and clear
//! (`alerts`), which evaluation issues by itself.
//!
//! It is pure: it must never import tokio, NATS, sled or HTTP. The runtime feeds it commits
//! (with the consumer position stored beside the postcard-encoded model) and asks it for
//! reports; nothing here reads a clock, so `as_of` dates are always passed in.

pub mod alerts;
pub mod chart;
mod declare;
pub mod exact;
pub mod figure;
pub mod issue;
pub mod json;
pub mod kpi;
pub mod layout;
pub mod locale;
pub mod model;
pub mod planner;
pub mod portfolio;
pub mod recommend;
pub mod render;
pub mod report;
pub mod restate;
pub mod rules;
pub mod schedule;
#[cfg(feature = "openapi")]
pub mod schema;
pub mod setting;
pub mod svg;
pub mod value;
pub mod versions;
pub mod xlsx;

pub use declare::{CLI_GROUPS, COMMANDS};
pub use issue::{Command, EvaluationContext, issued_stream};
pub use model::PartnershipModel;
pub use versions::{Query, answer};

pub use figure::{Figure, Kpis};
pub use kpi::{Scope, market_kpis};
pub use render::{Format, render};
pub use report::{Report, brand_report, build, market_report, review_pack, scorecard};
pub use restate::{IssueError, Issued, issue, issue_after, restatements, restatements_between};
