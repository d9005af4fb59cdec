//! A partnership's time zone through the runtime: the zone strategy records reaches every
//! decision's "today" (the end of a month) and evaluation's days (the 10th), driven by a
//! manual clock at instants that are one day in New York and the next in Shanghai.

use std::sync::Arc;

use synergy_domain::Principal;
use synergy_evaluation::render::Format;
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::*;
use synergy_runtime::{
    AnyCommand, AnyQuery, Api, ApiError, ExecuteError, Local, ManualClock, ReportRequest, Request,
};

mod common;

use common::{catalogue, distributor, manufacturer, month_data, org, signing};

const NEW_YORK: &str = "America/New_York";
const SHANGHAI: &str = "Asia/Shanghai";

struct World {
    _dir: tempfile::TempDir,
    api: Local<synergy_eventlog::SledLog>,
    clock: Arc<ManualClock>,
    p: PartnershipId,
}

fn instant(utc: &str) -> Timestamp {
    utc.parse().unwrap()
}

impl World {
    /// A partnership signed on 2026-09-01, its calendar chosen by both parties (when it is
    /// not the default), and one SKU registered.
    async fn signed_in(zone: &str) -> World {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(instant("2026-09-15T00:00:00Z")));
        let api = Local::open_embedded(dir.path(), clock.clone()).unwrap();
        let w = World {
            _dir: dir,
            api,
            clock,
            p: PartnershipId::new("hongyun-changzhi").unwrap(),
        };
        let operator = Principal::new(org("hongyun"), Role::Admin, "operator");
        w.run(
            operator,
            signing(&w.p, "hongyun", "changzhi", "Changzhi", "2026-09-01"),
        )
        .await
        .unwrap();
        if zone != SHANGHAI {
            let choose = AnyCommand::Strategy(synergy_strategy::Command::SetTimeZone {
                partnership: w.p.clone(),
                zone: zone.into(),
            });
            let proposed = w.run(distributor(), choose.clone()).await.unwrap();
            assert_eq!(proposed, ["TimeZoneProposed"]);
            let set = w.run(manufacturer(), choose).await.unwrap();
            assert_eq!(set, ["TimeZoneSet"]);
        }
        w.run(manufacturer(), catalogue(&w.p)).await.unwrap();
        w
    }

    async fn run(&self, who: Principal, command: AnyCommand) -> Result<Vec<String>, ApiError> {
        let outcome = self.api.execute(Request::new(who, command)).await?;
        Ok(outcome.events.iter().map(ToString::to_string).collect())
    }

    /// The distributor sends `month`'s data at the UTC instant `at`.
    async fn submit_at(&self, month: &str, at: &str) -> Result<Vec<String>, ApiError> {
        self.clock.set(instant(at));
        let month: YearMonth = month.parse().unwrap();
        self.run(
            distributor(),
            month_data(&self.p, month, "hy-soft", "1200", None),
        )
        .await
    }

    /// A KPI of the scorecard of `period` as of `as_of`, as its JSON value.
    async fn scorecard(&self, period: &str, as_of: &str, key: &str) -> serde_json::Value {
        let text = self
            .api
            .report(ReportRequest {
                partnership: self.p.clone(),
                period: period.parse().unwrap(),
                kind: ReportKind::Scorecard,
                format: Format::Json,
                as_of: as_of.parse().unwrap(),
                after: None,
            })
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        json["kpis"][key].clone()
    }
}

fn refused_by(result: Result<Vec<String>, ApiError>) -> String {
    match result {
        Err(ApiError::Execute(ExecuteError::Refused(e))) => e.rule.into_owned(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// 04:59 UTC on 1 December 2026 is 23:59 on 30 November in New York and 12:59 on
/// 1 December in Shanghai: November's data is refused in a New York partnership and
/// taken in a Shanghai one; two minutes later (00:01 in New York) both take it.
#[tokio::test]
async fn a_month_ends_at_midnight_in_the_partnerships_zone() {
    let new_york = World::signed_in(NEW_YORK).await;
    assert_eq!(
        refused_by(new_york.submit_at("2026-11", "2026-12-01T04:59:00Z").await),
        "market_data.month_ended"
    );
    assert_eq!(
        new_york
            .submit_at("2026-11", "2026-12-01T05:01:00Z")
            .await
            .unwrap(),
        ["MarketDataSubmitted"]
    );
    let shanghai = World::signed_in(SHANGHAI).await;
    assert_eq!(
        shanghai
            .submit_at("2026-11", "2026-12-01T04:59:00Z")
            .await
            .unwrap(),
        ["MarketDataSubmitted"]
    );
}

/// October's data sent at 03:00 UTC on 11 November 2026: 22:00 on the 10th in New York,
/// by the deadline; 11:00 on the 11th in Shanghai, a day late. The scorecard's
/// `data_on_time_pct` says so, and the partnership read shows the zone it was judged in.
#[tokio::test]
async fn the_tenth_is_judged_in_the_partnerships_zone() {
    for (zone, on_time) in [(NEW_YORK, 100.0), (SHANGHAI, 0.0)] {
        let w = World::signed_in(zone).await;
        w.submit_at("2026-10", "2026-11-11T03:00:00Z")
            .await
            .unwrap();
        assert_eq!(
            w.scorecard("2026-10", "2026-11-30", "data_on_time_pct")
                .await
                .as_f64(),
            Some(on_time),
            "{zone}"
        );
        let read = w
            .api
            .query(AnyQuery::Strategy(synergy_strategy::Query::Partnership {
                partnership: w.p.clone(),
            }))
            .await
            .unwrap();
        assert_eq!(read["time_zone"], zone);
        assert_eq!(read["time_zone_proposal"], serde_json::Value::Null);
        let view = w.api.partnership(&w.p).await.unwrap().unwrap();
        assert_eq!(view.time_zone.name(), zone);
    }
}
