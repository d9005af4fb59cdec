//! Given / when / then for every marketing command: each rule's success and refusal.

mod support;

use support::*;
use synergy_domain::testing::given;
use synergy_domain::{BoundedContext, ErrorKind};
use synergy_marketing::{Answer, Command, Lifecycle, Marketing, Query, answer, fold};
use synergy_proto::events::marketing::{CampaignOutcome, MarketingEvent};
use synergy_proto::events::strategy::StrategyEvent;
use synergy_proto::{AggregateId, Context, Event, Percent, Side};

// ---------- routing ----------

#[test]
fn every_command_routes_to_its_campaign_stream() {
    for (cmd, _) in every_command() {
        let stream = Marketing::stream_of(&cmd);
        assert_eq!(stream.context, Context::Marketing);
        assert_eq!(stream.partnership, pid());
        assert_eq!(
            stream.aggregate,
            AggregateId::compose("campaign", "soft-launch")
        );
    }
}

// ---------- who may act at all ----------

#[test]
fn only_parties_of_a_partnership_in_force_act() {
    for (cmd, _) in every_command() {
        let e = given(live(), outsider()).when::<Marketing>(cmd.clone());
        assert_eq!(
            e.refused("partnership.parties_only").kind,
            ErrorKind::Forbidden
        );
        given(live(), terminated(manufacturer()))
            .when::<Marketing>(cmd.clone())
            .refused("partnership.terminated_accepts_nothing");
        let e = given(live(), without_partnership(manufacturer())).when::<Marketing>(cmd);
        assert_eq!(
            e.refused("partnership.must_exist").kind,
            ErrorKind::NotFound
        );
    }
}

#[test]
fn a_command_for_another_partnership_than_the_one_loaded_is_refused() {
    let mut ctx = manufacturer();
    if let Some(view) = ctx.partnership.as_mut() {
        view.id = synergy_proto::PartnershipId::new("hy-other").unwrap();
    }
    given([], ctx.clone())
        .when::<Marketing>(plan_cmd())
        .refused("partnership.must_exist");
    given([], manufacturer())
        .when::<Marketing>(plan_cmd())
        .accepted();
}

#[test]
fn an_admin_acts_as_the_party_it_represents() {
    given([], admin_for(MANUFACTURER))
        .when::<Marketing>(plan_cmd())
        .then([planned()]);
    given([], admin_for(DISTRIBUTOR))
        .when::<Marketing>(plan_cmd())
        .refused("campaign.plan_by_manufacturer");
}

// ---------- planning ----------

#[test]
fn the_manufacturer_plans_a_campaign() {
    given([], manufacturer())
        .when::<Marketing>(plan_cmd())
        .then([planned()]);
    let state = fold(&[planned()]);
    assert_eq!(state.lifecycle(), Lifecycle::Planned);
    let plan = state.plan().unwrap();
    assert_eq!(plan.skus, vec![sku("hy-soft"), sku("hy-hard")]);
    assert!(plan.activity_plan.contains("活動方案"));
}

#[test]
fn the_distributor_does_not_plan() {
    let outcome = given([], distributor()).when::<Marketing>(plan_cmd());
    let e = outcome.refused("campaign.plan_by_manufacturer");
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert!(e.message.contains("manufacturer's task"), "{e}");
}

#[test]
fn planning_twice_is_refused() {
    let e = given([planned()], manufacturer()).when::<Marketing>(plan_cmd());
    assert_eq!(e.refused("campaign.planned_once").kind, ErrorKind::State);
}

fn plan_with(edit: impl FnOnce(&mut Command)) -> Command {
    let mut cmd = plan_cmd();
    edit(&mut cmd);
    cmd
}

#[test]
fn a_plan_needs_a_title_and_an_activity_plan() {
    let blank_title = plan_with(|c| {
        if let Command::PlanCampaign { title, .. } = c {
            *title = "  ".into();
        }
    });
    given([], manufacturer())
        .when::<Marketing>(blank_title)
        .refused_at("campaign.title_given", ErrorKind::Invalid, "title");
    let blank_plan = plan_with(|c| {
        if let Command::PlanCampaign { activity_plan, .. } = c {
            activity_plan.clear();
        }
    });
    given([], manufacturer())
        .when::<Marketing>(blank_plan)
        .refused_at(
            "campaign.activity_plan_given",
            ErrorKind::Invalid,
            "activity_plan",
        );
}

#[test]
fn the_brand_must_be_in_the_catalogue() {
    let cmd = plan_with(|c| {
        if let Command::PlanCampaign { brand: b, .. } = c {
            *b = brand("unknown");
        }
    });
    given([], manufacturer()).when::<Marketing>(cmd).refused_at(
        "campaign.brand_in_catalogue",
        ErrorKind::NotFound,
        "brand",
    );
}

