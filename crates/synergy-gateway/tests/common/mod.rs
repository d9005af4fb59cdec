//! The gateway the HTTP tests drive: a real server on 127.0.0.1:0 in front of a real API,
//! its token store and data in a temporary directory that lives as long as it does.
#![allow(dead_code)] // each test file uses a different subset

pub mod web;

use std::sync::Arc;

use synergy_eventlog::SledLog;
use synergy_gateway::web::users::UserStore;
use synergy_gateway::{GatewayState, Limits, SledTokenStore, TokenStore};
use synergy_proto::{OrgId, Role};
use synergy_runtime::{Api, Clock, Local, SystemClock};
use tokio::sync::oneshot;

pub struct Server<A = Local<SledLog>> {
    pub base: String,
    pub client: reqwest::Client,
    pub api: Arc<A>,
    pub tokens: Arc<SledTokenStore>,
    /// The web app's people.
    pub users: Arc<UserStore>,
    _stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

impl Server {
    /// A gateway with `limits` over the embedded log, commands and "as of" on `clock`.
    pub async fn embedded(limits: Limits, clock: Arc<dyn Clock>) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let api = Local::open_embedded(&dir.path().join("data"), clock.clone()).unwrap();
        Server::serve(dir, Arc::new(api), limits, clock).await
    }
}

impl<A: Api + 'static> Server<A> {
    /// Serves `api`, whose data `dir` holds; the gateway keeps its tokens there too.
    pub async fn serve(
        dir: tempfile::TempDir,
        api: Arc<A>,
        limits: Limits,
        clock: Arc<dyn Clock>,
    ) -> Server<A> {
        let db = sled::open(dir.path().join("gateway")).unwrap();
        let tokens = Arc::new(SledTokenStore::open(&db).unwrap());
        let users = Arc::new(UserStore::open(&dir.path().join("gateway-users")).unwrap());
        let state = GatewayState::new(api.clone(), tokens.clone())
            .with_limits(limits)
            .with_clock(clock)
            .with_users(users.clone())
            .with_webhook_key(synergy_runtime::webhook::SigningKey::from_bytes([7; 32]));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(synergy_gateway::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Server {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            api,
            tokens,
            users,
            _stop: stop,
            _dir: dir,
        }
    }

    /// A token of `org` in `role`, from the gateway's own store.
    pub fn token(&self, org: &str, role: Role) -> String {
        let now = SystemClock.now();
        let created = self.tokens.create(OrgId::new(org).unwrap(), role, now);
        created.unwrap().token
    }
}
