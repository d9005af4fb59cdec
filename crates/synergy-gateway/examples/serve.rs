//! Runs the gateway over an embedded data directory until Ctrl-C, for manual use and the
//! schemathesis run: `cargo run -p synergy-gateway --example serve -- --data DIR
//! --addr 127.0.0.1:0 [--demo]`. Prints `addr=…` and `admin_token=…` (a fresh admin token,
//! shown once); with `--demo` it also signs partnerships `demo` and `demo-2` between
//! `hongyun` and `changzhi`, registers a one-SKU catalogue on `demo` and prints `manufacturer_token=…` and
//! `distributor_token=…`, so a fuzzer reaches past the authorization checks.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use synergy_domain::Principal;
use synergy_gateway::{GatewayState, SledTokenStore, TokenStore};
use synergy_proto::events::brand::PriceClass;
use synergy_proto::{OrgId, PartnershipId, Role};
use synergy_runtime::{AnyCommand, Api, Clock, Local, Request, SystemClock};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut data: Option<PathBuf> = None;
    let mut addr = "127.0.0.1:0".to_owned();
    let mut demo = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data" => data = args.next().map(PathBuf::from),
            "--addr" => addr = args.next().context("--addr needs a value")?,
            "--demo" => demo = true,
            other => bail!("unknown argument {other:?}; use --data DIR --addr HOST:PORT [--demo]"),
        }
    }
    let data = data.context("--data DIR is required")?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let api = Arc::new(Local::open_embedded(&data, clock.clone())?);
    let db = sled::open(data.join("gateway"))?;
    let tokens = Arc::new(SledTokenStore::open(&db)?);
    let now = clock.now();
    let admin = tokens.create(OrgId::new("operator")?, Role::Admin, now)?;
    if demo {
        let p = PartnershipId::new("demo")?;
        let (m, d) = (OrgId::new("hongyun")?, OrgId::new("changzhi")?);
        let as_m = Principal::new(m.clone(), Role::Manufacturer, "serve-example");
        // `demo-2` is there to be terminated, so a fuzzer can exercise termination without
        // closing `demo` to everything else.
        // The operator records both signatures at once.
        let operator = Principal::new(m.clone(), Role::Admin, "serve-example");
        for id in [p.clone(), PartnershipId::new("demo-2")?] {
            api.execute(Request::new(
                operator.clone(),
                AnyCommand::Strategy(synergy_strategy::Command::SignPartnership {
                    partnership: id,
                    manufacturer: m.clone(),
                    distributor: d.clone(),
                    region: "長治".into(),
                    signed_on: "2007-01-15".parse()?,
                }),
            ))
            .await?;
        }
        api.execute(Request::new(
            as_m,
            AnyCommand::Brand(synergy_brand::Command::RegisterCatalogue {
                partnership: p,
                skus: vec![synergy_brand::SkuEntry {
                    brand: "hongyun".parse()?,
                    sku: "hy-soft".parse()?,
                    name: "紅雲(軟)".into(),
                    price_class: PriceClass::new(2)?.get(),
                    guide_price: "190.00".parse()?,
                }],
            }),
        ))
        .await?;
        println!(
            "manufacturer_token={}",
            tokens.create(m, Role::Manufacturer, now)?.token
        );
        println!(
            "distributor_token={}",
            tokens.create(d, Role::Distributor, now)?.token
        );
    }
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("addr={}", listener.local_addr()?);
    println!("admin_token={}", admin.token);
    let state = GatewayState::new(api, tokens)
        .with_webhook_key(synergy_runtime::webhook::SigningKey::from_bytes([7; 32]));
    synergy_gateway::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