#[test]
fn skus_must_be_listed_registered_distinct_and_of_the_brand() {
    let set = |skus: Vec<&str>| {
        plan_with(|c| {
            if let Command::PlanCampaign { skus: s, .. } = c {
                *s = skus.into_iter().map(sku).collect();
            }
        })
    };
    let g = given([], manufacturer());
    g.when::<Marketing>(set(vec![]))
        .refused_at("campaign.skus_given", ErrorKind::Invalid, "skus");
    g.when::<Marketing>(set(vec!["hy-soft", "yy-1"]))
        .refused_at("campaign.sku_of_brand", ErrorKind::Invalid, "skus[1]");
    g.when::<Marketing>(set(vec!["hy-new"])).refused_at(
        "campaign.sku_of_brand",
        ErrorKind::NotFound,
        "skus[0]",
    );
    g.when::<Marketing>(set(vec!["hy-soft", "hy-hard", "hy-soft"]))
        .refused_at("campaign.skus_distinct", ErrorKind::Invalid, "skus[2]");
    let one = g.when::<Marketing>(set(vec!["hy-hard"]));
    assert_eq!(one.accepted().len(), 1);
}

#[test]
fn a_campaign_starts_no_later_than_it_ends() {
    let on = |start: &str, end: &str| {
        plan_with(|c| {
            if let Command::PlanCampaign {
                starts_on, ends_on, ..
            } = c
            {
                *starts_on = date(start);
                *ends_on = date(end);
            }
        })
    };
    let g = given([], manufacturer());
    g.when::<Marketing>(on("2008-05-02", "2008-05-01"))
        .refused_at(
            "campaign.starts_before_it_ends",
            ErrorKind::Invalid,
            "ends_on",
        );
    // A one-day campaign is fine.
    assert_eq!(
        g.when::<Marketing>(on("2008-05-01", "2008-05-01"))
            .accepted()
            .len(),
        1
    );
}

// ---------- lifecycle ----------

#[test]
fn nothing_happens_to_a_campaign_that_was_never_planned() {
    for (cmd, ctx) in every_command().into_iter().skip(1) {
        let outcome = given([], ctx).when::<Marketing>(cmd);
        assert_eq!(
            outcome.refused("campaign.must_exist").kind,
            ErrorKind::NotFound
        );
    }
}

#[test]
fn nothing_changes_a_closed_campaign() {
    let mut history = live();
    history.push(assigned("t1", Side::Distributor));
    history.push(dispatched("posters", 5));
    history.push(closed(CampaignOutcome::Succeeded));
    for (cmd, ctx) in every_command() {
        let is_plan = matches!(cmd, Command::PlanCampaign { .. });
        let outcome = given(history.clone(), ctx).when::<Marketing>(cmd);
        if is_plan {
            outcome.refused("campaign.planned_once");
        } else {
            let e = outcome.refused("campaign.closed_accepts_nothing");
            assert_eq!(e.kind, ErrorKind::State);
        }
    }
    // The same commands succeed on the open campaign, so the refusal above is the closure's.
    let mut open = history.clone();
    open.pop();
    for (cmd, ctx) in every_command() {
        match cmd {
            Command::PlanCampaign { .. } | Command::LaunchCampaign { .. } => {}
            cmd => {
                given(open.clone(), ctx).when::<Marketing>(cmd).accepted();
            }
        }
    }
}

#[test]
fn the_distributor_launches_once_outlets_are_selected() {
    given([planned(), selected(&["o1"])], distributor())
        .when::<Marketing>(launch_cmd())
        .then([launched()]);
    let state = fold(&live());
    assert_eq!(state.lifecycle(), Lifecycle::Launched);
    assert_eq!(state.launched_on(), Some(date("2008-05-10")));
}

#[test]
fn the_manufacturer_does_not_launch() {
    let outcome =
        given([planned(), selected(&["o1"])], manufacturer()).when::<Marketing>(launch_cmd());
    let e = outcome.refused("campaign.launch_by_distributor");
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert!(e.message.contains("distributor's task"), "{e}");
}

#[test]
fn a_campaign_without_outlets_does_not_launch() {
    let e = given([planned()], distributor()).when::<Marketing>(launch_cmd());
    assert_eq!(
        e.refused("campaign.launch_needs_outlets").kind,
        ErrorKind::State
    );
}

#[test]
fn a_campaign_launches_only_once() {
    given(live(), distributor())
        .when::<Marketing>(launch_cmd())
        .refused("campaign.launch_only_when_planned");
}

