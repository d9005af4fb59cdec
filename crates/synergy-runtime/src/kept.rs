//! Stream states kept between commands, so that a command folds only what was appended
//! to its stream since the last one instead of the stream's whole history.
//!
//! A context's fold is pure ([`synergy_domain::BoundedContext::State`]): the state of a
//! stream at version `v`, with the events after `v` folded onto it, is the state of the
//! whole stream. So a kept state never goes stale, it only falls behind, and a command
//! reads the stream from the version after it. Another process writing the same stream
//! (replicas over NATS) is caught up with the same way, and a version conflict reloads
//! only the tail.
//!
//! The states live in a least-recently-used map bounded by a number of streams
//! ([`DEFAULT_CAPACITY`]); one pushed out is folded again from the log when next needed.
//! Beside the state, an entry keeps the stream's commit ids and request ids, which is all
//! the idempotency checks need of the history.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use synergy_eventlog::StoredCommit;
use synergy_proto::{Event, StreamId, Uuid};

/// Streams whose states are kept unless the process is told otherwise.
pub const DEFAULT_CAPACITY: usize = 4_096;

/// One stream folded up to `version`, with the ids the idempotency checks look up.
#[derive(Debug, Clone, Default)]
pub struct Kept<S> {
    /// The stream's version the state is folded up to (0: nothing folded).
    pub version: u64,
    pub state: S,
    /// Each commit's id, with the version its first event has.
    pub commits: HashMap<Uuid, u64>,
    /// The request id (causation) of each commit that has one.
    pub requests: HashSet<Uuid>,
}

impl<S> Kept<S> {
    /// Folds `commits` (the stream's commits after `self.version`, in order) onto the
    /// state; `version` is the stream's version after them, which counts records the log
    /// passed over.
    pub fn fold(
        mut self,
        commits: &[StoredCommit],
        version: u64,
        evolve: impl Fn(S, &Event) -> S,
    ) -> Self {
        for stored in commits {
            let commit = &stored.commit;
            self.commits.insert(commit.commit_id, commit.first_version);
            if let Some(request) = commit.causation_id {
                self.requests.insert(request);
            }
            for recorded in &commit.events {
                self.state = evolve(self.state, &recorded.event);
            }
        }
        self.version = self.version.max(version);
        self
    }

    /// Folds the events of a commit just appended, which took versions up to `version`.
    pub fn fold_appended(
        mut self,
        commit: Uuid,
        request: Uuid,
        events: &[Event],
        version: u64,
        evolve: impl Fn(S, &Event) -> S,
    ) -> Self {
        self.commits
            .insert(commit, version + 1 - events.len() as u64);
        self.requests.insert(request);
        for event in events {
            self.state = evolve(self.state, event);
        }
        self.version = version;
        self
    }
}

/// The kept states of one process's executor, by stream.
pub struct KeptStates {
    map: Option<Mutex<lru::LruCache<StreamId, Arc<dyn Any + Send + Sync>>>>,
}

impl std::fmt::Debug for KeptStates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptStates")
            .field("streams", &self.len())
            .finish()
    }
}

impl KeptStates {
    /// Keeps up to `capacity` streams' states; 0 keeps none (every command folds its
    /// stream's whole history, as the benches' baseline does).
    pub fn new(capacity: usize) -> Self {
        Self {
            map: NonZeroUsize::new(capacity).map(|n| Mutex::new(lru::LruCache::new(n))),
        }
    }

    /// How many streams' states are kept now.
    pub fn len(&self) -> usize {
        self.map
            .as_ref()
            .map_or(0, |m| m.lock().unwrap_or_else(|p| p.into_inner()).len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The kept state of `stream`, shared (for a read), or a fresh one.
    pub fn get<S: Default + Send + Sync + 'static>(&self, stream: &StreamId) -> Arc<Kept<S>> {
        let Some(map) = &self.map else {
            return Arc::default();
        };
        let found = map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(stream)
            .cloned();
        found
            .and_then(|any| any.downcast::<Kept<S>>().ok())
            .unwrap_or_default()
    }

    /// The kept state of `stream`, taken out to be folded on and put back (or a fresh
    /// one). Another command on the stream meanwhile folds its own from the log.
    pub fn take<S: Default + Clone + Send + Sync + 'static>(&self, stream: &StreamId) -> Kept<S> {
        let Some(map) = &self.map else {
            return Kept::default();
        };
        let found = map.lock().unwrap_or_else(|p| p.into_inner()).pop(stream);
        match found.and_then(|any| any.downcast::<Kept<S>>().ok()) {
            Some(kept) => Arc::try_unwrap(kept).unwrap_or_else(|shared| (*shared).clone()),
            None => Kept::default(),
        }
    }

    /// Keeps `kept` as `stream`'s state unless a state folded further is kept already.
    pub fn put<S: Send + Sync + 'static>(&self, stream: &StreamId, kept: Arc<Kept<S>>) {
        let Some(map) = &self.map else {
            return;
        };
        let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
        let further = map
            .peek(stream)
            .and_then(|any| any.clone().downcast::<Kept<S>>().ok())
            .is_some_and(|there| there.version > kept.version);
        if !further {
            map.put(stream.clone(), kept);
        }
    }
}

impl Default for KeptStates {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}
