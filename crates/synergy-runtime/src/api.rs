//! The one API every front end uses — the CLI, the HTTP gateway, the NATS services — and
//! its local implementation over an event log and the evaluation read models.
//!
//! [`Local`] runs everything in-process (the embedded default, and inside each NATS
//! service); the NATS client implements the same trait by sending requests to services.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use synergy_domain::{CatalogueView, DomainError, ErrorCode, PartnershipView, Principal};
use synergy_evaluation::model::PartnershipModel;
use synergy_evaluation::planner::{self, PlannerError};
use synergy_evaluation::render::{self, Format};
use synergy_evaluation::{portfolio, report, value};
use synergy_eventlog::{EventLog, Position, SledLog, SledSnapshots};
use synergy_proto::events::evaluation::{ReportKind, Restatement};
use synergy_proto::{CampaignId, Date, OrgId, PartnershipId, Percent, Period, Side};
use synergy_strategy::Listed;

use crate::clock::Clock;
use crate::executor::{AnyCommand, Behind, ExecuteError, Executor, Models, Outcome, Request};
use crate::fault::NotReady;
use crate::history::{HistoryPage, HistoryQuery};
use crate::projection::{ProjectionError, ProjectionStore};
use crate::query::AnyQuery;
use crate::snapshot::Snapshots;

pub use crate::executor::READ_YOUR_WRITES_TIMEOUT;

/// A report to compute and render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRequest {
    pub partnership: PartnershipId,
    pub period: Period,
    pub kind: ReportKind,
    pub format: Format,
    /// "As of" date for overdue items and months due.
    pub as_of: Date,
    /// Read-your-writes: the report must reflect the log at least up to here.
    pub after: Option<Position>,
}

/// Why a call of the [`Api`] failed. Each variant has one stable [`ErrorCode`]
/// ([`ApiError::code`]), from which every front end answers (`docs/errors.md`).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Execute(#[from] ExecuteError),
    #[error(transparent)]
    NotFound(#[from] NotFound),
    /// The read models did not reach the requested position in time. Retry.
    #[error("reports are not up to date yet ({0}); retry shortly")]
    NotReady(NotReady),
    #[error("read models: {0}")]
    Projection(#[from] ProjectionError),
}

impl ApiError {
    /// The stable code every front end answers this error with.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Execute(e) => e.code(),
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::NotReady(_) => ErrorCode::NotReady,
            // A full disk under the read models clears by itself: they reopen their store.
            ApiError::Projection(p) if p.is_storage_failure() => ErrorCode::Unavailable,
            ApiError::Projection(_) => ErrorCode::Internal,
        }
    }
}

/// What a read did not find, named so that a caller can tell a partnership with no data
/// from a campaign or an issued version that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotFound {
    /// Evaluation has nothing recorded for the partnership yet.
    #[error("nothing is recorded for partnership {0}; sign it and import data first")]
    Records(PartnershipId),
    #[error("no campaign {campaign} in partnership {partnership}")]
    Campaign {
        partnership: PartnershipId,
        campaign: CampaignId,
    },
    #[error("the {} report of {period} has no issued version {version}", kind.as_str())]
    IssuedVersion {
        partnership: PartnershipId,
        kind: ReportKind,
        period: Period,
        version: u32,
    },
    /// Said by a service that does not name what it did not find (an older version), in
    /// its words.
    #[error("{0}")]
    Described(String),
}

/// A share-gap plan to compute: what `period` takes in volume for `target_share`
/// (`docs/kpis.md`, "The share-gap planner").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanGapRequest {
    pub partnership: PartnershipId,
    pub period: Period,
    pub target_share: Percent,
    /// JSON or Markdown.
    pub format: Format,
    /// Read-your-writes: the plan must reflect the log at least up to here.
    pub after: Option<Position>,
}

/// A campaign's value realised to judge: its promised uplift against the market data
/// (`docs/kpis.md`, "Value realised").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueRealisedRequest {
    pub partnership: PartnershipId,
    pub campaign: CampaignId,
    /// The day it is judged on: which promised months count, and whether it is due.
    pub as_of: Date,
    /// Read-your-writes: the answer must reflect the log at least up to here.
    pub after: Option<Position>,
}