#[test]
fn either_party_closes_a_launched_campaign_with_outcome_and_summary() {
    for ctx in [manufacturer(), distributor()] {
        given(live(), ctx)
            .when::<Marketing>(close_cmd(CampaignOutcome::PartlySucceeded))
            .then([closed(CampaignOutcome::PartlySucceeded)]);
    }
    let mut history = live();
    history.push(closed(CampaignOutcome::Succeeded));
    let state = fold(&history);
    assert_eq!(state.lifecycle(), Lifecycle::Closed);
    let closure = state.closure().unwrap();
    assert_eq!(closure.outcome, CampaignOutcome::Succeeded);
    assert_eq!(closure.closed_on, date("2008-06-30"));
    assert!(closure.summary.contains("鋪貨率"));
}

#[test]
fn closing_needs_a_summary() {
    given(live(), manufacturer())
        .when::<Marketing>(close_on("2008-06-30", CampaignOutcome::Succeeded, " "))
        .refused_at("campaign.summary_given", ErrorKind::Invalid, "summary");
}

#[test]
fn a_campaign_that_never_launched_closes_only_as_cancelled() {
    given([planned()], manufacturer())
        .when::<Marketing>(close_cmd(CampaignOutcome::Succeeded))
        .refused_at(
            "campaign.unlaunched_closes_cancelled",
            ErrorKind::Invalid,
            "outcome",
        );
    given([planned()], manufacturer())
        .when::<Marketing>(close_cmd(CampaignOutcome::Cancelled))
        .then([closed(CampaignOutcome::Cancelled)]);
}

#[test]
fn a_campaign_closes_no_earlier_than_it_launched() {
    let on = |d: &str| close_on(d, CampaignOutcome::Failed, "no uptake");
    given(live(), manufacturer())
        .when::<Marketing>(on("2008-05-09"))
        .refused_at(
            "campaign.closes_after_launch",
            ErrorKind::Invalid,
            "closed_on",
        );
    given(live(), manufacturer())
        .when::<Marketing>(on("2008-05-10"))
        .accepted();
}

#[test]
fn closing_twice_is_refused() {
    let mut history = live();
    history.push(closed(CampaignOutcome::Succeeded));
    given(history, distributor())
        .when::<Marketing>(close_cmd(CampaignOutcome::Succeeded))
        .refused("campaign.closed_accepts_nothing");
}

#[test]
fn dates_in_the_future_are_refused() {
    // "today" in the fixtures is 2008-06-30.
    let future = date("2008-07-01");
    let mut history = live();
    history.push(assigned("t1", Side::Distributor));
    history.push(dispatched("posters", 5));
    let cases = [
        (complete_cmd("t1"), distributor(), "completed_on"),
        (dispatch_cmd("posters", 1), manufacturer(), "dispatched_on"),
        (receive_cmd("posters", 1), distributor(), "received_on"),
        (
            price_cmd("hy-soft", SOFT_GUIDE),
            manufacturer(),
            "checked_on",
        ),
        (supply_cmd("hy-soft", 1_000), distributor(), "allocated_on"),
        (
            close_cmd(CampaignOutcome::Succeeded),
            manufacturer(),
            "closed_on",
        ),
    ];
    for (cmd, ctx, field) in cases {
        given(history.clone(), ctx)
            .when::<Marketing>(dated(cmd, future))
            .refused_at("campaign.date_not_in_future", ErrorKind::Invalid, field);
    }
    given([planned(), selected(&["o1"])], distributor())
        .when::<Marketing>(dated(launch_cmd(), future))
        .refused_at(
            "campaign.date_not_in_future",
            ErrorKind::Invalid,
            "launched_on",
        );
    // Today itself is fine.
    given(history, manufacturer())
        .when::<Marketing>(close_cmd(CampaignOutcome::Succeeded))
        .accepted();
}

// ---------- tasks ----------

#[test]
fn the_manufacturer_assigns_tasks_to_either_side() {
    for side in [Side::Manufacturer, Side::Distributor] {
        given([planned()], manufacturer())
            .when::<Marketing>(assign_cmd("t1", side))
            .then([assigned("t1", side)]);
    }
}

#[test]
fn the_distributor_assigns_tasks_only_to_itself() {
    given([planned()], distributor())
        .when::<Marketing>(assign_cmd("t1", Side::Distributor))
        .then([assigned("t1", Side::Distributor)]);
    given([planned()], distributor())
        .when::<Marketing>(assign_cmd("t1", Side::Manufacturer))
        .refused_at(
            "campaign.distributor_assigns_own_tasks",
            ErrorKind::Forbidden,
            "side",
        );
}

