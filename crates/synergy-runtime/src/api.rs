//! The one API every front end uses — the CLI, the HTTP gateway, the NATS services — and
//! its local implementation over an event log and the evaluation read models.
//!
//! [`Local`] runs everything in-process (the embedded default, and inside each NATS
//! service); the NATS client implements the same trait by sending requests to services.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use synergy_domain::{CatalogueView, DomainError, ErrorCode, PartnershipView, Principal};
use synergy_evaluation::model::PartnershipModel;
use synergy_evaluation::planner::{self, PlannerError};
use synergy_evaluation::render::{self, Format};
use synergy_evaluation::{report, restate, value};
use synergy_eventlog::{AppendError, EventLog, Position, SledLog};
use synergy_proto::events::EvaluationEvent;
use synergy_proto::events::evaluation::{ReportKind, Restatement};
use synergy_proto::{
    AggregateId, CampaignId, Context, Date, Event, PartnershipId, Percent, Period, StreamId, Uuid,
};

use crate::clock::Clock;
use crate::executor::{ExecuteError, Executor, Outcome, Request, Unavailable};
use crate::projection::{self, ProjectionError, ProjectionStore};
use crate::query::AnyQuery;

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
    NotReady(String),
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
    /// The partnership is not signed (or the caller must not learn that it is).
    #[error("partnership {0} does not exist")]
    Partnership(PartnershipId),
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

    /// Freezes the live report as its next issued version (an event in the evaluation
    /// context), stating what changed since the previous version.
    async fn issue_report(&self, request: IssueRequest) -> Result<IssuedReport, ApiError>;

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

/// How long a report waits for the read models to catch up with a write.
pub const READ_YOUR_WRITES_TIMEOUT: Duration = Duration::from_secs(10);

/// The in-process implementation over any event log.
#[derive(Debug)]
pub struct Local<L> {
    exec: Executor<L>,
    views: Arc<ProjectionStore>,
    /// With a background consumer the models follow the log by themselves and a report
    /// waits for them; without one, a report folds up to the head first.
    followed: bool,
}

impl<L> Clone for Local<L> {
    fn clone(&self) -> Self {
        Self {
            exec: self.exec.clone(),
            views: Arc::clone(&self.views),
            followed: self.followed,
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
        Ok(Self::new(Arc::new(log), Arc::new(views), clock))
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
            exec: Executor::new(log, clock),
            views,
            followed: false,
        }
    }

    /// Declares that a background consumer ([`projection::run`]) keeps the read models
    /// up to date; reports then wait for it instead of folding themselves.
    pub fn followed(mut self) -> Self {
        self.followed = true;
        self
    }

    pub fn executor(&self) -> &Executor<L> {
        &self.exec
    }

    pub fn log(&self) -> &Arc<L> {
        self.exec.log()
    }

    pub fn views(&self) -> &Arc<ProjectionStore> {
        &self.views
    }

    /// The partnership's read model, or not found when nothing is recorded for it.
    fn recorded(&self, partnership: &PartnershipId) -> Result<Arc<PartnershipModel>, ApiError> {
        self.views
            .model(partnership)?
            .ok_or_else(|| NotFound::Records(partnership.clone()).into())
    }

    /// Brings the read models up to `after` (or the head).
    async fn sync(&self, after: Option<Position>) -> Result<(), ApiError> {
        if self.followed {
            let target = match after {
                Some(p) => p,
                None => self.log().head().await.map_err(ExecuteError::from)?,
            };
            if !self.views.wait_for(target, READ_YOUR_WRITES_TIMEOUT).await {
                return Err(ApiError::NotReady(format!(
                    "read models at {}, waiting for {target}",
                    self.views.position()
                )));
            }
            Ok(())
        } else {
            projection::catch_up(&**self.log(), &self.views).await?;
            Ok(())
        }
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
        self.sync(request.after).await?;
        let model = self.recorded(&request.partnership)?;
        let report = report::build(request.kind, &model, request.period, request.as_of);
        Ok(render::render(&report, request.format))
    }