/// A portfolio to compute (`docs/portfolio.md`): the partnerships in force for `period`
/// that `org` is a party of, ranked by `rank_by`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortfolioRequest {
    pub org: OrgId,
    /// Only the partnerships `org` is on this side of (a caller whose token has a side);
    /// every one with `None`.
    pub side: Option<Side>,
    pub period: Period,
    /// A KPI key of `synergy_evaluation::portfolio::RANK_KEYS`; another is refused naming it.
    pub rank_by: String,
    /// Read-your-writes: the portfolio must reflect the log at least up to here.
    pub after: Option<Position>,
}

/// Everything a front end can ask of Synergy.
#[async_trait]
pub trait Api: Send + Sync + 'static {
    /// Decides and records one command.
    async fn execute(&self, request: Request) -> Result<Outcome, ApiError>;
    /// The partnership's parties, if it is signed.
    async fn partnership(&self, id: &PartnershipId) -> Result<Option<PartnershipView>, ApiError>;
    /// The partnership's registered SKUs.
    async fn catalogue(&self, id: &PartnershipId) -> Result<CatalogueView, ApiError>;
    /// Computes and renders a report.
    async fn report(&self, request: ReportRequest) -> Result<String, ApiError>;
    /// Answers one of a context's own queries from its streams, as JSON (see
    /// [`crate::query`]): `null` when the query names one item that does not exist.
    async fn query(&self, query: AnyQuery) -> Result<serde_json::Value, ApiError>;

    /// Every partnership `org` is a party of, in any status, ordered by id.
    async fn partnerships(&self, org: &OrgId) -> Result<Vec<Listed>, ApiError>;

    /// One page of a partnership's audit trail (`docs/history.md`).
    async fn history(&self, query: HistoryQuery) -> Result<HistoryPage, ApiError>;

    /// The portfolio's JSON (`docs/portfolio.md`); each partnership's figures as of today
    /// on its own calendar.
    async fn portfolio(&self, request: PortfolioRequest) -> Result<String, ApiError>;

    /// Plans the volume a share target takes (the share-gap planner), rendered.
    async fn plan_gap(&self, request: PlanGapRequest) -> Result<String, ApiError>;

    /// A campaign's value realised against its promise, as JSON; not found when the
    /// campaign does not exist.
    async fn value_realised(&self, request: ValueRealisedRequest) -> Result<String, ApiError>;

    /// How many commits the evaluation read models are behind the event log's head, where
    /// this side can tell (embedded: yes; over NATS the models live in the evaluation
    /// service, which logs its own position).
    async fn consumer_lag(&self) -> Option<u64> {
        None
    }

    /// How many quarantined records of the event log the evaluation fold has passed over,
    /// where this side can tell (as for [`Api::consumer_lag`]).
    async fn quarantined_records(&self) -> Option<u64> {
        None
    }

    /// What this process did with stream snapshots, where it executes commands itself
    /// (embedded; over NATS the services do, and log what they ignore).
    async fn snapshot_counts(&self) -> Option<crate::snapshot::SnapshotCounts> {
        None
    }

    /// Freezes the live report as its next issued version, stating what changed since the
    /// previous version: evaluation's declared `issue-report` command, executed like every
    /// command, with its answer read into an [`IssuedReport`].
    async fn issue_report(&self, request: IssueRequest) -> Result<IssuedReport, ApiError> {
        let command = AnyCommand::Evaluation(synergy_evaluation::Command::IssueReport {
            partnership: request.partnership,
            kind: request.kind,
            period: request.period,
            as_of: Some(request.as_of),
        });
        let outcome = self
            .execute(Request::new(request.principal, command))
            .await?;
        IssuedReport::from_outcome(&outcome)
    }

    /// An issued version of a report, exactly as it was frozen (JSON).
    async fn issued_report(
        &self,
        partnership: &PartnershipId,
        kind: ReportKind,
        period: Period,
        version: u32,
    ) -> Result<String, ApiError>;
}

/// A request to issue (freeze) a report version.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    pub principal: Principal,
    pub partnership: PartnershipId,
    pub period: Period,
    pub kind: ReportKind,
    pub as_of: Date,
}

/// What issuing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedReport {
    pub version: u32,
    /// Figures that changed since the previous version (empty for version 1).
    pub restatements: Vec<Restatement>,
    /// `false` when the live report equals the latest issued version: nothing was issued
    /// and `version` is that latest version.
    pub issued: bool,
    pub position: Option<Position>,
}

