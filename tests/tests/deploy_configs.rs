//! The nats-server configs in `deploy/nats/` against the real, pinned nats-server: every
//! config parses, the single-node config's users get exactly the rights the config
//! promises (the evaluation user alone keeps the partition stream and its durable
//! consumers), and the three-node config forms a cluster whose R3 stream keeps acking
//! commits after one node is killed with SIGKILL.
//!
//! The configs are used as committed. Only what cannot be shared on a test machine is
//! changed: ports (command-line flags, which override the file) and the JetStream store
//! directory (rewritten in a copy, because nats-server refuses a `--store_dir` flag when
//! the file sets one too).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use async_nats::jetstream::consumer::pull::OrderedConfig;
use async_nats::jetstream::{self, stream};
use async_nats::{ConnectOptions, Event, HeaderMap};
use bytes::Bytes;
use futures::StreamExt;
use synergy_e2e::scenario::SIX_SERVICES;
use tempfile::TempDir;

/// The admin's password is given to the server as a bcrypt hash (cost 11) of this
/// plaintext, to show that the environment may hold hashes instead of secrets.
const ADMIN_PLAINTEXT: &str = "pAdminTestOnly0";
const ADMIN_BCRYPT: &str = "$2a$11$sUMRv.bQGOQ/sY6CgPFZ2OEMUfjIvk3VlC9stWnCeVI/N4gBJwhDS";
/// The line every deploy config stores JetStream data under.
const STORE_LINE: &str = "store_dir: /var/lib/synergy/nats";
const READY_TIMEOUT: Duration = Duration::from_secs(20);

fn deploy_nats() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/nats")
}

fn password(user: &str) -> String {
    if user == "admin" {
        ADMIN_PLAINTEXT.to_owned()
    } else {
        format!("p{user}TestOnly1")
    }
}

/// What nats-server finds in its environment: `SYNERGY_<USER>_PASSWORD` for every user.
fn server_env() -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = SIX_SERVICES
        .iter()
        .chain(&["gateway", "route"])
        .map(|u| {
            (
                format!("SYNERGY_{}_PASSWORD", u.to_uppercase()),
                password(u),
            )
        })
        .collect();
    env.push(("SYNERGY_ADMIN_PASSWORD".into(), ADMIN_BCRYPT.into()));
    env
}

fn nats_server() -> Command {
    let bin = synergy_testkit::nats_server_bin().expect("a nats-server binary");
    let mut cmd = Command::new(bin);
    cmd.env_clear().envs(server_env()).stdin(Stdio::null());
    cmd
}

/// Copies `deploy/nats` into `dir`, pointing every JetStream store at `store`. Fails if a
/// config no longer has the store line this relies on, rather than silently using
/// /var/lib.
fn stage(dir: &Path, store: &Path) -> anyhow::Result<PathBuf> {
    let target = dir.join("nats");
    std::fs::create_dir_all(target.join("cluster"))?;
    let mut rewritten = 0;
    for rel in [
        "accounts.conf",
        "single.conf",
        "cluster/common.conf",
        "cluster/n1.conf",
        "cluster/n2.conf",
        "cluster/n3.conf",
    ] {
        let text = std::fs::read_to_string(deploy_nats().join(rel))
            .with_context(|| format!("reading deploy/nats/{rel}"))?;
        rewritten += text.matches(STORE_LINE).count();
        let text = text.replace(STORE_LINE, &format!("store_dir: {:?}", store.display()));
        std::fs::write(target.join(rel), text)?;
    }
    ensure!(
        rewritten == 2,
        "expected {STORE_LINE:?} once in single.conf and once in cluster/common.conf, found it {rewritten} times"
    );
    Ok(target)
}

/// One nats-server started from a deploy config; SIGKILLed when dropped.
struct Server {
    name: String,
    client_port: u16,
    http_port: u16,
    log: PathBuf,
    child: Option<Child>,
}

