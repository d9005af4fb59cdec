//! Folding commits into the model: one `apply_*` per bounded context, each event changing
//! only the aggregates a report reads.

use std::collections::BTreeMap;

use synergy_proto::events::brand::BrandStage;
use synergy_proto::events::information::{MarketTotals, SkuLine, VolumeLine};
use synergy_proto::events::{
    BrandEvent, EvaluationEvent, InformationEvent, MarketingEvent, StrategyEvent, SupportEvent,
};
use synergy_proto::{Cases, Commit, Date, Event, PlanId, SkuId, TimeZone, YearMonth};

use super::{
    ActionItemState, AnalysisState, CampaignState, Evaluation, IssuedVersion, ItemStatus,
    MeetingState, MonthData, OrderTotals, PartnershipInfo, PartnershipModel, PlanState, PlanStatus,
    PromiseState, RecommendationDecision, SkuEntry, SupportRequestState, TaskState, culture_key,
    within_five_percent,
};

fn add_cases(a: Cases, b: Cases) -> Cases {
    // Saturating keeps a hostile volume from panicking the consumer; the domain refuses
    // amounts anywhere near i64::MAX long before they reach the log.
    Cases::from_units(a.units().saturating_add(b.units()))
}

impl PartnershipModel {
    /// Folds one commit. Commits of other partnerships are ignored (the caller routes by
    /// partnership). Exactly-once is the caller's job: it stores its position with the model.
    pub fn apply(&mut self, commit: &Commit) {
        if commit.stream.partnership != self.partnership {
            return;
        }
        for recorded in &commit.events {
            match &recorded.event {
                Event::Strategy(e) => self.apply_strategy(e),
                Event::Marketing(e) => self.apply_marketing(e),
                // Dated in the zone in force at this commit: commits are folded in
                // order, so a later change of zone restates no earlier day.
                Event::Brand(e) => {
                    let day = recorded.occurred_at.date_in(self.time_zone());
                    self.apply_brand(e, day);
                }
                Event::Information(e) => self.apply_information(e),
                Event::Support(e) => self.apply_support(e),
                Event::Evaluation(e) => self.apply_evaluation(e),
            }
        }
    }

    fn apply_strategy(&mut self, e: &StrategyEvent) {
        match e {
            StrategyEvent::PartnershipSigned {
                manufacturer,
                distributor,
                region,
                signed_on,
            } => {
                self.info = Some(PartnershipInfo {
                    manufacturer: manufacturer.clone(),
                    distributor: distributor.clone(),
                    region: region.clone(),
                    signed_on: *signed_on,
                    terminated_on: None,
                    rulebooks: Vec::new(),
                    time_zone: TimeZone::default(),
                });
            }
            StrategyEvent::RulebookAdopted { title, .. } => {
                if let Some(info) = &mut self.info {
                    info.rulebooks.push(title.clone());
                }
            }
            StrategyEvent::PartnershipTerminated { terminated_on, .. } => {
                if let Some(info) = &mut self.info {
                    info.terminated_on = Some(*terminated_on);
                }
            }
            StrategyEvent::PlanDrafted {
                plan,
                title,
                first_year,
                last_year,
            } => {
                self.plans.insert(
                    plan.clone(),
                    PlanState {
                        title: title.clone(),
                        first_year: *first_year,
                        last_year: *last_year,
                        revision: 1,
                        status: PlanStatus::Draft,
                        targets: BTreeMap::new(),
                    },
                );
            }
            StrategyEvent::PlanTargetSet { plan, target } => {
                if let Some(p) = self.plans.get_mut(plan) {
                    p.targets
                        .insert((target.brand.clone(), target.period), target.clone());
                }
            }
            StrategyEvent::PlanTargetRemoved {
                plan,
                brand,
                period,
            } => {
                if let Some(p) = self.plans.get_mut(plan) {
                    p.targets.remove(&(brand.clone(), *period));
                }
            }
            StrategyEvent::PlanSubmitted { .. } | StrategyEvent::PlanSigned { .. } => {}
            StrategyEvent::PlanActivated { plan, revision } => {
                self.set_plan_status(plan, PlanStatus::Active, Some(*revision));
            }
            // `docs/model.md`: a revision returns the plan to draft; its targets stop
            // counting until both sides sign the new revision.
            StrategyEvent::PlanRevised { plan, revision, .. } => {
                self.set_plan_status(plan, PlanStatus::Draft, Some(*revision));
            }
            StrategyEvent::PlanWithdrawn { plan, .. } => {
                self.set_plan_status(plan, PlanStatus::Withdrawn, None);
            }
            // A proposal binds nobody: reports start at `PartnershipSigned`.
            StrategyEvent::PartnershipProposed { .. }
            | StrategyEvent::PartnershipProposalDeclined { .. }
            | StrategyEvent::PartnershipProposalWithdrawn { .. } => {}
            // A proposed zone binds nobody until both sides agree; where alerts are
            // delivered is the delivering process's business, not a figure.
            StrategyEvent::TimeZoneProposed { .. }
            | StrategyEvent::WebhookRegistered { .. }
            | StrategyEvent::WebhookRemoved { .. } => {}
            StrategyEvent::TimeZoneSet { zone } => {
                // Strategy accepted the name; a tz database that has since dropped it
                // keeps the zone in force rather than stopping the fold.
                if let (Some(info), Ok(zone)) = (&mut self.info, TimeZone::new(zone)) {
                    info.time_zone = zone;
                }
            }
        }
    }