impl IssuedReport {
    /// What the `issue-report` command's outcome says: the stream's version is the
    /// report's (one `ReportIssued` per commit), the rest is its declared answer.
    pub fn from_outcome(outcome: &Outcome) -> Result<IssuedReport, ApiError> {
        let unexpected = |what: &str| {
            ApiError::Execute(ExecuteError::Internal(format!(
                "issuing a report answered {what}"
            )))
        };
        let answer = outcome
            .answer
            .as_ref()
            .ok_or_else(|| unexpected("without its answer"))?;
        let issued = answer
            .get("issued")
            .and_then(serde_json::Value::as_bool)
            .ok_or_else(|| unexpected("without `issued`"))?;
        let restatements = answer
            .get("restatements")
            .cloned()
            .map(serde_json::from_value::<Vec<Restatement>>)
            .and_then(Result::ok)
            .ok_or_else(|| unexpected("without readable `restatements`"))?;
        Ok(IssuedReport {
            version: u32::try_from(outcome.version)
                .map_err(|_| unexpected("a version past u32"))?,
            restatements,
            issued,
            position: outcome.position,
        })
    }
}

impl From<Behind> for ApiError {
    fn from(behind: Behind) -> Self {
        match behind {
            Behind::NotReady(lag) => ApiError::NotReady(NotReady::Behind(lag)),
            Behind::Projection(e) => ApiError::Projection(e),
            Behind::Log(e) => ApiError::Execute(e.into()),
        }
    }
}

/// The in-process implementation over any event log.
#[derive(Debug)]
pub struct Local<L> {
    exec: Executor<L>,
    /// Evaluation's read models: with a background consumer they follow the log by
    /// themselves and a report waits for them; without one, a report folds up to the
    /// head first. The executor's evaluation decisions read the same.
    models: Models,
}

impl<L> Clone for Local<L> {
    fn clone(&self) -> Self {
        Self {
            exec: self.exec.clone(),
            models: self.models.clone(),
        }
    }
}

