//! How a service answers each request: a command executed, a query answered from the
//! read models, a request for a partition this replica does not own passed on to one that
//! does.

use super::*;

impl Handlers {
    pub(super) async fn handle(&self, endpoint: Endpoint, msg: Message) {
        let Some(reply) = msg.reply.clone() else {
            // Published, not requested: nobody would learn whether it was recorded, so it
            // is not acted on.
            self.stats.bad_requests.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(subject = %msg.subject, "ignoring a message without a reply subject; send commands and queries as requests");
            return;
        };
        if let Some(partition) = self.elsewhere(endpoint, &msg) {
            self.send_on(partition, msg, reply).await;
            return;
        }
        let encoded = match endpoint {
            Endpoint::Commands(context) => wire::encode(&self.command(context, &msg).await),
            Endpoint::Read(context) => wire::encode(&self.read(context, &msg).await),
            Endpoint::Partnership => wire::encode(&self.partnership(&msg).await),
            Endpoint::Partnerships => wire::encode(&self.partnerships(&msg).await),
            Endpoint::History => wire::encode(&self.history(&msg).await),
            Endpoint::Portfolio => wire::encode(&self.portfolio(&msg).await),
            Endpoint::Catalogue => wire::encode(&self.catalogue(&msg).await),
            Endpoint::Report => wire::encode(&self.report(&msg).await),
            Endpoint::PlanGap => wire::encode(&self.plan_gap(&msg).await),
            Endpoint::Issued => wire::encode(&self.issued(&msg).await),
            Endpoint::Status => wire::encode(&self.status(&msg).await),
            Endpoint::ValueRealised => wire::encode(&self.value_realised(&msg).await),
        };
        let bytes = match encoded {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::error!(error = %e, "cannot encode the reply");
                match wire::encode(&Err::<(), _>(ErrorWire::new(
                    wire::code::INTERNAL,
                    format!("the service could not encode its reply: {e}"),
                ))) {
                    Ok(bytes) => bytes,
                    Err(_) => return,
                }
            }
        };
        if let Err(e) = self.client.publish(reply, bytes.into()).await {
            tracing::warn!(error = %e, "cannot send the reply; the caller will time out and retry");
        }
    }

    /// The partition a request on a shared subject is for, when this replica folds only
    /// some partitions and not that one.
    fn elsewhere(&self, endpoint: Endpoint, msg: &Message) -> Option<u32> {
        let owned = self.owned.as_ref()?;
        let partnership = match endpoint {
            Endpoint::Report => wire::decode::<ReportQuery>(&msg.payload).ok()?.partnership,
            Endpoint::PlanGap => wire::decode::<PlanGapQuery>(&msg.payload).ok()?.partnership,
            Endpoint::ValueRealised => {
                wire::decode::<ValueRealisedQuery>(&msg.payload)
                    .ok()?
                    .partnership
            }
            Endpoint::Issued => {
                wire::decode::<IssuedVersionQuery>(&msg.payload)
                    .ok()?
                    .partnership
            }
            Endpoint::Commands(Context::Evaluation) => {
                wire::decode::<CommandRequest>(&msg.payload)
                    .ok()?
                    .command
                    .stream()
                    .partnership
            }
            _ => return None,
        };
        match owned.route(&partnership) {
            Route::Here(_) => None,
            // Only what came on a shared subject goes on; one of a partition's own
            // subjects is answered here whatever it holds, so nothing goes round.
            // `syn.qry.evaluation.<name>`, `syn.cmd.evaluation.<verb>`: four tokens; a
            // partition's own subjects have five.
            Route::Partition(k) => (msg.subject.split('.').count() == 4).then_some(k),
        }
    }

    /// Sends a request on to the replicas of `partition` and relays their answer as it
    /// is; no answer is answered `unavailable`, which the caller may retry.
    async fn send_on(&self, partition: u32, msg: Message, reply: async_nats::Subject) {
        let Some(on) = partitions::partition_subject(&msg.subject, partition) else {
            return;
        };
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(20);
        let answer = loop {
            let request = async_nats::Request::new()
                .payload(msg.payload.clone())
                .timeout(Some(partitions::FORWARD_TIMEOUT));
            match self.client.send_request(on.clone(), request).await {
                // A replica of the partition restarting is briefly absent.
                Err(e)
                    if e.kind() == async_nats::RequestErrorKind::NoResponders
                        && started.elapsed() < NO_RESPONDERS_GRACE =>
                {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(250));
                }
                other => break other,
            }
        };
        let bytes = match answer {
            Ok(answer) => answer.payload.to_vec(),
            Err(e) => {
                tracing::warn!(subject = %on, error = %e, "no replica of the partition answered");
                match wire::encode(&Err::<(), _>(ErrorWire::new(
                    wire::code::UNAVAILABLE,
                    format!("no evaluation replica of partition {partition} answered on {on}: {e}"),
                ))) {
                    Ok(bytes) => bytes,
                    Err(_) => return,
                }
            }
        };
        if let Err(e) = self.client.publish(reply, bytes.into()).await {
            tracing::warn!(error = %e, "cannot send the reply; the caller will time out and retry");
        }
    }

    /// The read models that answer for `partnership` here, if any.
    fn local_for(&self, partnership: &PartnershipId) -> Option<&Local<JetStreamLog>> {
        if let Some(local) = &self.reports {
            return Some(local);
        }
        match self.owned.as_ref()?.route(partnership) {
            Route::Here(local) => Some(local),
            Route::Partition(_) => None,
        }
    }

    fn bad_request(&self, msg: &Message, what: &str, reason: impl fmt::Display) -> ErrorWire {
        self.stats.bad_requests.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(subject = %msg.subject, %reason, "bad request");
        ErrorWire::bad_request(format!(
            "cannot read the {what} on {}: {reason}",
            msg.subject
        ))
    }

    async fn command(&self, context: Context, msg: &Message) -> CommandReply {
        let request: CommandRequest =
            wire::decode(&msg.payload).map_err(|e| self.bad_request(msg, "command request", e))?;
        let command_context = request.command.context();
        if command_context != context {
            return Err(self.bad_request(
                msg,
                "command request",
                format!("it holds a {command_context} command, which the {context} service does not answer"),
            ));
        }
        let verb = request.command.verb();
        if msg.subject.rsplit('.').next() != Some(verb) {
            return Err(self.bad_request(
                msg,
                "command request",
                format!(
                    "it holds a {verb} command; send it on {}",
                    wire::command_subject(&request.command)
                ),
            ));
        }
        let stream = request.command.stream();
        let span = tracing::info_span!(
            "request",
            context = %context,
            verb,
            partnership = %stream.partnership,
            aggregate = %stream.aggregate,
            correlation = %request.correlation_id,
        );
        // Evaluation's decisions read the models of the partnership's partition.
        let exec = match (&self.owned, self.local_for(&stream.partnership)) {
            (Some(_), Some(local)) if context == Context::Evaluation => local.executor(),
            _ => &self.exec,
        };
        let result = exec
            .execute(request.into_request())
            .instrument(span.clone())
            .await;
        self.stats.commands.fetch_add(1, Ordering::Relaxed);
        let _entered = span.enter();
        match result {
            Ok(outcome) => {
                tracing::info!(position = ?outcome.position.map(|p| p.get()), events = ?outcome.events, duplicate = outcome.duplicate, "accepted");
                Ok(OutcomeWire::from(&outcome))
            }
            Err(e) => {
                let wire = ErrorWire::from_execute(&e);
                if wire.code == wire::code::REFUSED {
                    tracing::info!(rule = ?wire.rule, field = ?wire.field, "refused");
                } else {
                    tracing::warn!(error = %e, "failed");
                }
                Err(wire)
            }
        }
    }

    async fn read(&self, context: Context, msg: &Message) -> ReadReply {
        let ReadQuery { query } =
            wire::decode(&msg.payload).map_err(|e| self.bad_request(msg, "query", e))?;
        let query_context = query.context();
        if query_context != context {
            return Err(self.bad_request(
                msg,
                "query",
                format!(
                    "it holds a {query_context} query; send it on {}",
                    wire::read_subject(query_context)
                ),
            ));
        }
        self.stats.queries.fetch_add(1, Ordering::Relaxed);
        let answer = self
            .exec
            .query(&query)
            .await
            .map_err(|e| ErrorWire::from_execute(&e))?;
        serde_json::to_string(&answer).map_err(|e| {
            ErrorWire::new(
                wire::code::INTERNAL,
                format!("the answer does not convert to JSON: {e}"),
            )
        })
    }

    async fn partnership(&self, msg: &Message) -> PartnershipReply {
        let query: PartnershipQuery = wire::decode(&msg.payload)
            .map_err(|e| self.bad_request(msg, "partnership query", e))?;
        self.stats.queries.fetch_add(1, Ordering::Relaxed);
        let span =
            tracing::info_span!("query", name = "partnership", partnership = %query.partnership);
        self.exec
            .partnership(&query.partnership)
            .instrument(span)
            .await
            .map(|view| view.as_ref().map(PartnershipWire::from))
            .map_err(|e| ErrorWire::from_execute(&e))
    }

    async fn partnerships(&self, msg: &Message) -> wire::PartnershipsReply {
        let query: wire::PartnershipsQuery = wire::decode(&msg.payload)
            .map_err(|e| self.bad_request(msg, "partnerships query", e))?;
        self.stats.queries.fetch_add(1, Ordering::Relaxed);
        let span = tracing::info_span!("query", name = "partnerships", org = %query.org);
        self.exec
            .partnerships_of(&query.org)
            .instrument(span)
            .await
            .map_err(|e| ErrorWire::from_execute(&e))
    }

    async fn history(&self, msg: &Message) -> wire::HistoryReply {
        let query: crate::history::HistoryQuery =
            wire::decode(&msg.payload).map_err(|e| self.bad_request(msg, "history query", e))?;
        self.stats.queries.fetch_add(1, Ordering::Relaxed);
        let span = tracing::info_span!("query", name = "history", partnership = %query.partnership);
        self.exec
            .history(&query)
            .instrument(span)
            .await
            .map_err(|e| ErrorWire::from_execute(&e))
    }

    async fn portfolio(&self, msg: &Message) -> ReportReply {
        let query: wire::PortfolioQuery =
            wire::decode(&msg.payload).map_err(|e| self.bad_request(msg, "portfolio query", e))?;
        if let Some(owned) = &self.owned {
            // Subscribed only where every partition is folded here.
            self.stats.queries.fetch_add(1, Ordering::Relaxed);
            let request = crate::api::PortfolioRequest::from(query);
            return crate::api::portfolio_of(
                owned.stores().map(|s| &**s),
                self.exec.clock().now(),
                &request,
            )
            .map_err(|e| ErrorWire::from_api(&e));
        }
        let Some(local) = &self.reports else {
            return Err(not_evaluation());
        };
        self.stats.queries.fetch_add(1, Ordering::Relaxed);
        let span = tracing::info_span!(
            "query",
            name = "portfolio",
            org = %query.org,
            period = %query.period,
        );
        local
            .portfolio(query.into())
            .instrument(span)
            .await
            .map_err(|e| ErrorWire::from_api(&e))
    }

    async fn catalogue(&self, msg: &Message) -> CatalogueReply {
        let query: CatalogueQuery =
            wire::decode(&msg.payload).map_err(|e| self.bad_request(msg, "catalogue query", e))?;
        self.stats.queries.fetch_add(1, Ordering::Relaxed);
        let span =
            tracing::info_span!("query", name = "catalogue", partnership = %query.partnership);
        self.exec
            .catalogue(&query.partnership)
            .instrument(span)
            .await
            .map(|view| CatalogueWire::from(&view))
            .map_err(|e| ErrorWire::from_execute(&e))
    }

    async fn report(&self, msg: &Message) -> ReportReply {
        let query: ReportQuery =
            wire::decode(&msg.payload).map_err(|e| self.bad_request(msg, "report query", e))?;
        let Some(local) = self.local_for(&query.partnership) else {
            // Only subscribed when evaluation is hosted; kept as an answer, not a panic.
            return Err(ErrorWire::new(
                wire::code::INTERNAL,
                "this service does not host evaluation",
            ));
        };
        self.stats.queries.fetch_add(1, Ordering::Relaxed);
        let span = tracing::info_span!(
            "query",
            name = "report",
            partnership = %query.partnership,
            period = %query.period,
            after = ?query.after,
        );
        local
            .report(query.into())
            .instrument(span)
            .await
            .map_err(|e| ErrorWire::from_api(&e))
    }

    async fn plan_gap(&self, msg: &Message) -> ReportReply {
        let query: PlanGapQuery =
            wire::decode(&msg.payload).map_err(|e| self.bad_request(msg, "plan-gap query", e))?;
        let Some(local) = self.local_for(&query.partnership) else {
            return Err(not_evaluation());
        };
        self.stats.queries.fetch_add(1, Ordering::Relaxed);
        let span = tracing::info_span!(
            "query",
            name = "plan-gap",
            partnership = %query.partnership,
            period = %query.period,
        );
        local
            .plan_gap(query.into())
            .instrument(span)
            .await
            .map_err(|e| ErrorWire::from_api(&e))
    }

    async fn value_realised(&self, msg: &Message) -> ReportReply {
        let query: ValueRealisedQuery = wire::decode(&msg.payload)
            .map_err(|e| self.bad_request(msg, "value-realised query", e))?;
        let Some(local) = self.local_for(&query.partnership) else {
            return Err(not_evaluation());
        };
        self.stats.queries.fetch_add(1, Ordering::Relaxed);
        let span = tracing::info_span!(
            "query",
            name = "value-realised",
            partnership = %query.partnership,
            campaign = %query.campaign,
        );
        local
            .value_realised(query.into())
            .instrument(span)
            .await
            .map_err(|e| ErrorWire::from_api(&e))
    }

    async fn issued(&self, msg: &Message) -> IssuedVersionReply {
        let query: IssuedVersionQuery = wire::decode(&msg.payload)
            .map_err(|e| self.bad_request(msg, "issued report query", e))?;
        let Some(local) = self.local_for(&query.partnership) else {
            return Err(not_evaluation());
        };
        self.stats.queries.fetch_add(1, Ordering::Relaxed);
        local
            .issued_report(&query.partnership, query.kind, query.period, query.version)
            .await
            .map_err(|e| ErrorWire::from_api(&e))
    }
}