    /// Moves `plan` to `status`, and to `revision` when the event names one.
    fn set_plan_status(&mut self, plan: &PlanId, status: PlanStatus, revision: Option<u32>) {
        if let Some(p) = self.plans.get_mut(plan) {
            p.status = status;
            if let Some(revision) = revision {
                p.revision = revision;
            }
        }
    }

    fn apply_marketing(&mut self, e: &MarketingEvent) {
        match e {
            MarketingEvent::CampaignPlanned {
                campaign,
                title,
                brand,
                skus,
                starts_on,
                ends_on,
                ..
            } => {
                self.campaigns.insert(
                    campaign.clone(),
                    CampaignState {
                        title: title.clone(),
                        brand: brand.clone(),
                        skus: skus.clone(),
                        starts_on: *starts_on,
                        ends_on: *ends_on,
                        launched_on: None,
                        closed: None,
                        tasks: BTreeMap::new(),
                        promise: None,
                    },
                );
            }
            MarketingEvent::CampaignTaskAssigned {
                campaign,
                task,
                title,
                side,
                due_on,
            } => {
                if let Some(c) = self.campaigns.get_mut(campaign) {
                    c.tasks.insert(
                        task.clone(),
                        TaskState {
                            title: title.clone(),
                            side: *side,
                            due_on: *due_on,
                            completed_on: None,
                        },
                    );
                }
            }
            MarketingEvent::CampaignTaskCompleted {
                campaign,
                task,
                completed_on,
                ..
            } => {
                if let Some(t) = self
                    .campaigns
                    .get_mut(campaign)
                    .and_then(|c| c.tasks.get_mut(task))
                {
                    t.completed_on = Some(*completed_on);
                }
            }
            MarketingEvent::RetailPriceChecked {
                sku,
                observed_price,
                guide_price,
                checked_on,
                ..
            } => {
                // Looked up by reference: most checks land in a tally that exists, and
                // cloning the SKU id for each would cost an allocation per event.
                let month = self
                    .price_checks
                    .entry(checked_on.year_month())
                    .or_default();
                let tally = match month.get_mut(sku) {
                    Some(tally) => tally,
                    None => month.entry(sku.clone()).or_default(),
                };
                tally.count = tally.count.saturating_add(1);
                if within_five_percent(*observed_price, *guide_price) {
                    tally.within = tally.within.saturating_add(1);
                }
            }
            MarketingEvent::CampaignLaunched {
                campaign,
                launched_on,
            } => {
                if let Some(c) = self.campaigns.get_mut(campaign) {
                    c.launched_on = Some(*launched_on);
                }
            }
            MarketingEvent::CampaignClosed {
                campaign,
                closed_on,
                outcome,
                ..
            } => {
                if let Some(c) = self.campaigns.get_mut(campaign) {
                    c.closed = Some((*closed_on, *outcome));
                }
            }
            MarketingEvent::UpliftPromised {
                campaign,
                skus,
                first_month,
                last_month,
                uplift,
                reason,
            } => {
                if let Some(c) = self.campaigns.get_mut(campaign) {
                    let revision = c
                        .promise
                        .as_ref()
                        .map_or(1, |p| p.revision.saturating_add(1));
                    c.promise = Some(PromiseState {
                        skus: skus.clone(),
                        first_month: *first_month,
                        last_month: *last_month,
                        uplift: *uplift,
                        revision,
                        reason: reason.clone(),
                    });
                }
            }
            MarketingEvent::MaterialsDispatched { .. }
            | MarketingEvent::MaterialsReceived { .. }
            | MarketingEvent::OutletsSelected { .. }
            | MarketingEvent::SupplyAllocated { .. } => {}
        }
    }