impl Server {
    fn spawn(name: &str, config: &Path, extra: &[String], log: PathBuf) -> anyhow::Result<Server> {
        let ports = synergy_testkit::free_ports(2).expect("bind 127.0.0.1:0");
        let out = std::fs::File::create(&log)?;
        let child = nats_server()
            .arg("-c")
            .arg(config)
            .args(["-a", "127.0.0.1", "-p", &ports[0].to_string()])
            .args(["-m", &ports[1].to_string()])
            .args(extra)
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .context("spawning nats-server")?;
        Ok(Server {
            name: name.to_owned(),
            client_port: ports[0],
            http_port: ports[1],
            log,
            child: Some(child),
        })
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.client_port)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `/healthz` (which includes JetStream, and on a cluster a meta leader)
    /// answers 200.
    fn wait_healthy(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!(
                    "nats-server {} exited ({status}):\n{}",
                    self.name,
                    self.log_text()
                );
            }
            if synergy_testkit::monitor_healthy(self.http_port) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "nats-server {} not healthy after {READY_TIMEOUT:?}:\n{}",
                    self.name,
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // std's Child::kill is SIGKILL on Unix: the server gets no chance to flush.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A client logged in as `user`, recording every error the server reports to it.
struct Login {
    client: async_nats::Client,
    errors: Arc<Mutex<Vec<String>>>,
}

impl Login {
    async fn connect(urls: &[String], user: &str) -> anyhow::Result<Login> {
        let errors = Arc::new(Mutex::new(Vec::new()));
        let sink = errors.clone();
        let client = ConnectOptions::with_user_and_password(user.to_owned(), password(user))
            // As every Synergy client does (crates/synergy-eventlog/src/nats.rs): replies on
            // the user's own inbox, the only one it may subscribe to.
            .custom_inbox_prefix(format!("_INBOX.{user}"))
            .event_callback(move |event| {
                let sink = sink.clone();
                async move {
                    if let Event::ServerError(e) = event {
                        sink.lock().expect("error log").push(e.to_string());
                    }
                }
            })
            .connect(urls)
            .await
            .with_context(|| format!("connecting as {user}"))?;
        Ok(Login { client, errors })
    }

    fn js(&self) -> jetstream::Context {
        jetstream::ContextBuilder::new()
            .timeout(Duration::from_secs(3))
            .build(self.client.clone())
    }