#[test]
fn a_task_needs_a_title() {
    let cmd = Command::AssignTask {
        partnership: pid(),
        campaign: cid(),
        task: task("t1"),
        title: String::new(),
        side: Side::Distributor,
        due_on: date("2008-05-20"),
    };
    given([planned()], manufacturer())
        .when::<Marketing>(cmd)
        .refused_at("campaign.task_title_given", ErrorKind::Invalid, "title");
}

#[test]
fn assigning_the_same_task_again_is_a_no_op_but_a_different_one_is_refused() {
    let history = [planned(), assigned("t1", Side::Distributor)];
    given(history.clone(), manufacturer())
        .when::<Marketing>(assign_cmd("t1", Side::Distributor))
        .then_nothing();
    given(history, manufacturer())
        .when::<Marketing>(assign_cmd("t1", Side::Manufacturer))
        .refused_at("campaign.task_assigned_once", ErrorKind::State, "task");
}

#[test]
fn the_assigned_side_completes_its_task() {
    given(
        [planned(), assigned("t1", Side::Distributor)],
        distributor(),
    )
    .when::<Marketing>(complete_cmd("t1"))
    .then([completed("t1")]);
    given(
        [planned(), assigned("t1", Side::Manufacturer)],
        manufacturer(),
    )
    .when::<Marketing>(complete_cmd("t1"))
    .then([completed("t1")]);
}

#[test]
fn the_other_side_does_not_complete_a_task() {
    for side in [Side::Manufacturer, Side::Distributor] {
        let outcome = given([planned(), assigned("t1", side)], ctx_for(side.other()))
            .when::<Marketing>(complete_cmd("t1"));
        let e = outcome.refused("campaign.task_completed_by_assignee");
        assert_eq!(e.kind, ErrorKind::Forbidden);
        assert!(e.message.contains(&format!("{side}'s task")), "{e}");
    }
}

#[test]
fn completing_twice_is_refused() {
    given(
        [
            planned(),
            assigned("t1", Side::Distributor),
            completed("t1"),
        ],
        distributor(),
    )
    .when::<Marketing>(complete_cmd("t1"))
    .refused_at("campaign.task_completed_once", ErrorKind::State, "task");
}

#[test]
fn completing_an_unknown_task_is_refused() {
    given([planned()], distributor())
        .when::<Marketing>(complete_cmd("t1"))
        .refused_at("campaign.task_must_exist", ErrorKind::NotFound, "task");
}

// ---------- materials ----------

#[test]
fn the_manufacturer_dispatches_materials() {
    given([planned()], manufacturer())
        .when::<Marketing>(dispatch_cmd(" posters ", 500))
        .then([dispatched("posters", 500)]);
}

#[test]
fn the_distributor_does_not_dispatch_materials() {
    let outcome = given([planned()], distributor()).when::<Marketing>(dispatch_cmd("posters", 500));
    let e = outcome.refused("campaign.dispatch_by_manufacturer");
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert!(e.message.contains("manufacturer's task"), "{e}");
}

#[test]
fn materials_need_a_name_and_a_quantity() {
    let g = given([planned(), dispatched("posters", 5)], manufacturer());
    g.when::<Marketing>(dispatch_cmd("", 5)).refused_at(
        "campaign.material_named",
        ErrorKind::Invalid,
        "material",
    );
    g.when::<Marketing>(dispatch_cmd("posters", 0)).refused_at(
        "campaign.material_quantity_positive",
        ErrorKind::Invalid,
        "quantity",
    );
    given([planned(), dispatched("posters", 5)], distributor())
        .when::<Marketing>(receive_cmd("posters", 0))
        .refused_at(
            "campaign.material_quantity_positive",
            ErrorKind::Invalid,
            "quantity",
        );
}

#[test]
fn dispatched_totals_never_overflow() {
    given([planned(), dispatched("posters", u64::MAX)], manufacturer())
        .when::<Marketing>(dispatch_cmd("posters", 1))
        .refused_at(
            "campaign.material_quantity_overflow",
            ErrorKind::Invalid,
            "quantity",
        );
}

#[test]
fn the_distributor_receives_up_to_what_was_dispatched() {
    let history = [
        planned(),
        dispatched("posters", 500),
        received("posters", 200),
    ];
    given(history.clone(), distributor())
        .when::<Marketing>(receive_cmd("posters", 300))
        .then([received("posters", 300)]);
    let e = given(history, distributor()).when::<Marketing>(receive_cmd("posters", 301));
    let e = e.refused_at(
        "campaign.received_within_dispatched",
        ErrorKind::Invalid,
        "quantity",
    );
    assert!(e.message.contains("at most 300 more"), "{e}");
}