    fn apply_brand(&mut self, e: &BrandEvent, day: Date) {
        match e {
            BrandEvent::SkuRegistered {
                brand,
                sku,
                name,
                price_class,
                guide_price,
            }
            | BrandEvent::SkuUpdated {
                brand,
                sku,
                name,
                price_class,
                guide_price,
            } => {
                let entry = self
                    .catalogue
                    .entry(sku.clone())
                    .or_insert_with(|| SkuEntry {
                        brand: brand.clone(),
                        name: name.clone(),
                        price_class: *price_class,
                        guide_prices: BTreeMap::new(),
                    });
                entry.brand = brand.clone();
                entry.name = name.clone();
                entry.price_class = *price_class;
                entry.guide_prices.insert(day, *guide_price);
                self.brands.entry(brand.clone()).or_default();
            }
            BrandEvent::BrandIntroduced {
                brand,
                introduced_on,
            } => {
                let b = self.brands.entry(brand.clone()).or_default();
                b.introduced_on = Some(*introduced_on);
                b.stages.push((*introduced_on, BrandStage::Introduction));
            }
            BrandEvent::BrandStageChanged {
                brand,
                to,
                changed_on,
                ..
            } => {
                self.brands
                    .entry(brand.clone())
                    .or_default()
                    .stages
                    .push((*changed_on, *to));
            }
            BrandEvent::BrandEvaluated {
                brand,
                period,
                overall,
                scores,
                comment,
            } => {
                self.brands
                    .entry(brand.clone())
                    .or_default()
                    .evaluations
                    .insert(
                        *period,
                        Evaluation {
                            overall: *overall,
                            scores: scores.clone(),
                            comment: comment.clone(),
                        },
                    );
            }
            BrandEvent::CultureActivityHeld {
                brand,
                kind,
                held_on,
                participants,
                ..
            } => {
                let t = self
                    .culture
                    .entry((held_on.year_month(), brand.clone(), culture_key(*kind)))
                    .or_default();
                t.activities = t.activities.saturating_add(1);
                t.participants = t.participants.saturating_add(u64::from(*participants));
            }
        }
    }