    /// Waits for the server to report a permissions violation naming `what`, e.g.
    /// `Publish to "syn.evt.information.x.y"`.
    async fn expect_violation(&self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let seen = self.errors.lock().expect("error log").clone();
            if seen
                .iter()
                .any(|e| e.to_lowercase().contains("permissions violation") && e.contains(what))
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no permissions violation for {what}; server errors seen: {seen:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn violations(&self) -> Vec<String> {
        self.errors.lock().expect("error log").clone()
    }
}

/// The stream as the event-log backend provisions it (crates/synergy-eventlog).
fn synergy_stream(replicas: usize) -> stream::Config {
    stream::Config {
        name: "SYNERGY".into(),
        subjects: vec!["syn.evt.>".into()],
        storage: stream::StorageType::File,
        num_replicas: replicas,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    }
}

#[test]
fn every_config_parses_with_the_pinned_server() {
    for rel in [
        "single.conf",
        "cluster/n1.conf",
        "cluster/n2.conf",
        "cluster/n3.conf",
    ] {
        let out = nats_server()
            .arg("-t")
            .arg("-c")
            .arg(deploy_nats().join(rel))
            .output()
            .expect("nats-server -t runs");
        assert!(
            out.status.success(),
            "deploy/nats/{rel} does not validate:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_missing_password_stops_the_server_naming_the_variable() {
    let out = nats_server()
        .env_remove("SYNERGY_BRAND_PASSWORD")
        .arg("-t")
        .arg("-c")
        .arg(deploy_nats().join("single.conf"))
        .output()
        .expect("nats-server -t runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "accepted without a password: {text}");
    assert!(text.contains("SYNERGY_BRAND_PASSWORD"), "{text}");
}

#[test]
fn secrets_script_output_starts_the_configs() {
    let dir = TempDir::with_prefix("synergy-deploy-secrets-").expect("tempdir");
    let out = Command::new("sh")
        .arg(deploy_nats().join("../secrets.sh"))
        .arg(dir.path())
        .arg("nats-1:4222,nats-2:4222")
        .output()
        .expect("sh runs deploy/secrets.sh");
    assert!(
        out.status.success(),
        "secrets.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let env: Vec<(String, String)> = std::fs::read_to_string(dir.path().join("nats.env"))
        .expect("nats.env written")
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    assert_eq!(env.len(), 9, "one password per user and the route: {env:?}");
    for rel in ["single.conf", "cluster/n2.conf"] {
        let out = nats_server()
            .env_clear()
            .envs(env.iter().cloned())
            .arg("-t")
            .arg("-c")
            .arg(deploy_nats().join(rel))
            .output()
            .expect("nats-server -t runs");
        assert!(
            out.status.success(),
            "{rel} with generated passwords: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let brand = std::fs::read_to_string(dir.path().join("brand.env")).expect("brand.env");
    let (_, brand_pw) = env
        .iter()
        .find(|(k, _)| k == "SYNERGY_BRAND_PASSWORD")
        .expect("brand password");
    // The servers without secrets, the login beside them.
    assert_eq!(
        brand,
        format!(
            "SYNERGY_NATS=nats://nats-1:4222,nats://nats-2:4222\nSYNERGY_NATS_USER=brand\nSYNERGY_NATS_PASSWORD={brand_pw}\n"
        )
    );
}

/// Partitioned evaluation (docs/partitions.md) under the committed permissions: the
/// evaluation user creates the partition stream, follows a partition through its durable
/// consumer and acknowledges it without a single violation; another service may not
/// open the partition stream at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_evaluation_keeps_the_partition_stream_and_its_durable_consumers() -> anyhow::Result<()>
{
    let dir = TempDir::with_prefix("synergy-deploy-partitions-")?;
    let conf = stage(dir.path(), &dir.path().join("store"))?.join("single.conf");
    let mut server = Server::spawn("single", &conf, &[], dir.path().join("single.log"))?;
    server.wait_healthy()?;
    let urls = vec![server.url()];
    let config = synergy_eventlog::JetStreamConfig::default();

    let strategy = Login::connect(&urls, "strategy").await?;
    let log = synergy_eventlog::JetStreamLog::open(strategy.client.clone(), config.clone()).await?;
    let ack = log
        .context()
        .publish("syn.evt.strategy.x.y", "not a commit".into())
        .await?
        .await?;
    let refused = log.partitions(4).await;
    assert!(refused.is_err(), "strategy opened the partition stream");
    strategy
        .expect_violation("\"$JS.API.STREAM.INFO.SYNERGY_PARTITIONS\"")
        .await;

    let evaluation = Login::connect(&urls, "evaluation").await?;
    let log = synergy_eventlog::JetStreamLog::open(evaluation.client.clone(), config).await?;
    let partitions = log
        .partitions(4)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let x = synergy_proto::PartnershipId::new("x")?;
    let k = synergy_proto::subject::partition_of(&x, 4);
    let (durable, durable_up_to) = tokio::sync::watch::channel(synergy_eventlog::Position::START);
    let mut sub = partitions.follow(
        "eval-a-p0",
        k,
        synergy_eventlog::Position::START,
        durable_up_to,
    );
    let item = tokio::time::timeout(Duration::from_secs(10), sub.next())
        .await?
        .context("the partition's consumer ended")?;
    // Not a commit: delivered, and passed over as quarantined at its event-stream position.
    let quarantined = item
        .expect_err("not a commit")
        .quarantined()
        .context("quarantined")?;
    assert_eq!(quarantined.position.get(), ack.sequence);
    durable.send_replace(quarantined.position);
    // The acknowledgement goes out while the follower waits for the next commit.
    let _ = tokio::time::timeout(Duration::from_millis(600), sub.next()).await;
    let info = evaluation
        .js()
        .get_stream("SYNERGY_PARTITIONS")
        .await?
        .consumer_info("eval-a-p0")
        .await?
        .clone();
    assert_eq!(info.ack_floor.stream_sequence, 1, "{info:?}");
    assert!(
        evaluation.violations().is_empty(),
        "unexpected errors: {:?}",
        evaluation.violations()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_node_gives_each_user_only_its_own_rights() -> anyhow::Result<()> {
    let dir = TempDir::with_prefix("synergy-deploy-single-")?;
    let conf = stage(dir.path(), &dir.path().join("store"))?.join("single.conf");
    let mut server = Server::spawn("single", &conf, &[], dir.path().join("single.log"))?;
    server.wait_healthy()?;
    let urls = vec![server.url()];

    // Wrong password: refused.
    let wrong = ConnectOptions::with_user_and_password("strategy".into(), "nope".into())
        .connect(urls.as_slice())
        .await;
    assert!(wrong.is_err(), "a wrong password was accepted");

    // A service opens the log as the backend does: get-or-create the stream.
    let strategy = Login::connect(&urls, "strategy").await?;
    let js = strategy.js();
    let stream = js.get_or_create_stream(synergy_stream(1)).await?;

    // Own commits: acked, with the backend's idempotency and concurrency headers.
    let mut headers = HeaderMap::new();
    headers.insert("Nats-Msg-Id", "commit-1");
    headers.insert("Nats-Expected-Last-Subject-Sequence", "0");
    let ack = js
        .publish_with_headers("syn.evt.strategy.x.y", headers, "first".into())
        .await?
        .await?;
    assert_eq!(ack.sequence, 1);
    // A 1,000-event commit can exceed the 1 MB default payload; the config allows 8 MB.
    let big = Bytes::from(vec![7u8; 3 * 1024 * 1024]);
    let ack = js.publish("syn.evt.strategy.x.big", big).await?.await?;
    assert_eq!(ack.sequence, 2);
    // The backend's reads: last commit of an aggregate, and an ordered consumer.
    let last = stream
        .get_last_raw_message_by_subject("syn.evt.strategy.x.y")
        .await?;
    assert_eq!(last.sequence, 1);
    let consumer = stream
        .create_consumer(OrderedConfig {
            filter_subject: "syn.evt.strategy.>".into(),
            ..Default::default()
        })
        .await?;
    let read: Vec<u64> = consumer
        .messages()
        .await?
        .take(2)
        .map(|m| m.expect("message").info().expect("info").stream_sequence)
        .collect()
        .await;
    assert_eq!(read, vec![1, 2]);

    // Another context's commits: refused by the server, and nothing is stored.
    strategy
        .client
        .publish("syn.evt.information.x.y", "forged".into())
        .await?;
    strategy.client.flush().await?;
    strategy
        .expect_violation("Publish to \"syn.evt.information.x.y\"")
        .await;
    // Administration of the stream stays with the admin.
    let purge = js.get_stream("SYNERGY").await?.purge().await;
    assert!(purge.is_err(), "a service purged the stream");
    strategy
        .expect_violation("Publish to \"$JS.API.STREAM.PURGE.SYNERGY\"")
        .await;

    // Commands: a service answers its own subject in its queue group.
    let mut commands = strategy
        .client
        .queue_subscribe("syn.cmd.strategy.>", "synergy-strategy".into())
        .await?;
    synced(&strategy.client).await?;
    let responder = strategy.client.clone();
    let answering = tokio::spawn(async move {
        let request = commands.next().await.expect("a request");
        let reply = request.reply.expect("a reply subject");
        let answer = format!("signed {}", String::from_utf8_lossy(&request.payload));
        responder
            .publish(reply, answer.into())
            .await
            .expect("reply");
        responder.flush().await.expect("flush");
    });
    let gateway = Login::connect(&urls, "gateway").await?;
    let reply = tokio::time::timeout(
        Duration::from_secs(5),
        gateway
            .client
            .request("syn.cmd.strategy.sign-partnership", "p1".into()),
    )
    .await??;
    assert_eq!(&reply.payload[..], b"signed p1");
    answering.await?;
    // Each context service answers its own reads (syn.qry.<ctx>.read) in its queue group.
    for context in ["strategy", "marketing", "brand", "information", "support"] {
        let service = Login::connect(&urls, context).await?;
        let subject = format!("syn.qry.{context}.read");
        let mut reads = service
            .client
            .queue_subscribe(subject.clone(), format!("synergy-{context}"))
            .await?;
        synced(&service.client).await?;
        let responder = service.client.clone();
        let answering = tokio::spawn(async move {
            let request = reads.next().await.expect("a read");
            let reply = request.reply.expect("a reply subject");
            responder.publish(reply, "[]".into()).await.expect("reply");
            responder.flush().await.expect("flush");
        });
        let reply = tokio::time::timeout(
            Duration::from_secs(5),
            gateway.client.request(subject.clone(), "q".into()),
        )
        .await
        .with_context(|| format!("no answer on {subject}"))??;
        assert_eq!(&reply.payload[..], b"[]");
        answering.await?;
        let seen = service.errors.lock().expect("error log").clone();
        ensure!(seen.is_empty(), "{context}: {seen:?}");
    }
    // ...but may not listen on it outside the queue group (that would see every replica's
    // traffic), nor on another context's commands.
    let _plain = strategy.client.subscribe("syn.cmd.strategy.>").await?;
    strategy
        .expect_violation("Subscription to \"syn.cmd.strategy.>\"")
        .await;
    let _other = strategy
        .client
        .queue_subscribe("syn.cmd.brand.>", "synergy-brand".into())
        .await?;
    strategy
        .expect_violation("Subscription to \"syn.cmd.brand.>\"")
        .await;

    // The gateway sends commands and queries, never commits.
    gateway
        .client
        .publish("syn.evt.strategy.x.y", "forged".into())
        .await?;
    gateway.client.flush().await?;
    gateway
        .expect_violation("Publish to \"syn.evt.strategy.x.y\"")
        .await;

    // Evaluation answers report queries and reads the whole stream.
    let evaluation = Login::connect(&urls, "evaluation").await?;
    let mut queries = evaluation
        .client
        .subscribe("syn.qry.evaluation.report")
        .await?;
    let responder = evaluation.client.clone();
    let answering = tokio::spawn(async move {
        let request = queries.next().await.expect("a query");
        let reply = request.reply.expect("a reply subject");
        responder
            .publish(reply, "report".into())
            .await
            .expect("reply");
        responder.flush().await.expect("flush");
    });
    synced(&evaluation.client).await?;
    let reply = tokio::time::timeout(
        Duration::from_secs(5),
        gateway
            .client
            .request("syn.qry.evaluation.report", "p1".into()),
    )
    .await??;
    assert_eq!(&reply.payload[..], b"report");
    answering.await?;
    let all = evaluation
        .js()
        .get_stream("SYNERGY")
        .await?
        .create_consumer(OrderedConfig {
            filter_subject: "syn.evt.>".into(),
            ..Default::default()
        })
        .await?;
    let read = all.messages().await?.take(2).count().await;
    assert_eq!(read, 2);

    // The admin (bcrypt-hashed password in the server's environment) sees exactly the two
    // strategy commits: none of the refused publishes reached the stream.
    let admin = Login::connect(&urls, "admin").await?;
    let info = admin
        .js()
        .get_stream("SYNERGY")
        .await?
        .info()
        .await?
        .clone();
    assert_eq!(info.state.messages, 2);
    for login in [&admin, &evaluation] {
        assert!(
            login.violations().is_empty(),
            "unexpected errors: {:?}",
            login.violations()
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_node_cluster_keeps_acking_after_losing_a_node() -> anyhow::Result<()> {
    let dir = TempDir::with_prefix("synergy-deploy-cluster-")?;
    let route_ports = synergy_testkit::free_ports(3).expect("bind 127.0.0.1:0");
    let routes = route_ports
        .iter()
        .map(|p| format!("nats://127.0.0.1:{p}"))
        .collect::<Vec<_>>()
        .join(",");
    let mut nodes = Vec::new();
    for (i, route_port) in route_ports.iter().enumerate() {
        let name = format!("n{}", i + 1);
        let node_dir = dir.path().join(&name);
        let staged = stage(&node_dir, &node_dir.join("store"))?;
        // The file routes to nats-1..3:6222; on one machine the routes are loopback ports.
        let extra = vec![
            "--cluster".to_owned(),
            format!("nats://127.0.0.1:{route_port}"),
            "--routes".to_owned(),
            routes.clone(),
        ];
        nodes.push(Server::spawn(
            &name,
            &staged.join(format!("cluster/{name}.conf")),
            &extra,
            node_dir.join("nats-server.log"),
        )?);
    }
    for node in &mut nodes {
        node.wait_healthy()?;
    }
    let urls: Vec<String> = nodes.iter().map(Server::url).collect();

    // The operator provisions the stream from the committed definition (README:
    // `nats stream add --config deploy/nats/stream-r3.json`).
    let definition = std::fs::read_to_string(deploy_nats().join("stream-r3.json"))?;
    let config: stream::Config = serde_json::from_str(&definition)?;
    let admin = Login::connect(&urls, "admin").await?;
    let mut stream = admin.js().create_stream(config).await?;
    let info = stream.info().await?.clone();
    assert_eq!(info.config.num_replicas, 3);
    assert_eq!(info.config.subjects, vec!["syn.evt.>".to_owned()]);
    assert!(info.config.deny_purge && info.config.deny_delete);

    let information = Login::connect(&urls, "information").await?;
    let js = information.js();
    for i in 0..5 {
        js.publish(format!("syn.evt.information.p1.m{i}"), "before".into())
            .await?
            .await?;
    }

    // Kill the stream's leader, the node whose loss hurts most.
    let leader = info
        .cluster
        .and_then(|c| c.leader)
        .context("the R3 stream reports a leader")?;
    let victim = nodes
        .iter_mut()
        .find(|n| n.name == leader)
        .with_context(|| format!("leader {leader:?} is one of n1..n3"))?;
    victim.kill();

    // Commits keep being acknowledged once the two survivors elect a new leader.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut acked = 0;
    while acked < 5 {
        let attempt = async {
            js.publish(format!("syn.evt.information.p1.a{acked}"), "after".into())
                .await?
                .await
                .map_err(anyhow::Error::from)
        };
        match attempt.await {
            Ok(_) => acked += 1,
            Err(e) if Instant::now() < deadline => {
                eprintln!("publish after losing {leader} not yet acked: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => bail!("no ack 20 s after losing {leader}: {e}"),
        }
    }
    let info = admin
        .js()
        .get_stream("SYNERGY")
        .await?
        .info()
        .await?
        .clone();
    assert!(
        info.state.messages >= 10,
        "acked commits missing: {} stored",
        info.state.messages
    );
    let new_leader = info.cluster.and_then(|c| c.leader);
    assert!(
        new_leader.as_deref().is_some_and(|l| l != leader),
        "leader after the loss: {new_leader:?}"
    );
    Ok(())
}

/// Returns once the server has read what `client` sent before (its subscriptions), as a
/// service does before it calls itself ready: `flush` only hands the bytes to the socket,
/// while the answer to a request (JetStream's account info, which every service user may
/// ask) comes back after the server has read everything before it.
async fn synced(client: &async_nats::Client) -> anyhow::Result<()> {
    tokio::time::timeout(
        Duration::from_secs(5),
        client.request("$JS.API.INFO", Bytes::new()),
    )
    .await??;
    Ok(())
}

/// What a snooping user caught on its subscriptions, read after a round trip on its own
/// connection: anything the server delivered to it before has arrived by then.
async fn caught(
    snooper: &Login,
    subs: &mut [async_nats::Subscriber],
) -> anyhow::Result<Vec<Bytes>> {
    synced(&snooper.client)
        .await
        .context("the snooper's sync")?;
    let mut got = Vec::new();
    for sub in subs.iter_mut() {
        while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_millis(50), sub.next()).await
        {
            got.push(msg.payload);
        }
    }
    Ok(got)
}

/// Every user's replies arrive on its own inbox (`_INBOX.<user>.>`), which no other user
/// may subscribe to: the brand user cannot listen on `_INBOX.>` or on another user's
/// inbox, so it reads neither the gateway's replies nor a token the gateway sends the
/// admin, and it cannot learn the name of evaluation's consumer (the server tells it only
/// to its creator, on the creator's inbox; listing and advisories are the admin's) to
/// delete it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_user_reads_another_users_replies_or_finds_its_consumers() -> anyhow::Result<()> {
    let dir = TempDir::with_prefix("synergy-deploy-inboxes-")?;
    let conf = stage(dir.path(), &dir.path().join("store"))?.join("single.conf");
    let mut server = Server::spawn("single", &conf, &[], dir.path().join("single.log"))?;
    server.wait_healthy()?;
    let urls = vec![server.url()];
    let strategy = Login::connect(&urls, "strategy").await?;
    strategy
        .js()
        .get_or_create_stream(synergy_stream(1))
        .await?;

    // The brand user tries to listen to everybody's replies and to JetStream's advisories.
    let brand = Login::connect(&urls, "brand").await?;
    let snooped = [
        "_INBOX.>",
        "_INBOX.gateway.>",
        "_INBOX.admin.>",
        "_INBOX.evaluation.>",
        "$JS.EVENT.ADVISORY.>",
    ];
    let mut snoops = Vec::new();
    for subject in snooped {
        snoops.push(brand.client.subscribe(subject).await?);
    }
    synced(&brand.client).await.context("brand sync")?;

    // A reply meant for the gateway: strategy answers a command the gateway sends.
    let mut commands = strategy
        .client
        .queue_subscribe("syn.cmd.strategy.>", "synergy-strategy".into())
        .await?;
    synced(&strategy.client).await.context("strategy sync")?;
    let responder = strategy.client.clone();
    let answering = tokio::spawn(async move {
        let request = commands.next().await.expect("a request");
        let reply = request.reply.expect("a reply subject");
        responder
            .publish(reply, "acked".into())
            .await
            .expect("reply");
        responder.flush().await.expect("flush");
    });
    let gateway = Login::connect(&urls, "gateway").await?;
    let reply = tokio::time::timeout(
        Duration::from_secs(10),
        gateway.client.request("syn.cmd.strategy.sign", "p1".into()),
    )
    .await
    .context("the gateway's command")??;
    assert_eq!(&reply.payload[..], b"acked");
    answering.await?;

    // A reply meant for the admin: the gateway answers a token request with a new token.
    let mut token_requests = gateway
        .client
        .queue_subscribe("syn.adm.gateway.tokens", "synergy-gateway".into())
        .await?;
    // The gateway syncs on a query subject nobody answers (proto's GATEWAY_SYNC).
    let _ = tokio::time::timeout(
        Duration::from_secs(5),
        gateway.client.request("syn.qry.gateway.sync", Bytes::new()),
    )
    .await
    .context("gateway sync")?;
    let responder = gateway.client.clone();
    let answering = tokio::spawn(async move {
        let request = token_requests.next().await.expect("a token request");
        let reply = request.reply.expect("a reply subject");
        responder
            .publish(reply, "new-token-abc".into())
            .await
            .expect("reply");
        responder.flush().await.expect("flush");
    });
    let admin = Login::connect(&urls, "admin").await?;
    let token = tokio::time::timeout(
        Duration::from_secs(10),
        admin
            .client
            .request("syn.adm.gateway.tokens", "create".into()),
    )
    .await
    .with_context(|| {
        format!(
            "the admin's token request; gateway saw {:?}",
            gateway.violations()
        )
    })??;
    assert_eq!(&token.payload[..], b"new-token-abc");
    answering.await?;

    // Evaluation opens a consumer the way the event-log backend does (unnamed: the server
    // names it and tells only evaluation).
    let evaluation = Login::connect(&urls, "evaluation").await?;
    let consumer = evaluation
        .js()
        .get_stream("SYNERGY")
        .await?
        .create_consumer(OrderedConfig {
            filter_subject: "syn.evt.>".into(),
            ..Default::default()
        })
        .await?;
    let name = consumer.cached_info().name.clone();

    // Nothing reached the brand user, so it knows no consumer's name; listing is refused.
    let seen = caught(&brand, &mut snoops).await?;
    let learned: Vec<String> = seen
        .iter()
        .filter_map(|p| serde_json::from_slice::<serde_json::Value>(p).ok())
        .filter_map(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_owned))
        .collect();
    let js = brand.js();
    for list in [
        "$JS.API.CONSUMER.NAMES.SYNERGY",
        "$JS.API.CONSUMER.LIST.SYNERGY",
    ] {
        let answer = tokio::time::timeout(
            Duration::from_secs(5),
            brand.client.request(list, Bytes::new()),
        )
        .await;
        assert!(!matches!(answer, Ok(Ok(_))), "brand was answered on {list}");
        brand
            .expect_violation(&format!("Publish to \"{list}\""))
            .await;
    }
    // Whatever it could learn, it tries to delete.
    for learned in &learned {
        let _ = js.delete_consumer_from_stream(learned, "SYNERGY").await;
    }
    let names: Vec<String> = admin
        .js()
        .get_stream("SYNERGY")
        .await?
        .consumer_names()
        .map(|n| n.expect("a consumer name"))
        .collect()
        .await;
    let mut problems = Vec::new();
    if !names.contains(&name) {
        problems.push(format!(
            "evaluation's consumer {name} is gone (left: {names:?}); brand learned {learned:?}"
        ));
    }
    if !seen.is_empty() {
        problems.push(format!(
            "the brand user read replies meant for others: {:?}",
            seen.iter()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect::<Vec<_>>()
        ));
    }
    assert!(problems.is_empty(), "{problems:#?}");
    for subject in snooped {
        brand
            .expect_violation(&format!("Subscription to \"{subject}\""))
            .await;
    }
    for login in [&strategy, &gateway, &admin, &evaluation] {
        assert!(
            login.violations().is_empty(),
            "refused on its own inbox: {:?}",
            login.violations()
        );
    }
    Ok(())
}