#[test]
fn receipts_are_counted_per_material() {
    let history = [planned(), dispatched("posters", 500)];
    given(history, distributor())
        .when::<Marketing>(receive_cmd("shelf-talkers", 1))
        .refused("campaign.received_within_dispatched");
}

#[test]
fn receiving_near_u64_max_is_refused_not_wrapped() {
    let history = [
        planned(),
        dispatched("posters", u64::MAX),
        received("posters", u64::MAX),
    ];
    given(history, distributor())
        .when::<Marketing>(receive_cmd("posters", 2))
        .refused("campaign.received_within_dispatched");
}

#[test]
fn the_manufacturer_does_not_confirm_receipt() {
    given([planned(), dispatched("posters", 5)], manufacturer())
        .when::<Marketing>(receive_cmd("posters", 5))
        .refused("campaign.receipt_by_distributor");
}

#[test]
fn material_flows_are_readable() {
    let state = fold(&[
        planned(),
        dispatched("posters", 500),
        dispatched("posters", 100),
        received("posters", 450),
    ]);
    let flow = state.materials()["posters"];
    assert_eq!(
        (flow.dispatched, flow.received, flow.outstanding()),
        (600, 450, 150)
    );
}

// ---------- outlets ----------

#[test]
fn the_distributor_selects_outlets_and_a_retry_changes_nothing() {
    given([planned()], distributor())
        .when::<Marketing>(select_cmd(&["o1", "o2"]))
        .then([selected(&["o1", "o2"])]);
    let history = [planned(), selected(&["o1", "o2"])];
    given(history.clone(), distributor())
        .when::<Marketing>(select_cmd(&["o2", "o3"]))
        .then([selected(&["o3"])]);
    given(history, distributor())
        .when::<Marketing>(select_cmd(&["o1", "o2"]))
        .then_nothing();
}

#[test]
fn outlets_may_be_added_after_launch() {
    given(live(), distributor())
        .when::<Marketing>(select_cmd(&["o3"]))
        .then([selected(&["o3"])]);
}

#[test]
fn the_manufacturer_does_not_select_outlets() {
    given([planned()], manufacturer())
        .when::<Marketing>(select_cmd(&["o1"]))
        .refused("campaign.outlets_by_distributor");
}

#[test]
fn an_outlet_selection_is_non_empty_and_distinct() {
    let g = given([planned()], distributor());
    g.when::<Marketing>(select_cmd(&[])).refused_at(
        "campaign.outlets_given",
        ErrorKind::Invalid,
        "outlets",
    );
    g.when::<Marketing>(select_cmd(&["o1", "o2", "o1"]))
        .refused_at(
            "campaign.outlets_distinct",
            ErrorKind::Invalid,
            "outlets[2]",
        );
}

// ---------- price checks ----------

#[test]
fn the_manufacturer_records_observed_against_the_catalogue_guide_price() {
    given(live(), manufacturer())
        .when::<Marketing>(price_cmd("hy-soft", 10_800))
        .then([price_checked("hy-soft", 10_800, SOFT_GUIDE)]);
    given(live(), manufacturer())
        .when::<Marketing>(price_cmd("hy-hard", 7_900))
        .then([price_checked("hy-hard", 7_900, 8_000)]);
}

#[test]
fn the_distributor_does_not_check_prices() {
    given(live(), distributor())
        .when::<Marketing>(price_cmd("hy-soft", SOFT_GUIDE))
        .refused("campaign.price_check_by_manufacturer");
}

#[test]
fn prices_are_checked_only_once_launched() {
    given([planned(), selected(&["o1"])], manufacturer())
        .when::<Marketing>(price_cmd("hy-soft", SOFT_GUIDE))
        .refused("campaign.price_checks_after_launch");
}

#[test]
fn a_price_check_is_for_one_of_the_campaigns_skus() {
    let e = given(live(), manufacturer()).when::<Marketing>(price_cmd("yy-1", 20_000));
    let e = e.refused_at("campaign.sku_of_campaign", ErrorKind::Invalid, "sku");
    assert!(e.message.contains("hy-soft, hy-hard"), "{e}");
}

#[test]
fn a_price_check_needs_the_sku_in_the_catalogue() {
    given(live(), without_sku(manufacturer(), "hy-soft"))
        .when::<Marketing>(price_cmd("hy-soft", SOFT_GUIDE))
        .refused_at("campaign.sku_in_catalogue", ErrorKind::NotFound, "sku");
}

#[test]
fn an_observed_price_is_above_zero() {
    given(live(), manufacturer())
        .when::<Marketing>(price_cmd("hy-soft", 0))
        .refused_at(
            "campaign.observed_price_positive",
            ErrorKind::Invalid,
            "observed_price",
        );
}

