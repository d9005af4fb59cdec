//! The one API every front end uses — the CLI, the HTTP gateway, the NATS services — and
//! its local implementation over an event log and the evaluation read models.
//!
//! [`Local`] runs everything in-process (the embedded default, and inside each NATS
//! service); the NATS client implements the same trait by sending requests to services.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use synergy_domain::{CatalogueView, PartnershipView};
use synergy_evaluation::render::{self, Format};
use synergy_evaluation::report;
use synergy_eventlog::{EventLog, Position, SledLog};
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{Date, PartnershipId, Period};

use crate::clock::Clock;
use crate::executor::{ExecuteError, Executor, Outcome, Request};
use crate::projection::{self, ProjectionError, ProjectionStore};

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

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Execute(#[from] ExecuteError),
    #[error("{0}")]
    NotFound(String),
    /// The read models did not reach the requested position in time. Retry.
    #[error("reports are not up to date yet ({0}); retry shortly")]
    NotReady(String),
    #[error("read models: {0}")]
    Projection(#[from] ProjectionError),
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
        let log =
            SledLog::open(data.join("log")).map_err(|e| OpenEmbeddedError::Log(e.to_string()))?;
        let views = ProjectionStore::open(data.join("views"))?;
        Ok(Self::new(Arc::new(log), Arc::new(views), clock))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenEmbeddedError {
    #[error("cannot create the data directory {0}: {1}")]
    Dir(String, #[source] std::io::Error),
    #[error("{0} (is another synergy process using this data directory? stop it, or use --nats)")]
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

    async fn report(&self, request: ReportRequest) -> Result<String, ApiError> {
        self.sync(request.after).await?;
        let model = self.views.model(&request.partnership)?.ok_or_else(|| {
            ApiError::NotFound(format!(
                "nothing is recorded for partnership {}; sign it and import data first",
                request.partnership
            ))
        })?;
        let report = report::build(request.kind, &model, request.period, request.as_of);
        Ok(render::render(&report, request.format))
    }
}