impl Handlers {
    async fn status(&self, msg: &Message) -> wire::StatusReply {
        let _: wire::StatusQuery =
            wire::decode(&msg.payload).map_err(|e| self.bad_request(msg, "status query", e))?;
        if let Some(owned) = &self.owned {
            // Where the partition furthest behind stands: a lag counted from it includes
            // the other partitions' commits since, so it is an upper bound.
            let position = owned
                .stores()
                .map(|s| s.position().get())
                .min()
                .unwrap_or(0);
            let quarantined = owned.stores().map(|s| s.quarantined_count() as u64).sum();
            return Ok(wire::StatusWire {
                position,
                head: synergy_eventlog::EventLog::head(&**self.exec.log())
                    .await
                    .ok()
                    .map(|p| p.get()),
                quarantined,
            });
        }
        let Some(local) = &self.reports else {
            return Err(not_evaluation());
        };
        Ok(wire::StatusWire {
            position: local.views().position().get(),
            head: synergy_eventlog::EventLog::head(&**local.log())
                .await
                .ok()
                .map(|p| p.get()),
            quarantined: local.quarantined_records().await.unwrap_or(0),
        })
    }
}

/// The answer where evaluation is not hosted (its subjects are only subscribed where it
/// is, so this is a safeguard, not a path).
fn not_evaluation() -> ErrorWire {
    ErrorWire::new(
        wire::code::INTERNAL,
        "this service does not host evaluation",
    )
}