#[test]
fn price_compliance_counts_checks_within_five_percent() {
    let mut history = live();
    history.push(price_checked("hy-soft", 10_500, SOFT_GUIDE)); // +5 %: within
    history.push(price_checked("hy-soft", 9_400, SOFT_GUIDE)); // −6 %: outside
    history.push(price_checked("hy-hard", 8_000, 8_000)); // at guide
    let state = fold(&history);
    assert_eq!(state.price_check_counts(), (2, 3));
    assert_eq!(
        state.price_compliance_pct(),
        Some(Percent::from_units(6_667))
    );
    assert_eq!(state.price_checks()[1].deviation(), yuan(-600));
    assert_eq!(fold(&live()).price_compliance_pct(), None);
}

// ---------- supply ----------

#[test]
fn the_distributor_allocates_supply_for_campaign_skus() {
    given(live(), distributor())
        .when::<Marketing>(supply_cmd("hy-soft", 1_500))
        .then([supplied("hy-soft", 1_500)]);
    // Supply is secured before launch too.
    given([planned()], distributor())
        .when::<Marketing>(supply_cmd("hy-hard", 1_000))
        .then([supplied("hy-hard", 1_000)]);
    let state = fold(&[
        planned(),
        supplied("hy-soft", 1_500),
        supplied("hy-soft", 500),
    ]);
    assert_eq!(state.supply()[&sku("hy-soft")], cases(2_000));
}

#[test]
fn the_manufacturer_does_not_allocate_supply() {
    given(live(), manufacturer())
        .when::<Marketing>(supply_cmd("hy-soft", 1_500))
        .refused("campaign.supply_by_distributor");
}

#[test]
fn supply_is_for_a_campaign_sku_and_above_zero() {
    let g = given(live(), distributor());
    g.when::<Marketing>(supply_cmd("yy-1", 1_000)).refused_at(
        "campaign.sku_of_campaign",
        ErrorKind::Invalid,
        "sku",
    );
    g.when::<Marketing>(supply_cmd("hy-soft", 0)).refused_at(
        "campaign.supply_volume_positive",
        ErrorKind::Invalid,
        "volume",
    );
    g.when::<Marketing>(supply_cmd("hy-soft", -1)).refused_at(
        "campaign.supply_volume_positive",
        ErrorKind::Invalid,
        "volume",
    );
}

#[test]
fn supply_totals_never_overflow() {
    given(
        vec![planned(), supplied("hy-soft", i64::MAX)],
        distributor(),
    )
    .when::<Marketing>(supply_cmd("hy-soft", 1))
    .refused_at(
        "campaign.supply_volume_overflow",
        ErrorKind::Invalid,
        "volume",
    );
}

// ---------- the promised uplift (創值) ----------
//
// Today is 2008-06-30 in the fixtures; the campaign runs 2008-05-01 … 2008-07-31.

#[test]
fn the_manufacturer_promises_an_uplift_before_or_after_launch() {
    for history in [vec![planned()], live()] {
        given(history, manufacturer())
            .when::<Marketing>(promise_cmd("2008-05", "2008-07", 300_000, ""))
            .then([promised("2008-05", "2008-07", 300_000, None)]);
    }
    let state = fold(&[planned(), promised("2008-05", "2008-07", 300_000, None)]);
    let promise = state.promise().unwrap();
    assert_eq!(promise.skus, vec![sku("hy-soft")]);
    assert_eq!(
        (promise.first_month, promise.last_month),
        (month("2008-05"), month("2008-07"))
    );
    assert_eq!(promise.uplift, cases(300_000));
    assert_eq!((promise.revision, promise.reason.as_deref()), (1, None));
    assert_eq!(fold(&live()).promise(), None);
}

#[test]
fn the_distributor_does_not_promise_the_value_it_is_promised() {
    for ctx in [distributor(), admin_for(DISTRIBUTOR)] {
        let outcome =
            given(live(), ctx).when::<Marketing>(promise_cmd("2008-05", "2008-07", 300_000, ""));
        let e = outcome.refused("campaign.promise_by_manufacturer");
        assert_eq!(e.kind, ErrorKind::Forbidden);
        assert!(e.message.contains("manufacturer's task"), "{e}");
    }
}

