//! Evaluation partitioned by partnership (docs/partitions.md) with real `synergy serve`
//! processes on a real nats-server: replica `eval-a` owns partitions 0-1 of 4 and
//! `eval-b` all four, so they overlap on 0-1. Reports of partnerships in every partition
//! are answered whichever replica a query lands on (one not owning the partition sends it
//! on); after `kill -9` of `eval-a` they are still answered, and reflect what was recorded
//! meanwhile; `eval-a` restarted resumes from its durable consumers (no partition folded
//! from the start) and, with `eval-b` killed in turn, answers its partitions with what was
//! recorded while it was down. Every report equals what a single unpartitioned evaluation
//! replica, started last and folding the whole log, answers.

use std::collections::BTreeMap;

use anyhow::{Context as _, ensure};
use synergy_e2e::market::{Catalogue, MarketData, Month};
use synergy_e2e::scenario::Deployment;
use synergy_proto::{PartnershipId, subject};
use synergy_testkit::NatsServer;

const PARTITIONS: u32 = 4;
const PERIOD: &str = "2007";

/// One partnership in each partition: the first ids of the form `pship-<n>` that land
/// there, computed as the server places them.
fn partnerships() -> Vec<String> {
    let mut found: BTreeMap<u32, String> = BTreeMap::new();
    for n in 0.. {
        let id = format!("pship-{n}");
        let partition = subject::partition_of(&PartnershipId::new(&id).unwrap(), PARTITIONS);
        found.entry(partition).or_insert(id);
        if found.len() == PARTITIONS as usize {
            break;
        }
    }
    found.into_values().collect()
}

fn partitioned(replica: &str, owned: &str) -> Vec<String> {
    [
        "--partitions",
        owned,
        "--partition-count",
        "4",
        "--replica",
        replica,
    ]
    .map(str::to_owned)
    .to_vec()
}

#[test]
fn partitioned_replicas_answer_every_partition_through_a_kill_and_resume() -> anyhow::Result<()> {
    let nats = NatsServer::start()?;
    let mut d = Deployment::start(&nats.url(), &["strategy", "brand", "information"], "info")?;
    let a = partitioned("eval-a", "0-1");
    let b = partitioned("eval-b", "all");
    d.add_with(
        "eval-a",
        "evaluation",
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
    )?;
    d.add_with(
        "eval-b",
        "evaluation",
        &b.iter().map(String::as_str).collect::<Vec<_>>(),
    )?;
    d.run(scenario)
}

fn scenario(d: &mut Deployment) -> anyhow::Result<()> {
    let ids = partnerships();
    let data = MarketData::generate(2007, 4, 9);
    let (before, after) = data.months.split_at(3);
    for id in &ids {
        sign(d, id)?;
        import(d, id, "first.csv", before)?;
    }
    // Either replica may take a query; eval-a sends partitions 2 and 3 on to eval-b.
    for _ in 0..3 {
        for id in &ids {
            let report = report(d, id)?;
            ensure!(report.contains("\"volume_cases\""), "{id}: {report}");
        }
    }

    d.service("eval-a")?.kill();
    for id in &ids {
        import(d, id, "second.csv", after)?;
    }
    let mut partitioned_reports = BTreeMap::new();
    for id in &ids {
        partitioned_reports.insert(id.clone(), report(d, id)?);
    }

    let a = d.service("eval-a")?;
    a.restart()?;
    // The followers open their consumers beside the service's start.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let resumed = loop {
        let resumed = a.count_stderr_lines(&["resuming the partition's durable consumer"]);
        if resumed >= 2 || std::time::Instant::now() > deadline {
            break resumed;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let refolded = a.count_stderr_lines(&["folding the partition again"]);
    ensure!(
        resumed == 2 && refolded == 0,
        "eval-a resumed {resumed} durable consumers and folded {refolded} partitions again; \
         stderr:\n{}",
        a.stderr_tail()
    );
    d.service("eval-b")?.kill();
    // Only eval-a is left: its partitions, with what was recorded while it was down.
    for id in &ids[..2] {
        let k = subject::partition_of(&PartnershipId::new(id).unwrap(), PARTITIONS);
        ensure!(k < 2, "{id} is in partition {k}");
        ensure!(
            report(d, id)? == partitioned_reports[id],
            "eval-a after its restart answers {id} differently"
        );
    }

    d.service("eval-a")?.kill();
    d.add("single", "evaluation")?;
    for id in &ids {
        let single = report(d, id)?;
        ensure!(
            single == partitioned_reports[id],
            "{id}: partitioned\n{}\nsingle replica\n{single}",
            partitioned_reports[id]
        );
    }
    Ok(())
}

fn sign(d: &Deployment, id: &str) -> anyhow::Result<()> {
    let out = d.cli.ok(&[
        "partnership",
        "sign",
        "--id",
        id,
        "--manufacturer",
        "hongyun",
        "--distributor",
        &format!("dist-{id}"),
        "--region",
        "山西省長治市",
        "--signed-on",
        "2006-12-18",
    ])?;
    ensure!(out.contains("PartnershipSigned"), "sign printed: {out}");
    let file = write(d, &format!("catalogue-{id}.csv"), &Catalogue::csv())?;
    let out = d
        .cli
        .ok(&["catalogue", "import", "--partnership", id, &file])?;
    ensure!(
        out.contains("SkuRegistered"),
        "catalogue import printed: {out}"
    );
    Ok(())
}

fn import(d: &Deployment, id: &str, name: &str, months: &[Month]) -> anyhow::Result<()> {
    let file = write(d, &format!("{id}-{name}"), &MarketData::csv_of(months))?;
    let out = d
        .cli
        .ok(&["market-data", "import", "--partnership", id, &file])?;
    ensure!(out.contains("MarketDataSubmitted"), "import printed: {out}");
    Ok(())
}

fn report(d: &Deployment, id: &str) -> anyhow::Result<String> {
    d.cli.ok(&[
        "report",
        "--partnership",
        id,
        "--period",
        PERIOD,
        "--format",
        "json",
    ])
}

fn write(d: &Deployment, name: &str, text: &str) -> anyhow::Result<String> {
    let dir = d.files();
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(name);
    std::fs::write(&path, text)?;
    path.to_str()
        .map(str::to_owned)
        .context("a temporary path that is not UTF-8")
}
