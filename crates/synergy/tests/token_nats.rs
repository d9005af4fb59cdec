//! Token administration of a gateway on NATS: the operator creates, lists and revokes
//! tokens from another process through `syn.adm.gateway.tokens`.

use std::process::Command;

use synergy_testkit::NatsServer;

mod common;

use common::Up;

fn synergy(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_synergy"))
        .args(args)
        .output()
        .expect("run synergy")
}

#[test]
fn the_operator_administers_a_remote_gateways_tokens() {
    let nats = NatsServer::start().expect("nats-server");
    let url = nats.url();
    let dir = tempfile::tempdir().unwrap();
    let gateway = Up::start(
        dir.path(),
        &["--nats", &url, "serve", "gateway", "--addr", "127.0.0.1:0"],
        &[],
        Some(&dir.path().join("gateway.log")),
    );

    let out = synergy(&[
        "--nats",
        &url,
        "token",
        "create",
        "--org",
        "changzhi",
        "--role",
        "distributor",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("syn_"), "{token}");
    let id = token.split('_').nth(1).unwrap().to_owned();

    // The token lives in the gateway's own file: the remote process never saw the secret
    // stored, only its hash.
    let file = std::fs::read_to_string(dir.path().join("tokens.json")).unwrap();
    assert!(file.contains(&id));
    assert!(!file.contains(token.rsplit('_').next().unwrap()));

    let list = synergy(&["--nats", &url, "token", "list"]);
    let listed = String::from_utf8(list.stdout).unwrap();
    assert!(
        listed.contains(&id) && listed.contains("changzhi"),
        "{listed}"
    );
    let revoked = synergy(&["--nats", &url, "token", "revoke", &id]);
    assert!(revoked.status.success());
    let listed = String::from_utf8(synergy(&["--nats", &url, "token", "list"]).stdout).unwrap();
    assert!(listed.contains("revoked"), "{listed}");
    drop(gateway);
}
