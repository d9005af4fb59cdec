//! Stream states kept between commands, so that a command folds only what was appended
//! to its stream since the last one instead of the stream's whole history.
//!
//! A context's fold is pure ([`synergy_domain::BoundedContext::State`]): the state of a
//! stream at version `v`, with the events after `v` folded onto it, is the state of the
//! whole stream. So a kept state never goes stale, it only falls behind, and a command
//! reads the stream from the version after it. Another process writing the same stream
//! (replicas over NATS) is caught up with the same way, and a version conflict reloads
//! only the tail. The executor's first attempt decides on the kept state before reading
//! anything, and leaves it to the append's expected version to tell it fell behind.
//!
//! The states live in a least-recently-used map bounded by a number of streams
//! ([`DEFAULT_CAPACITY`]); one pushed out is restored from its snapshot, if the executor
//! keeps them ([`crate::snapshot`]), or folded again from the log when next needed.
//! Beside the state, an entry keeps the stream's commit ids and request ids, which is all
//! the idempotency checks need of the history; a state restored from a snapshot keeps
//! the older ones as a filter instead ([`Kept::older`]).

use std::any::Any;
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use synergy_eventlog::{Position, StoredCommit};
use synergy_proto::{Event, StreamId, Uuid};

use crate::snapshot::IdBloom;

/// Streams whose states are kept unless the process is told otherwise.
pub const DEFAULT_CAPACITY: usize = 4_096;

/// One stream folded up to `version`, with the ids the idempotency checks look up.
#[derive(Debug, Clone, Default)]
pub struct Kept<S> {
    /// The stream's version the state is folded up to (0: nothing folded).
    pub version: u64,
    /// Where the last commit folded is in the log (what a reader reads after).
    pub position: Position,
    pub state: S,
    /// Each commit's id, with the version its first event has.
    pub commits: HashMap<Uuid, u64>,
    /// The request id (causation) of each commit that has one, with the version of its
    /// commit's first event.
    pub requests: HashMap<Uuid, u64>,
    /// When the state was restored from a snapshot: the ids of the commits folded before
    /// it that `commits` and `requests` do not hold, as a filter that may answer "maybe"
    /// for an id it does not hold but never "no" for one it does. `None`: the maps hold
    /// every id of the stream.
    pub older: Option<Arc<IdBloom>>,
    /// The version of the last snapshot saved of this state, or restored.
    pub saved: u64,
    /// How many more commands on the stream read its tail before deciding: set when one
    /// found that another writer had appended since this state, counted down by each that
    /// found nothing new. At 0 a command decides on the state as it is (`executor`).
    pub shared: u8,
}

impl<S> Kept<S> {
    /// Whether the stream may hold a commit with id `commit` or request `request` that
    /// the maps do not: then only the whole history can tell.
    pub fn in_doubt(&self, commit: Uuid, request: Uuid) -> bool {
        self.older
            .as_ref()
            .is_some_and(|older| older.may_contain(commit) || older.may_contain(request))
    }
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
            self.position = self.position.max(stored.position);
            self.commits.insert(commit.commit_id, commit.first_version);
            if let Some(request) = commit.causation_id {
                self.requests.insert(request, commit.first_version);
            }
            for recorded in &commit.events {
                self.state = evolve(self.state, &recorded.event);
            }
        }
        self.version = self.version.max(version);
        self
    }

    /// Folds the events of a commit just appended at `position`, which took versions up
    /// to `version`.
    pub fn fold_appended(
        mut self,
        commit: Uuid,
        request: Uuid,
        events: &[Event],
        version: u64,
        position: Position,
        evolve: impl Fn(S, &Event) -> S,
    ) -> Self {
        self.position = self.position.max(position);
        let first = version + 1 - events.len() as u64;
        self.commits.insert(commit, first);
        self.requests.insert(request, first);
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

    /// The kept state of `stream`, shared (for a read), if it is kept.
    pub fn get<S: Send + Sync + 'static>(&self, stream: &StreamId) -> Option<Arc<Kept<S>>> {
        let map = self.map.as_ref()?;
        let found = map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(stream)
            .cloned();
        found.and_then(|any| any.downcast::<Kept<S>>().ok())
    }

    /// The kept state of `stream`, taken out to be folded on and put back, if it is kept.
    /// Another command on the stream meanwhile folds its own.
    pub fn take<S: Clone + Send + Sync + 'static>(&self, stream: &StreamId) -> Option<Kept<S>> {
        let map = self.map.as_ref()?;
        let found = map.lock().unwrap_or_else(|p| p.into_inner()).pop(stream);
        found
            .and_then(|any| any.downcast::<Kept<S>>().ok())
            .map(|kept| Arc::try_unwrap(kept).unwrap_or_else(|shared| (*shared).clone()))
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
