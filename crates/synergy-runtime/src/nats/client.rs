//! [`NatsApi`]: the [`Api`] over NATS, for the CLI's `--nats` mode and the gateway.
//!
//! Every call is one request with a timeout. A timeout or a missing service is
//! [`ExecuteError::Unavailable`]: the command may or may not have been recorded, and the
//! caller retries with the same idempotency key, which the services record at most once.
//! The client remembers the log position of its own latest write and passes it with a
//! report query that names none, so a report asked for after a command reflects it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_nats::RequestErrorKind;
use async_trait::async_trait;
use serde::{Serialize, de::DeserializeOwned};
use synergy_domain::contract::View;
use synergy_domain::{CatalogueView, PartnershipView};
use synergy_eventlog::Position;
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{OrgId, PartnershipId, Period};
use synergy_strategy::Listed;

use crate::api::{
    Api, ApiError, PlanGapRequest, PortfolioRequest, READ_YOUR_WRITES_TIMEOUT, ReportRequest,
    ValueRealisedRequest,
};
use crate::executor::{ExecuteError, Outcome, Request, Unavailable};
use crate::history::{HistoryPage, HistoryQuery};
use crate::nats::wire::{
    self, CatalogueQuery, CatalogueWire, CommandRequest, ErrorWire, IssuedVersionQuery,
    OutcomeWire, PartnershipQuery, PartnershipWire, PlanGapQuery, ReadQuery, ReportQuery,
    ValueRealisedQuery,
};
use crate::nats::{ConnectError, NatsAddress, connect};
use crate::query::AnyQuery;

/// How long [`NatsApi`] waits for answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NatsApiConfig {
    /// A command or a query without an answer by then is `Unavailable`.
    pub request_timeout: Duration,
    /// Reports may wait this much longer: evaluation holds the query until its read models
    /// reach the caller's last write.
    pub report_wait: Duration,
    /// How long "no responders" is retried before it means no service is running. The
    /// server says so when it knows of no subscriber, and the request was then delivered
    /// to nobody, so sending it again is always safe. In a cluster a service's
    /// subscription reaches the other nodes a moment after the service calls itself
    /// ready, and a replica being restarted is briefly absent too.
    pub no_responders_grace: Duration,
}

impl Default for NatsApiConfig {
    fn default() -> Self {
        NatsApiConfig {
            request_timeout: Duration::from_secs(10),
            report_wait: READ_YOUR_WRITES_TIMEOUT,
            no_responders_grace: Duration::from_secs(2),
        }
    }
}

/// The [`Api`] answered by services over NATS.
#[derive(Debug)]
pub struct NatsApi {
    client: async_nats::Client,
    config: NatsApiConfig,
    /// The position of this client's latest recorded write; 0 when none yet (positions
    /// start at 1).
    last_write: AtomicU64,
}

impl NatsApi {
    pub fn new(client: async_nats::Client, config: NatsApiConfig) -> Self {
        NatsApi {
            client,
            config,
            last_write: AtomicU64::new(0),
        }
    }

    /// Connects to `address` (see [`connect`]).
    pub async fn connect(address: &NatsAddress) -> Result<Self, ConnectError> {
        Self::connect_with(address, NatsApiConfig::default()).await
    }

    pub async fn connect_with(
        address: &NatsAddress,
        config: NatsApiConfig,
    ) -> Result<Self, ConnectError> {
        Ok(Self::new(connect(address, "synergy-client").await?, config))
    }

    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// The log position of the latest command this client had recorded (or found recorded
    /// under its key), if any.
    pub fn last_write(&self) -> Option<Position> {
        match self.last_write.load(Ordering::Acquire) {
            0 => None,
            p => Some(Position(p)),
        }
    }

    /// Where the evaluation service's read models stand; `None` if it does not answer
    /// (metrics then leave its series out).
    async fn status(&self) -> Option<wire::StatusWire> {
        self.ask(
            wire::status_subject(),
            "evaluation",
            &wire::StatusQuery,
            self.config.request_timeout,
        )
        .await
        .map_err(|e| tracing::debug!(error = %e, "the evaluation service's status is unknown"))
        .ok()
    }

    /// Asks the evaluation service on `subject`: its reads may first wait for the models to
    /// reach the position they name, so they are given that wait on top.
    async fn ask_evaluation<M: Serialize>(
        &self,
        subject: String,
        message: &M,
    ) -> Result<String, ApiError> {
        let timeout = self.config.request_timeout + self.config.report_wait;
        self.ask(subject, "evaluation", message, timeout).await
    }

