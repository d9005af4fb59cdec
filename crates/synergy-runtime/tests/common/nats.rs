//! The services over a real nats-server, run in-process as tokio tasks, each with its own
//! NATS connection and JetStream log as separate processes would have.

use std::sync::Arc;
use std::time::Duration;

use synergy_eventlog::{JetStreamConfig, JetStreamLog};
use synergy_runtime::nats::{ServeError, Service, ServiceConfig, ServiceRole, ServiceStats};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// One running service: its counters, its stop switch and its task.
pub struct Running {
    pub stats: Arc<ServiceStats>,
    stop: watch::Sender<bool>,
    task: JoinHandle<Result<(), ServeError>>,
}

impl Running {
    pub async fn shut_down(self) -> Result<(), ServeError> {
        self.stop.send_replace(true);
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("the service drains within 30 s")
            .expect("the service task does not panic")
    }
}

pub async fn start(url: &str, role: ServiceRole, views: Option<&std::path::Path>) -> Running {
    let client = synergy_runtime::nats::connect(&url.parse().unwrap(), &format!("test-{role}"))
        .await
        .unwrap();
    let log = Arc::new(
        JetStreamLog::open(client.clone(), JetStreamConfig::default())
            .await
            .unwrap(),
    );
    let mut config = ServiceConfig::new(role);
    if let Some(dir) = views {
        config = config.views(dir);
    }
    let service = Service::new(client, config, log);
    let mut ready = service.ready();
    let stats = service.stats();
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(service.run(stopped));
    tokio::time::timeout(Duration::from_secs(20), ready.wait_for(|r| *r))
        .await
        .expect("the service is ready within 20 s")
        .unwrap();
    Running { stats, stop, task }
}