impl Local<SledLog> {
    /// Opens the embedded installation in `data`: `data/log` (event log) and `data/views`
    /// (read models).
    pub fn open_embedded(data: &Path, clock: Arc<dyn Clock>) -> Result<Self, OpenEmbeddedError> {
        std::fs::create_dir_all(data)
            .map_err(|e| OpenEmbeddedError::Dir(data.display().to_string(), e))?;
        let log = SledLog::open(data.join("log")).map_err(|e| {
            let hint = if e.lock_held() {
                " (is another synergy process using this data directory? stop it, or use --nats)"
            } else {
                ""
            };
            OpenEmbeddedError::Log(format!("{e}{hint}"))
        })?;
        let views = ProjectionStore::open(data.join("views"))?;
        // A snapshot store that cannot be opened costs speed, not correctness.
        let snapshots = match SledSnapshots::open(data.join("snapshots")) {
            Ok(store) => Some(Arc::new(Snapshots::new(
                Arc::new(store),
                crate::snapshot::DEFAULT_INTERVAL,
            ))),
            Err(e) => {
                tracing::warn!(error = %e, "no snapshots: every state not kept folds from the log");
                None
            }
        };
        let mut local = Self::new(Arc::new(log), Arc::new(views), clock);
        if let Some(snapshots) = snapshots {
            local.exec = local.exec.with_snapshots(snapshots);
        }
        Ok(local)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenEmbeddedError {
    #[error("cannot create the data directory {0}: {1}")]
    Dir(String, #[source] std::io::Error),
    #[error("{0}")]
    Log(String),
    #[error("{0}")]
    Views(#[from] ProjectionError),
}

impl<L: EventLog> Local<L> {
    pub fn new(log: Arc<L>, views: Arc<ProjectionStore>, clock: Arc<dyn Clock>) -> Self {
        Self {
            exec: Executor::new(log, clock).with_models(Arc::clone(&views), false),
            models: Models {
                store: views,
                followed: false,
                partitioned: false,
            },
        }
    }

    /// Declares that a background consumer ([`crate::projection::run`]) keeps the read
    /// models up to date; reports and evaluation's commands then wait for it instead of
    /// folding themselves.
    pub fn followed(mut self) -> Self {
        self.models.followed = true;
        self.exec = self.exec.with_models(Arc::clone(&self.models.store), true);
        self
    }

    /// Declares that the background consumer folds one partition of the partnerships
    /// ([`crate::projection::run_partition`]): a read of a partnership waits for its last
    /// commit rather than the log's head, which such a consumer may never reach.
    pub fn partition(mut self) -> Self {
        self.models.followed = true;
        self.models.partitioned = true;
        self.exec = self
            .exec
            .with_partition_models(Arc::clone(&self.models.store));
        self
    }

    /// Keeps the states of up to `streams` streams between commands (0: none); see
    /// [`crate::kept`].
    pub fn with_kept_states(mut self, streams: usize) -> Self {
        self.exec = self.exec.with_kept_states(streams);
        self
    }

    /// Restores the states not kept from `snapshots`, and saves them there, where given.
    pub fn with_snapshots(mut self, snapshots: Option<Arc<Snapshots>>) -> Self {
        if let Some(snapshots) = snapshots {
            self.exec = self.exec.with_snapshots(snapshots);
        }
        self
    }

    /// Writes a snapshot of a state every `events` events folded past the last one (0:
    /// none written), where the executor keeps snapshots; see [`crate::snapshot`].
    pub fn with_snapshot_interval(mut self, events: u64) -> Self {
        if let Some(snapshots) = self.exec.snapshots() {
            let every = Arc::new(snapshots.every(events));
            self.exec = self.exec.with_snapshots(every);
        }
        self
    }

    pub fn executor(&self) -> &Executor<L> {
        &self.exec
    }

    pub fn log(&self) -> &Arc<L> {
        self.exec.log()
    }

    pub fn views(&self) -> &Arc<ProjectionStore> {
        &self.models.store
    }

    /// The partnership's read model, or not found when nothing is recorded for it.
    fn recorded(&self, partnership: &PartnershipId) -> Result<Arc<PartnershipModel>, ApiError> {
        self.models
            .store
            .model(partnership)?
            .ok_or_else(|| NotFound::Records(partnership.clone()).into())
    }

    /// Brings the read models up to `after` (or the head).
    /// Brings the read models up to the log's head (the scheduler decides on them).
    pub(crate) async fn sync_to_head(&self) -> Result<(), ExecuteError> {
        Ok(self.models.sync(&**self.log(), None, None).await?)
    }

    async fn sync(
        &self,
        partnership: Option<&PartnershipId>,
        after: Option<Position>,
    ) -> Result<(), ApiError> {
        Ok(self.models.sync(&**self.log(), partnership, after).await?)
    }
}

#[async_trait]
impl<L: EventLog> Api for Local<L> {
    async fn execute(&self, request: Request) -> Result<Outcome, ApiError> {
        Ok(self.exec.execute(request).await?)
    }

    async fn partnership(&self, id: &PartnershipId) -> Result<Option<PartnershipView>, ApiError> {
        Ok(self.exec.partnership(id).await?)
    }

    async fn catalogue(&self, id: &PartnershipId) -> Result<CatalogueView, ApiError> {
        Ok(self.exec.catalogue(id).await?)
    }

    async fn query(&self, query: AnyQuery) -> Result<serde_json::Value, ApiError> {
        Ok(self.exec.query(&query).await?)
    }

    async fn report(&self, request: ReportRequest) -> Result<String, ApiError> {
        self.sync(Some(&request.partnership), request.after).await?;
        let model = self.recorded(&request.partnership)?;
        let report = report::build(request.kind, &model, request.period, request.as_of);
        Ok(render::render(&report, request.format))
    }

    async fn partnerships(&self, org: &OrgId) -> Result<Vec<Listed>, ApiError> {
        Ok(self.exec.partnerships_of(org).await?)
    }

    async fn history(&self, query: HistoryQuery) -> Result<HistoryPage, ApiError> {
        Ok(self.exec.history(&query).await?)
    }

    async fn portfolio(&self, request: PortfolioRequest) -> Result<String, ApiError> {
        self.sync(None, request.after).await?;
        portfolio_of([&**self.views()], self.exec.clock().now(), &request)
    }

    async fn plan_gap(&self, request: PlanGapRequest) -> Result<String, ApiError> {
        self.sync(Some(&request.partnership), request.after).await?;
        let model = self.recorded(&request.partnership)?;
        let gap = planner::share_gap(&model, request.period, request.target_share.units())
            .map_err(|e| {
                let message = e
                    .to_string()
                    .strip_prefix(&format!("{}: ", e.code()))
                    .map(str::to_owned)
                    .unwrap_or_else(|| e.to_string());
                let refusal = match e {
                    PlannerError::TargetShareInvalid => {
                        DomainError::invalid(e.code(), "target_share_pct", message)
                    }
                    _ => DomainError::state(e.code(), message),
                };
                ApiError::Execute(ExecuteError::Refused(refusal))
            })?;
        let partnership = request.partnership.as_str();
        Ok(match request.format {
            Format::Markdown => gap.to_markdown(partnership),
            _ => gap.to_json(partnership).to_text(),
        })
    }

    async fn value_realised(&self, request: ValueRealisedRequest) -> Result<String, ApiError> {
        self.sync(Some(&request.partnership), request.after).await?;
        let model = self.recorded(&request.partnership)?;
        let judged =
            value::value_realised(&model, &request.campaign, request.as_of).ok_or_else(|| {
                NotFound::Campaign {
                    partnership: request.partnership.clone(),
                    campaign: request.campaign.clone(),
                }
            })?;
        Ok(judged
            .read_json(request.partnership.as_str(), request.as_of)
            .to_text())
    }

    async fn consumer_lag(&self) -> Option<u64> {
        let head = self.log().head().await.ok()?;
        Some(
            head.get()
                .saturating_sub(self.models.store.position().get()),
        )
    }

    async fn quarantined_records(&self) -> Option<u64> {
        u64::try_from(self.models.store.quarantined_count()).ok()
    }

    async fn snapshot_counts(&self) -> Option<crate::snapshot::SnapshotCounts> {
        self.exec.snapshots().map(|s| s.counts())
    }

    async fn issued_report(
        &self,
        partnership: &PartnershipId,
        kind: ReportKind,
        period: Period,
        version: u32,
    ) -> Result<String, ApiError> {
        self.sync(Some(partnership), None).await?;
        let model = self.recorded(partnership)?;
        model
            .issued
            .get(&(kind, period))
            .and_then(|versions| versions.iter().find(|v| v.version == version))
            .map(|v| v.body.clone())
            .ok_or_else(|| {
                NotFound::IssuedVersion {
                    partnership: partnership.clone(),
                    kind,
                    period,
                    version,
                }
                .into()
            })
    }
}

/// The portfolio `request` asks for, of the partnerships whose models `stores` hold (one
/// store, or a partitioned replica's stores of every partition).
pub(crate) fn portfolio_of<'a>(
    stores: impl IntoIterator<Item = &'a ProjectionStore>,
    now: synergy_proto::Timestamp,
    request: &PortfolioRequest,
) -> Result<String, ApiError> {
    let mut models = Vec::new();
    for store in stores {
        for id in store.partnerships()? {
            if let Some(model) = store.model(&id)? {
                models.push(model);
            }
        }
    }
    let members = models.iter().filter_map(|m| {
        let info = m.info.as_ref()?;
        Some((&**m, now.date_in(&info.time_zone)))
    });
    let portfolio = portfolio::portfolio(
        &request.org,
        request.side,
        request.period,
        &request.rank_by,
        members,
    )
    .map_err(|e| ApiError::Execute(ExecuteError::Refused(e)))?;
    Ok(portfolio.to_json().to_text())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SystemClock;

    fn open_error(data: &Path) -> String {
        match Local::open_embedded(data, Arc::new(SystemClock)) {
            Ok(_) => panic!("the data directory must be refused"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_held_data_directory_is_named_as_such_and_a_foreign_layout_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let held = Local::open_embedded(dir.path(), Arc::new(SystemClock)).unwrap();
        let refused = open_error(dir.path());
        assert!(refused.contains("another synergy process"), "{refused}");
        drop(held);

        let other = tempfile::tempdir().unwrap();
        let db = sled::open(other.path().join("log")).unwrap();
        db.open_tree("synergy.log")
            .unwrap()
            .insert("meta:layout", "synergy-eventlog sled layout 9")
            .unwrap();
        db.flush().unwrap();
        drop(db);
        let refused = open_error(other.path());
        assert!(refused.contains("layout 9"), "{refused}");
        assert!(!refused.contains("another synergy process"), "{refused}");
    }
}