    /// Sends `message` on `subject` and reads the `Result<T, ErrorWire>` it is answered
    /// with (the wire's `CommandReply`, `PartnershipReply`, ...). `service` names who
    /// should answer, for messages.
    async fn ask<M: Serialize, T: DeserializeOwned>(
        &self,
        subject: String,
        service: &str,
        message: &M,
        timeout: Duration,
    ) -> Result<T, ApiError> {
        let payload = wire::encode(message).map_err(|e| {
            ApiError::Execute(ExecuteError::Internal(format!(
                "cannot encode the request for the {service} service: {e}"
            )))
        })?;
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(20);
        let reply = loop {
            let request = async_nats::Request::new()
                .payload(payload.clone().into())
                .timeout(Some(timeout));
            match self.client.send_request(subject.clone(), request).await {
                Err(e)
                    if e.kind() == RequestErrorKind::NoResponders
                        && started.elapsed() + pause <= self.config.no_responders_grace =>
                {
                    tracing::debug!(%subject, ?pause, "no responders yet; asking again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(250));
                }
                other => break other,
            }
        }
        .map_err(|e| {
            let (service, subject) = (service.to_owned(), subject.clone());
            ApiError::Execute(ExecuteError::Unavailable(match e.kind() {
                RequestErrorKind::TimedOut => Unavailable::NoAnswer {
                    service,
                    subject,
                    after: timeout,
                },
                RequestErrorKind::NoResponders => Unavailable::NoService { service, subject },
                _ => Unavailable::Unreachable {
                    service,
                    subject,
                    reason: e.to_string(),
                },
            }))
        })?;
        let answer: Result<T, ErrorWire> = wire::decode(&reply.payload).map_err(|e| {
            ApiError::Execute(ExecuteError::Internal(format!(
                "cannot read the {service} service's answer on {subject}: {e}; are the client \
                 and the services the same version?"
            )))
        })?;
        answer.map_err(ErrorWire::into_api)
    }
}

#[async_trait]
impl Api for NatsApi {
    async fn execute(&self, request: Request) -> Result<Outcome, ApiError> {
        let context = request.command.context();
        let subject = wire::command_subject(&request.command);
        // A decision on evaluation's models may wait for them as a report does.
        let timeout = if request.command.views().contains(&View::Evaluation) {
            self.config.request_timeout + self.config.report_wait
        } else {
            self.config.request_timeout
        };
        let message = CommandRequest::from_request(request);
        let outcome: OutcomeWire = self
            .ask(subject, context.as_str(), &message, timeout)
            .await?;
        let outcome = Outcome::try_from(outcome)?;
        if let Some(position) = outcome.position {
            self.last_write.fetch_max(position.get(), Ordering::AcqRel);
        }
        Ok(outcome)
    }

    async fn partnership(&self, id: &PartnershipId) -> Result<Option<PartnershipView>, ApiError> {
        let view: Option<PartnershipWire> = self
            .ask(
                wire::partnership_subject(),
                "strategy",
                &PartnershipQuery {
                    partnership: id.clone(),
                },
                self.config.request_timeout,
            )
            .await?;
        view.map(PartnershipView::try_from)
            .transpose()
            .map_err(|e| {
                ApiError::Execute(ExecuteError::Internal(format!(
                    "the strategy service answered with a partnership in an unknown time zone: {e}"
                )))
            })
    }

    async fn partnerships(&self, org: &OrgId) -> Result<Vec<Listed>, ApiError> {
        self.ask(
            wire::partnerships_subject(),
            "strategy",
            &wire::PartnershipsQuery { org: org.clone() },
            self.config.request_timeout,
        )
        .await
    }

    async fn history(&self, query: HistoryQuery) -> Result<HistoryPage, ApiError> {
        self.ask(
            wire::history_subject(),
            "strategy",
            &query,
            self.config.request_timeout,
        )
        .await
    }

    async fn portfolio(&self, mut request: PortfolioRequest) -> Result<String, ApiError> {
        request.after = request.after.or_else(|| self.last_write());
        self.ask_evaluation(
            wire::portfolio_subject(),
            &wire::PortfolioQuery::from(&request),
        )
        .await
    }

    async fn query(&self, query: AnyQuery) -> Result<serde_json::Value, ApiError> {
        let context = query.context();
        let json: String = self
            .ask(
                wire::read_subject(context),
                context.as_str(),
                &ReadQuery { query },
                self.config.request_timeout,
            )
            .await?;
        serde_json::from_str(&json).map_err(|e| {
            ApiError::Execute(ExecuteError::Internal(format!(
                "the {context} service answered with JSON that does not parse: {e}"
            )))
        })
    }

    async fn catalogue(&self, id: &PartnershipId) -> Result<CatalogueView, ApiError> {
        let catalogue: CatalogueWire = self
            .ask(
                wire::catalogue_subject(),
                "brand",
                &CatalogueQuery {
                    partnership: id.clone(),
                },
                self.config.request_timeout,
            )
            .await?;
        Ok(catalogue.into())
    }

    async fn report(&self, mut request: ReportRequest) -> Result<String, ApiError> {
        request.after = request.after.or_else(|| self.last_write());
        self.ask_evaluation(wire::report_subject(), &ReportQuery::from(&request))
            .await
    }

    async fn plan_gap(&self, mut request: PlanGapRequest) -> Result<String, ApiError> {
        request.after = request.after.or_else(|| self.last_write());
        self.ask_evaluation(wire::plan_gap_subject(), &PlanGapQuery::from(&request))
            .await
    }

    async fn value_realised(&self, mut request: ValueRealisedRequest) -> Result<String, ApiError> {
        request.after = request.after.or_else(|| self.last_write());
        self.ask_evaluation(
            wire::value_realised_subject(),
            &ValueRealisedQuery::from(&request),
        )
        .await
    }

    async fn consumer_lag(&self) -> Option<u64> {
        let status = self.status().await?;
        Some(status.head?.saturating_sub(status.position))
    }

    async fn quarantined_records(&self) -> Option<u64> {
        Some(self.status().await?.quarantined)
    }

    async fn issued_report(
        &self,
        partnership: &PartnershipId,
        kind: ReportKind,
        period: Period,
        version: u32,
    ) -> Result<String, ApiError> {
        let query = IssuedVersionQuery {
            partnership: partnership.clone(),
            kind,
            period,
            version,
        };
        self.ask_evaluation(wire::issued_subject(), &query).await
    }
}