    async fn plan_gap(&self, request: PlanGapRequest) -> Result<String, ApiError> {
        self.sync(request.after).await?;
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
        self.sync(request.after).await?;
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
        Some(head.get().saturating_sub(self.views.position().get()))
    }

    async fn quarantined_records(&self) -> Option<u64> {
        u64::try_from(self.views.quarantined_count()).ok()
    }

    async fn issue_report(&self, request: IssueRequest) -> Result<IssuedReport, ApiError> {
        let stream = issued_stream(&request.partnership, request.kind, request.period);
        for _ in 0..Executor::<L>::DEFAULT_ATTEMPTS {
            let view = self
                .exec
                .partnership(&request.partnership)
                .await?
                .ok_or_else(|| NotFound::Partnership(request.partnership.clone()))?;
            view.active_side_of(&request.principal)
                .map_err(ExecuteError::Refused)?;
            let loaded = self
                .log()
                .load_aggregate(&stream, 1)
                .await
                .map_err(ExecuteError::from)?;
            let (history, version) = (loaded.commits, loaded.version);
            // The model must include every issued version of this report before deciding.
            let after = history.last().map(|c| c.position);
            self.sync(after).await?;
            let model = self.recorded(&request.partnership)?;
            let live = report::build(request.kind, &model, request.period, request.as_of);
            let event = restate::issue(&model, &live)
                .map_err(|e| ApiError::Execute(ExecuteError::Internal(e.to_string())))?;
            let EvaluationEvent::ReportIssued {
                version: next,
                body,
                restatements,
                ..
            } = &event
            else {
                return Err(ApiError::Execute(ExecuteError::Internal(
                    "issuing produced another event".into(),
                )));
            };
            if let Some(latest) = model.latest_issued(request.kind, request.period)
                && restatements.is_empty()
                && same_figures(&latest.body, body)
            {
                return Ok(IssuedReport {
                    version: latest.version,
                    restatements: Vec::new(),
                    issued: false,
                    position: None,
                });
            }
            let (next, restatements) = (*next, restatements.clone());
            let now = self.exec.clock().now();
            let key = Uuid::now_v7();
            let recorded = self
                .exec
                .record(
                    &request.principal,
                    &stream,
                    version,
                    vec![Event::Evaluation(event)],
                    now,
                    key,
                    key,
                    None,
                )
                .await;
            match recorded {
                Ok(appended) => {
                    return Ok(IssuedReport {
                        version: next,
                        restatements,
                        issued: true,
                        position: Some(appended.position),
                    });
                }
                Err(AppendError::Conflict { .. }) => continue,
                Err(AppendError::Unavailable { reason }) => {
                    return Err(ExecuteError::Unavailable(Unavailable::storage(reason)).into());
                }
                Err(AppendError::Invalid(e)) => {
                    return Err(ExecuteError::Internal(e.to_string()).into());
                }
            }
        }
        Err(ExecuteError::Contended {
            stream,
            attempts: Executor::<L>::DEFAULT_ATTEMPTS,
        }
        .into())
    }

    async fn issued_report(
        &self,
        partnership: &PartnershipId,
        kind: ReportKind,
        period: Period,
        version: u32,
    ) -> Result<String, ApiError> {
        self.sync(None).await?;
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

/// The stream of one report's issued versions: `report:<kind>-<period>`.
pub fn issued_stream(partnership: &PartnershipId, kind: ReportKind, period: Period) -> StreamId {
    StreamId::new(
        Context::Evaluation,
        partnership.clone(),
        AggregateId::compose("report", &format!("{}-{period}", kind.as_str())),
    )
}

/// Two issued bodies state the same figures when they differ at most in `version` and
/// `as_of` (which are not figures).
fn same_figures(a: &str, b: &str) -> bool {
    restate::restatements_between(a, b).is_ok_and(|r| r.is_empty())
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
