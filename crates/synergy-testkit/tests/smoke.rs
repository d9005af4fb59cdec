//! The testkit against a real nats-server: JetStream works, the store survives kill -9 and
//! restart on the same port, and a three-node cluster keeps a replicated stream writable
//! after losing one node.

use std::time::Duration;

use async_nats::jetstream::{self, stream};
use futures::StreamExt;
use synergy_testkit::{NatsCluster, NatsServer};

async fn read_all(js: &jetstream::Context, name: &str, n: usize) -> Vec<(u64, String)> {
    let stream = js.get_stream(name).await.expect("stream exists");
    let consumer = stream
        .create_consumer(jetstream::consumer::pull::OrderedConfig::default())
        .await
        .expect("ordered consumer");
    let mut messages = consumer.messages().await.expect("messages").take(n);
    let mut out = Vec::new();
    while let Some(m) = messages.next().await {
        let m = m.expect("message");
        let seq = m.info().expect("info").stream_sequence;
        out.push((seq, String::from_utf8_lossy(&m.payload).into_owned()));
    }
    out
}

#[tokio::test]
async fn jetstream_publish_and_read_back() {
    let server = NatsServer::start().expect("nats-server starts");
    assert!(server.url().starts_with("nats://127.0.0.1:"));
    let client = async_nats::connect(server.url()).await.expect("connects");
    let js = jetstream::new(client);
    js.create_stream(stream::Config {
        name: "SMOKE".into(),
        subjects: vec!["smoke.>".into()],
        storage: stream::StorageType::File,
        ..Default::default()
    })
    .await
    .expect("stream created");
    for i in 1..=3 {
        let ack = js
            .publish(format!("smoke.{i}"), format!("hello {i}").into())
            .await
            .expect("published")
            .await
            .expect("acked");
        assert_eq!(ack.sequence, i);
    }
    let got = read_all(&js, "SMOKE", 3).await;
    assert_eq!(
        got,
        vec![
            (1, "hello 1".to_owned()),
            (2, "hello 2".to_owned()),
            (3, "hello 3".to_owned())
        ]
    );
}

#[tokio::test]
async fn store_survives_kill_and_restart_on_the_same_port() {
    let mut server = NatsServer::start().expect("nats-server starts");
    let url = server.url();
    let client = async_nats::connect(&url).await.expect("connects");
    let js = jetstream::new(client);
    js.create_stream(stream::Config {
        name: "DURABLE".into(),
        subjects: vec!["durable.>".into()],
        ..Default::default()
    })
    .await
    .expect("stream created");
    js.publish("durable.a", "before".into())
        .await
        .expect("published")
        .await
        .expect("acked");

    server.kill().expect("killed");
    assert!(!server.is_running());
    server.restart().expect("restarted");
    assert_eq!(server.url(), url, "restart keeps the port");

    // The old client reconnects by itself.
    let ack = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match js.publish("durable.a", "after".into()).await {
                Ok(fut) => match fut.await {
                    Ok(ack) => return ack,
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                },
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    })
    .await
    .expect("publishing resumes after restart");
    assert_eq!(ack.sequence, 2);
    let got = read_all(&js, "DURABLE", 2).await;
    assert_eq!(got, vec![(1, "before".to_owned()), (2, "after".to_owned())]);

    server.stop().expect("graceful stop");
    assert!(!server.is_running());
}

#[tokio::test]
async fn cluster_keeps_a_replicated_stream_writable_after_losing_a_node() {
    let mut cluster = NatsCluster::start().expect("cluster starts");
    assert_eq!(cluster.urls().len(), NatsCluster::SIZE);
    let client = async_nats::connect(cluster.urls()).await.expect("connects");
    let js = jetstream::new(client);
    // Stream creation right after the meta leader appears can race peer discovery.
    let created = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match js
                .create_stream(stream::Config {
                    name: "REPL".into(),
                    subjects: vec!["repl.>".into()],
                    num_replicas: 3,
                    ..Default::default()
                })
                .await
            {
                Ok(info) => return info,
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    })
    .await
    .expect("R3 stream created");
    assert_eq!(created.cached_info().config.num_replicas, 3);
    // The node this client talks to may learn of the new stream a moment after it was
    // created ("stream not found" until then).
    let ack = acked(&js, "one", Duration::from_secs(20))
        .await
        .expect("the new stream takes writes");
    assert_eq!(ack.sequence, 1);

    cluster.kill(2).expect("node killed");
    assert!(!cluster.is_running(2));
    let ack = acked(&js, "two", Duration::from_secs(30))
        .await
        .expect("the stream stays writable with two of three nodes");
    assert_eq!(ack.sequence, 2);

    cluster.restart(2).expect("node restarts");
    assert!(cluster.is_running(2));
}

/// Publishes `payload` on `repl.x` until the stream acknowledges it, for at most `limit`.
async fn acked(
    js: &jetstream::Context,
    payload: &'static str,
    limit: Duration,
) -> Result<jetstream::publish::PublishAck, tokio::time::error::Elapsed> {
    tokio::time::timeout(limit, async {
        loop {
            if let Ok(fut) = js.publish("repl.x", payload.into()).await
                && let Ok(ack) = fut.await
            {
                return ack;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
}