#[test]
fn a_promise_names_distinct_skus_of_the_campaign() {
    let g = given(live(), manufacturer());
    let cmd = |skus: &[&str]| promising(promise_cmd("2008-05", "2008-07", 300_000, ""), skus);
    g.when::<Marketing>(cmd(&[])).refused_at(
        "campaign.promise_skus_given",
        ErrorKind::Invalid,
        "skus",
    );
    g.when::<Marketing>(cmd(&["hy-soft", "hy-soft"]))
        .refused_at(
            "campaign.promise_skus_distinct",
            ErrorKind::Invalid,
            "skus[1]",
        );
    // yy-1 is in the catalogue, but not one of the campaign's SKUs.
    g.when::<Marketing>(cmd(&["hy-soft", "yy-1"])).refused_at(
        "campaign.promise_sku_of_campaign",
        ErrorKind::Invalid,
        "skus[1]",
    );
    assert_eq!(
        g.when::<Marketing>(cmd(&["hy-hard", "hy-soft"]))
            .accepted()
            .len(),
        1
    );
}

#[test]
fn a_promise_begins_in_a_campaign_month_and_spans_at_most_a_year() {
    let g = given(live(), manufacturer());
    let over = |first: &str, last: &str| g.when::<Marketing>(promise_cmd(first, last, 1_000, ""));
    over("2008-06", "2008-05").refused_at(
        "campaign.promise_months_in_order",
        ErrorKind::Invalid,
        "last_month",
    );
    // The campaign runs May … July 2008.
    for first in ["2008-04", "2008-08"] {
        over(first, "2008-08").refused_at(
            "campaign.promise_months_outside",
            ErrorKind::Invalid,
            "first_month",
        );
    }
    // It may run on after the campaign ends, up to twelve months in all.
    over("2008-07", "2009-07").refused_at(
        "campaign.promise_months_at_most_twelve",
        ErrorKind::Invalid,
        "last_month",
    );
    for (first, last) in [
        ("2008-05", "2008-05"),
        ("2008-07", "2009-06"),
        ("2008-05", "2009-04"),
    ] {
        assert_eq!(over(first, last).accepted().len(), 1, "{first} … {last}");
    }
}

#[test]
fn a_promise_lifts_volume_above_zero() {
    let g = given(live(), manufacturer());
    for uplift in [0, -1_000] {
        g.when::<Marketing>(promise_cmd("2008-05", "2008-07", uplift, ""))
            .refused_at(
                "campaign.promise_uplift_positive",
                ErrorKind::Invalid,
                "uplift_cases",
            );
    }
    // A thousandth of a case is a promise, if a modest one.
    g.when::<Marketing>(promise_cmd("2008-05", "2008-07", 1, ""))
        .then([promised("2008-05", "2008-07", 1, None)]);
}

#[test]
fn a_reason_is_bounded() {
    let g = given(live(), manufacturer());
    let long = "因".repeat(synergy_marketing::MAX_REASON_CHARS + 1);
    g.when::<Marketing>(promise_cmd("2008-05", "2008-07", 1_000, &long))
        .refused_at(
            "campaign.promise_reason_bounded",
            ErrorKind::Invalid,
            "reason",
        );
    let fits = "因".repeat(synergy_marketing::MAX_REASON_CHARS);
    g.when::<Marketing>(promise_cmd(
        "2008-05",
        "2008-07",
        1_000,
        &format!(" {fits} "),
    ))
    .then([promised("2008-05", "2008-07", 1_000, Some(&fits))]);
}

#[test]
fn a_promise_is_replaced_only_with_a_reason() {
    // July has not begun on 2008-06-30.
    let history = [live(), vec![promised("2008-07", "2008-07", 100_000, None)]].concat();
    let g = given(history.clone(), manufacturer());
    for blank in ["", "   "] {
        g.when::<Marketing>(promise_cmd("2008-07", "2008-07", 200_000, blank))
            .refused_at(
                "campaign.promise_reason_given",
                ErrorKind::Invalid,
                "reason",
            );
    }
    g.when::<Marketing>(promise_cmd(
        "2008-07",
        "2008-07",
        200_000,
        "supply is short",
    ))
    .then([promised(
        "2008-07",
        "2008-07",
        200_000,
        Some("supply is short"),
    )]);
    let replaced = [
        history,
        vec![promised(
            "2008-07",
            "2008-07",
            200_000,
            Some("supply is short"),
        )],
    ]
    .concat();
    let promise = fold(&replaced).promise().cloned().unwrap();
    assert_eq!(promise.uplift, cases(200_000));
    assert_eq!(promise.revision, 2);
    assert_eq!(promise.reason.as_deref(), Some("supply is short"));
}

#[test]
fn the_same_promise_again_is_a_retry() {
    let history = [live(), vec![promised("2008-05", "2008-07", 300_000, None)]].concat();
    // Even once under way and without a reason: nothing changes, so nothing is recorded.
    given(history.clone(), manufacturer())
        .when::<Marketing>(promise_cmd("2008-05", "2008-07", 300_000, ""))
        .then_nothing();
    let two = [
        live(),
        vec![ev(MarketingEvent::UpliftPromised {
            campaign: cid(),
            skus: vec![sku("hy-soft"), sku("hy-hard")],
            first_month: month("2008-05"),
            last_month: month("2008-07"),
            uplift: cases(300_000),
            reason: None,
        })],
    ]
    .concat();
    given(two, manufacturer())
        .when::<Marketing>(promising(
            promise_cmd("2008-05", "2008-07", 300_000, ""),
            &["hy-hard", "hy-soft"],
        ))
        .then_nothing();
}