    fn apply_information(&mut self, e: &InformationEvent) {
        match e {
            InformationEvent::MarketDataSubmitted {
                month,
                revision,
                lines,
                market,
                submitted_on,
            } => self.apply_market_data(*month, *revision, lines, market, *submitted_on),
            InformationEvent::MarketDataCorrected {
                month,
                revision,
                lines,
                market,
                submitted_on,
                ..
            } => self.apply_market_data(*month, *revision, lines, market, *submitted_on),
            InformationEvent::DemandForecastSubmitted { month, lines, .. } => {
                self.forecasts.insert(*month, sum_lines(lines));
            }
            InformationEvent::SupplyPlanConfirmed { .. }
            | InformationEvent::OrderConfirmed { .. }
            | InformationEvent::OrderShipped { .. } => {}
            InformationEvent::OrderPlaced {
                order,
                month,
                lines,
                ..
            } => {
                self.order_months.insert(order.clone(), *month);
                self.add_order_lines(*month, lines, |t| &mut t.ordered);
            }
            InformationEvent::OrderReceived { order, lines, .. } => {
                let Some(&month) = self.order_months.get(order) else {
                    return;
                };
                self.add_order_lines(month, lines, |t| &mut t.received);
            }
            InformationEvent::AnalysisSubmitted {
                period,
                revision,
                text,
                submitted_on,
                reason,
            } => match self.analyses.get_mut(period) {
                None => {
                    self.analyses.insert(
                        *period,
                        AnalysisState {
                            revision: *revision,
                            text: text.clone(),
                            first_submitted_on: *submitted_on,
                            submitted_on: *submitted_on,
                            reason: reason.clone(),
                            revisions: 1,
                        },
                    );
                }
                Some(existing) if *revision > existing.revision => {
                    existing.revision = *revision;
                    existing.text = text.clone();
                    existing.submitted_on = *submitted_on;
                    existing.reason = reason.clone();
                    existing.revisions = existing.revisions.saturating_add(1);
                }
                // An older or equal revision never overrides the one in force.
                Some(_) => {}
            },
        }
    }

    /// Adds `lines` to the orders counted in `month`, on the side `side` picks (ordered
    /// or received).
    fn add_order_lines(
        &mut self,
        month: YearMonth,
        lines: &[VolumeLine],
        side: fn(&mut OrderTotals) -> &mut Cases,
    ) {
        let totals = self.orders.entry(month).or_default();
        for l in lines {
            let t = side(totals.entry(l.sku.clone()).or_default());
            *t = add_cases(*t, l.volume);
        }
    }

    fn apply_market_data(
        &mut self,
        month: YearMonth,
        revision: u32,
        lines: &[SkuLine],
        market: &MarketTotals,
        submitted_on: Date,
    ) {
        // A correction supersedes the month as a whole: lines missing from it are gone.
        let lines: BTreeMap<SkuId, SkuLine> =
            lines.iter().map(|l| (l.sku.clone(), l.clone())).collect();
        match self.months.get_mut(&month) {
            None => {
                self.months.insert(
                    month,
                    MonthData {
                        revision,
                        first_submitted_on: submitted_on,
                        submitted_on,
                        corrections: 0,
                        market: market.clone(),
                        lines,
                    },
                );
            }
            Some(existing) if revision > existing.revision => {
                existing.revision = revision;
                existing.submitted_on = submitted_on;
                existing.corrections = existing.corrections.saturating_add(1);
                existing.market = market.clone();
                existing.lines = lines;
            }
            // An older or equal revision never overrides the one in force.
            Some(_) => {}
        }
    }

