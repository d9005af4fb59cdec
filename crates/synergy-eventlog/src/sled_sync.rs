//! What sled 0.34's flush leaves undone, and the syncs that make a sled database durable.
//!
//! sled 0.34's flush ([`sled::Tree::flush`], also `Db`'s) writes its log buffers and
//! waits for them with `sync_file_range(2)` (its `pagecache/iobuf.rs`), which starts and
//! waits for the page writeback but neither flushes the device's write cache nor writes
//! the file's metadata (a grown file's size): after a power loss, a flushed write may be
//! gone. It never syncs the files it creates beside its log either: `conf`, the `blobs/`
//! files it writes large tree nodes to, or the directories naming them.
//!
//! [`SledFiles`] does the rest after each flush: `fsync(2)` on every file new in the
//! database's directory or in `blobs/` since the last sync and then on that directory,
//! and `fdatasync(2)` on the data file `db` (which also writes its size when it grew). A
//! directory is only listed when its modification time moved (or moved too recently to
//! be trusted: a file made within the same clock tick as the last listing leaves it
//! unchanged), so a sync costs one `fdatasync` and two `stat`s when sled made no file.
//! [`flush`] is sled's flush followed by this: what every write that acknowledges
//! durability calls.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// How much older than its listing a directory's modification time must be before a
/// listing is trusted to hold every file made up to then. Far above the coarsest clock
/// tick file times use (a jiffy on Linux; 1–2 s on some filesystems).
const MTIME_TRUST: Duration = Duration::from_secs(3);

/// The files of one sled 0.34 database directory, kept durable (see the module docs).
#[derive(Debug)]
pub struct SledFiles {
    /// The data file `db`, opened read-only: `fdatasync` needs no write access.
    data: File,
    top: Dir,
    blobs: Dir,
}

/// A directory whose files are synced once each, when they first show up.
#[derive(Debug)]
struct Dir {
    path: PathBuf,
    /// The files and directories seen in it, all synced.
    known: HashSet<OsString>,
    /// Its modification time at the last listing, if that listing was long enough after
    /// it to hold every entry made by then.
    listed: Option<SystemTime>,
}

impl SledFiles {
    /// Takes over the database in directory `dir`, which sled has opened (so `db`,
    /// `conf` and `blobs/` exist): syncs every file in it and in `blobs/`, the two
    /// directories and the directory holding `dir` (sled may have just created it).
    pub fn open(dir: &Path) -> io::Result<SledFiles> {
        let data = File::open(dir.join("db"))?;
        let mut files = SledFiles {
            data,
            top: Dir::new(dir.to_path_buf()),
            blobs: Dir::new(dir.join("blobs")),
        };
        files.sync()?;
        files.top.sync_itself()?;
        files.blobs.sync_itself()?;
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            File::open(parent)?.sync_all()?;
        }
        Ok(files)
    }

    /// Makes what sled has flushed durable: `fdatasync` on `db`, then `fsync` on each
    /// file sled made since the last call and on the directory holding it.
    pub fn sync(&mut self) -> io::Result<()> {
        // New files first: a node in `db` may point at a blob. (sled's own
        // `sync_file_range` has already sent `db`'s pages to the device, so this narrows
        // the window in which a power loss leaves `db` pointing at a lost blob, but
        // cannot close it; a commit in that window was not acknowledged.)
        self.blobs.sync_new()?;
        self.top.sync_new()?;
        self.data.sync_data()?;
        Ok(())
    }
}

impl Dir {
    fn new(path: PathBuf) -> Dir {
        Dir {
            path,
            known: HashSet::new(),
            listed: None,
        }
    }

    fn sync_itself(&self) -> io::Result<()> {
        File::open(&self.path)?.sync_all()
    }

    /// Syncs each entry not seen before, then the directory if its entries changed.
    fn sync_new(&mut self) -> io::Result<()> {
        let modified = std::fs::metadata(&self.path)?.modified()?;
        if self.listed == Some(modified) {
            return Ok(());
        }
        let now = SystemTime::now();
        let mut seen = HashSet::with_capacity(self.known.len());
        let mut changed = false;
        for entry in std::fs::read_dir(&self.path)? {
            let name = entry?.file_name();
            if !self.known.contains(&name) {
                match File::open(self.path.join(&name)).and_then(|f| f.sync_all()) {
                    Ok(()) => {}
                    // sled removed it (an old snapshot or blob) since the listing.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                }
                changed = true;
            }
            seen.insert(name);
        }
        changed |= seen.len() != self.known.len();
        if changed {
            self.sync_itself()?;
        }
        self.known = seen;
        self.listed = modified
            .checked_add(MTIME_TRUST)
            .is_some_and(|trusted| trusted < now)
            .then_some(modified);
        Ok(())
    }
}

/// sled's flush of `db`, then a sync of its files (`files`, `None` for a temporary
/// database): what a write calls before it acknowledges durability.
pub fn flush(db: &sled::Db, files: Option<&Mutex<SledFiles>>) -> Result<(), sled::Error> {
    db.flush()?;
    if let Some(files) = files {
        // A panic mid-sync leaves nothing half-done that the next sync would not redo.
        let mut files = files.lock().unwrap_or_else(|p| p.into_inner());
        files.sync().map_err(sled::Error::Io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_made_after_a_listing_is_synced_by_the_next_sync() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::Config::new().path(dir.path()).open().unwrap();
        let mut files = SledFiles::open(dir.path()).unwrap();
        assert!(files.top.known.contains(&OsString::from("db")));
        assert!(files.top.known.contains(&OsString::from("conf")));
        // The listing was just made: its time is not trusted yet, so a file made in the
        // same clock tick is still found.
        assert_eq!(files.blobs.listed, None);
        std::fs::write(dir.path().join("blobs").join("7"), b"x").unwrap();
        files.sync().unwrap();
        assert!(files.blobs.known.contains(&OsString::from("7")));
        std::fs::remove_file(dir.path().join("blobs").join("7")).unwrap();
        files.sync().unwrap();
        assert!(files.blobs.known.is_empty());
        drop(db);
    }
}