#[test]
fn a_promise_under_way_stands() {
    // May has begun on 2008-06-30: the promise is being tested and cannot change.
    let history = [live(), vec![promised("2008-05", "2008-07", 300_000, None)]].concat();
    let e = given(history, manufacturer())
        .when::<Marketing>(promise_cmd("2008-07", "2008-07", 100_000, "too ambitious"))
        .refused_at(
            "campaign.promise_fixed_once_under_way",
            ErrorKind::State,
            "first_month",
        )
        .clone();
    assert!(e.message.contains("2008-05"), "{e}");
    // Nor may a promise not yet begun be moved into months that have.
    let history = [live(), vec![promised("2008-07", "2008-07", 100_000, None)]].concat();
    given(history, manufacturer())
        .when::<Marketing>(promise_cmd("2008-06", "2008-07", 100_000, "earlier"))
        .refused_at(
            "campaign.promise_fixed_once_under_way",
            ErrorKind::State,
            "first_month",
        );
}

// ---------- reads ----------

#[test]
fn task_progress_and_done_pct() {
    let history = [
        planned(),
        assigned("t1", Side::Manufacturer),
        assigned("t2", Side::Distributor),
        assigned("t3", Side::Distributor),
        completed("t2"),
    ];
    let state = fold(&history);
    assert_eq!(state.task_counts(None), (1, 3));
    assert_eq!(state.task_counts(Some(Side::Distributor)), (1, 2));
    assert_eq!(state.task_counts(Some(Side::Manufacturer)), (0, 1));
    assert_eq!(
        state.campaign_tasks_done_pct(),
        Some(Percent::from_units(3_333))
    );
    assert!(state.tasks()[&task("t2")].is_done());
    assert!(!state.tasks()[&task("t1")].is_done());
    assert_eq!(fold(&[planned()]).campaign_tasks_done_pct(), None);

    let q = Query::TaskProgress {
        partnership: pid(),
        campaign: cid(),
        side: Some(Side::Distributor),
    };
    assert_eq!(q.stream(), Marketing::stream_of(&launch_cmd()));
    match answer(&history, &q) {
        Answer::TaskProgress(r) => {
            assert_eq!((r.part, r.whole), (1, 2));
            assert_eq!(r.pct, Some(Percent::from_units(5_000)));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn the_campaign_query_answers_the_folded_state_or_none() {
    let q = Query::Campaign {
        partnership: pid(),
        campaign: cid(),
    };
    assert_eq!(answer(&[] as &[Event], &q), Answer::Campaign(None));
    let history = live();
    match answer(&history, &q) {
        Answer::Campaign(Some(c)) => {
            assert_eq!(c.lifecycle(), Lifecycle::Launched);
            assert_eq!(c.outlets().len(), 2);
            assert_eq!(c.id(), Some(&cid()));
            assert_eq!(c.promise(), None);
        }
        other => panic!("unexpected {other:?}"),
    }
    let mut history = live();
    history.push(promised("2008-05", "2008-07", 300_000, None));
    match answer(&history, &q) {
        Answer::Campaign(Some(c)) => {
            let promise = c.promise().unwrap();
            assert_eq!((promise.uplift, promise.revision), (cases(300_000), 1));
            // As the read travels: months and cases as text.
            let json = serde_json::to_value(&c).unwrap();
            assert_eq!(json["promise"]["first_month"], "2008-05", "{json}");
            assert_eq!(json["promise"]["uplift"], "300.000", "{json}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let q = Query::PriceCompliance {
        partnership: pid(),
        campaign: cid(),
    };
    let mut history = live();
    history.push(price_checked("hy-soft", 20_000, SOFT_GUIDE));
    match answer(&history, &q) {
        Answer::PriceCompliance(r) => {
            assert_eq!((r.part, r.whole, r.pct), (0, 1, Some(Percent::ZERO)));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn events_of_other_contexts_in_history_are_skipped() {
    let foreign = Event::Strategy(StrategyEvent::PartnershipTerminated {
        reason: "misfiled".into(),
        terminated_on: date("2008-05-10"),
    });
    let with = fold(&[planned(), foreign]);
    assert_eq!(with, fold(&[planned()]));
    assert_eq!(with.lifecycle(), Lifecycle::Planned);
}