    fn apply_support(&mut self, e: &SupportEvent) {
        match e {
            SupportEvent::MeetingScheduled {
                meeting,
                kind,
                title,
                scheduled_on,
                period,
                ..
            } => {
                self.meetings.insert(
                    meeting.clone(),
                    MeetingState {
                        kind: *kind,
                        title: title.clone(),
                        scheduled_on: *scheduled_on,
                        period: *period,
                        held_on: None,
                        cancelled: false,
                        decisions: Vec::new(),
                    },
                );
            }
            SupportEvent::MeetingHeld {
                meeting,
                held_on,
                decisions,
                ..
            } => {
                if let Some(m) = self.meetings.get_mut(meeting) {
                    m.held_on = Some(*held_on);
                    m.decisions = decisions.clone();
                }
            }
            SupportEvent::MeetingCancelled { meeting, .. } => {
                if let Some(m) = self.meetings.get_mut(meeting) {
                    m.cancelled = true;
                }
            }
            SupportEvent::ActionItemRaised {
                item,
                title,
                owner,
                due_on,
                meeting,
                raised_on,
            } => {
                self.action_items.insert(
                    item.clone(),
                    ActionItemState {
                        title: title.clone(),
                        owner: *owner,
                        raised_on: *raised_on,
                        meeting: meeting.clone(),
                        timeline: vec![ItemStatus {
                            from: *raised_on,
                            open: true,
                            due_on: *due_on,
                        }],
                    },
                );
            }
            SupportEvent::ActionItemProgressed { .. } => {}
            SupportEvent::ActionItemClosed {
                item, closed_on, ..
            } => {
                if let Some(a) = self.action_items.get_mut(item) {
                    let due_on = a.timeline.last().map_or(*closed_on, |s| s.due_on);
                    a.timeline.push(ItemStatus {
                        from: *closed_on,
                        open: false,
                        due_on,
                    });
                }
            }
            SupportEvent::ActionItemReopened {
                item,
                due_on,
                reopened_on,
                ..
            } => {
                if let Some(a) = self.action_items.get_mut(item) {
                    a.timeline.push(ItemStatus {
                        from: *reopened_on,
                        open: true,
                        due_on: *due_on,
                    });
                }
            }
            SupportEvent::SupportRequestOpened {
                request,
                title,
                severity,
                requested_by,
                opened_at,
                response_target_hours,
            } => {
                self.support_requests.insert(
                    request.clone(),
                    SupportRequestState {
                        title: title.clone(),
                        severity: *severity,
                        requested_by: *requested_by,
                        opened_at: *opened_at,
                        response_target_hours: *response_target_hours,
                        acknowledged_at: None,
                        resolved_at: None,
                    },
                );
            }
            SupportEvent::SupportRequestAcknowledged {
                request,
                acknowledged_at,
            } => {
                if let Some(r) = self.support_requests.get_mut(request) {
                    r.acknowledged_at.get_or_insert(*acknowledged_at);
                }
            }
            SupportEvent::SupportRequestResolved {
                request,
                resolved_at,
                ..
            } => {
                if let Some(r) = self.support_requests.get_mut(request) {
                    r.resolved_at = Some(*resolved_at);
                }
            }
            // Accepted in the commit that raised the item, so the item is already here.
            SupportEvent::RecommendationAccepted {
                item,
                period,
                rule,
                sku,
                by,
            } => {
                if let Some(a) = self.action_items.get(item) {
                    let decision = RecommendationDecision::Accepted {
                        item: item.clone(),
                        by: *by,
                        on: a.raised_on,
                    };
                    self.recommendation_decisions
                        .entry((*period, *rule, sku.clone()))
                        .or_insert(decision);
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
            } => {
                let decision = RecommendationDecision::Dismissed {
                    reason: reason.clone(),
                    by: *by,
                    on: *dismissed_on,
                };
                self.recommendation_decisions
                    .entry((*period, *rule, sku.clone()))
                    .or_insert(decision);
            }
        }
    }

    fn apply_evaluation(&mut self, e: &EvaluationEvent) {
        match e {
            EvaluationEvent::ReportIssued {
                kind,
                period,
                version,
                body,
                restatements,
            } => {
                let versions = self.issued.entry((*kind, *period)).or_default();
                if versions.iter().all(|v| v.version != *version) {
                    versions.push(IssuedVersion {
                        version: *version,
                        body: body.clone(),
                        restatements: restatements.len(),
                    });
                    versions.sort_by_key(|v| v.version);
                }
            }
            EvaluationEvent::ExceptionRulesSet { rules } => {
                self.exception_rules = rules.clone();
            }
            // Alerts are judged from the figures; they change none.
            EvaluationEvent::IssuingProposed { .. }
            | EvaluationEvent::ExceptionRulesProposed { .. }
            | EvaluationEvent::ExceptionRaised { .. }
            | EvaluationEvent::ExceptionCleared { .. }
            | EvaluationEvent::DataReminder { .. } => {}
            EvaluationEvent::IssuingSet { setting } => {
                self.issuing = setting.clone();
            }
        }
    }
}

fn sum_lines(lines: &[VolumeLine]) -> BTreeMap<SkuId, Cases> {
    let mut out: BTreeMap<SkuId, Cases> = BTreeMap::new();
    for l in lines {
        let v = out.entry(l.sku.clone()).or_default();
        *v = add_cases(*v, l.volume);
    }
    out
}
