//! Where "now" comes from. The domain never reads a clock; the runtime reads one of these
//! once per command and passes the instant in.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use synergy_proto::Timestamp;

pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    fn now(&self) -> Timestamp;
}

/// The machine's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Timestamp::from_millis(ms)
    }
}

/// A clock that shows what it was last set to: replays of history (the demo, imports of
/// past months in tests) run "as of" the day each step happened.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(at: Timestamp) -> Self {
        Self(AtomicI64::new(at.millis()))
    }
    pub fn set(&self, at: Timestamp) {
        self.0.store(at.millis(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.0.load(Ordering::SeqCst))
    }
}

/// A clock read from a file at each reading: the instant it holds (`2008-07-01T00:00:00Z`,
/// what [`Timestamp`] writes). A test facility (`--clock-file`): the tests of the
/// scheduler move a running `synergy up` or `serve evaluation` through months by
/// rewriting the file. Never the default; an unreadable file keeps the last instant read.
#[derive(Debug)]
pub struct FileClock {
    path: std::path::PathBuf,
    last: AtomicI64,
}

#[derive(Debug, thiserror::Error)]
#[error("the clock file {path}: {reason}")]
pub struct ClockFileError {
    path: String,
    reason: String,
}

impl FileClock {
    /// Opens the clock, refusing a file that does not hold an instant now.
    pub fn open(path: impl Into<std::path::PathBuf>) -> Result<Self, ClockFileError> {
        let path = path.into();
        let at = Self::read(&path)?;
        Ok(Self {
            path,
            last: AtomicI64::new(at.millis()),
        })
    }

    fn read(path: &std::path::Path) -> Result<Timestamp, ClockFileError> {
        let error = |reason: String| ClockFileError {
            path: path.display().to_string(),
            reason,
        };
        // An instant is a few dozen bytes; a larger file is not a clock.
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut std::io::Read::take(
                std::fs::File::open(path).map_err(|e| error(e.to_string()))?,
                64,
            ),
            &mut text,
        )
        .map_err(|e| error(e.to_string()))?;
        text.trim().parse().map_err(|e| {
            error(format!(
                "{e} (write an instant such as 2008-07-01T00:00:00Z)"
            ))
        })
    }
}

impl Clock for FileClock {
    fn now(&self) -> Timestamp {
        match Self::read(&self.path) {
            Ok(at) => {
                self.last.store(at.millis(), Ordering::SeqCst);
                at
            }
            Err(e) => {
                tracing::warn!(error = %e, "keeping the last instant read");
                Timestamp::from_millis(self.last.load(Ordering::SeqCst))
            }
        }
    }
}
