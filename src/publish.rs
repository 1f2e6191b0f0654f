//! Publishing results so that nothing anyone had is lost and no reader ever sees half a result.
//!
//! A directory of results (a run's report, a research command's outputs, `run --all`'s reports,
//! a synthetic dataset, a set of baselines) is built under a temporary name of its own beside
//! its destination, synced to disk, and put in place in one step: renamed there if the
//! destination is absent or empty, or exchanged with it (Linux `renameat2` with
//! `RENAME_EXCHANGE`) if it holds a previous result of the same kind, which is then removed. A
//! destination holding anything else is refused, never replaced: what counts as ours is each
//! [`Layout`]'s business. Every file is written inside such a directory ([`write_file`]), never
//! alone in place.
//!
//! Runs publishing into one directory at the same time are serialised by an advisory lock on
//! the destination's parent, taken only for the check and the swap (not while the results are
//! computed or written): the last one wins, and every run that succeeds has published a whole
//! result. Each temporary name is unique and locked by the run building it, so a later run
//! removes the ones that no live run holds (left by a run that was killed), never one that is
//! still being built.
//!
//! Durability, as durable stores do it: every file of the staged directory, and the directory
//! itself, are synced before the swap, and the parent after it, so that after a power loss the
//! destination holds the whole previous result or the whole new one, never new names over
//! contents that never reached the disk.

use std::fs::{self, File};
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

use crate::baseline::PLAN_FILE;
use crate::data::{MANIFEST_FILE, Manifest};
use crate::report::SUMMARY_FILE;
use crate::report::comparison;
use crate::{Error, Result};

/// How every temporary name of ours beside a destination starts: directories being built, and
/// previous results about to be removed.
const TEMPORARY: &str = ".partial-";

/// A research command and the files it writes into its output directory: its text files,
/// the first of which (its CSV) is always written and marks a directory as that command's, and
/// its chart, drawn unless charts are off. The one list of these names: the commands write
/// what it says, and publishing recognises what they wrote by it.
#[derive(Debug)]
pub struct Research {
    /// The subcommand.
    pub command: &'static str,
    /// Its text files, the CSV first.
    pub texts: &'static [&'static str],
    /// Its chart.
    pub chart: &'static str,
}

impl Research {
    /// Whether the command writes a file called `name`.
    fn writes(&self, name: &str) -> bool {
        self.texts.contains(&name) || self.chart == name
    }
}

/// What `backtest sweep` writes.
pub static SWEEP: Research = Research {
    command: "sweep",
    texts: &["sweep.csv", "sweep.md"],
    chart: "heatmap.png",
};

/// What `backtest walk-forward` writes.
pub static WALK_FORWARD: Research = Research {
    command: "walk-forward",
    texts: &["walkforward.csv", "walkforward.md", "equity.csv"],
    chart: "equity.png",
};

/// What `backtest robustness` writes.
pub static ROBUSTNESS: Research = Research {
    command: "robustness",
    texts: &["robustness.csv", "robustness.md"],
    chart: "robustness.png",
};

/// The research commands.
static RESEARCH: [&Research; 3] = [&SWEEP, &WALK_FORWARD, &ROBUSTNESS];

/// What a published directory holds, which decides what it may replace: an absent or empty
/// directory, or one holding only what this program writes for the same kind, with its marker
/// file readable as ours. Our own temporary entries (`.partial-*`) are ignored everywhere.
#[derive(Debug, Clone, Copy)]
pub enum Layout {
    /// A run's report: `summary.json` (a JSON object with a `schema_version` and a `strategy`),
    /// the other text files and the charts of a report.
    Report,
    /// A research command's outputs: its own files only, its CSV among them.
    Research(&'static Research),
    /// `run --all`'s directory: reports and research outputs in subdirectories of their own,
    /// and the comparison (`comparison.md` starting with its heading, and its chart).
    Collection,
    /// A dataset `backtest synth` wrote: a `dataset.toml` of a synthetic dataset whose generator
    /// is `backtest synth`, and the CSV of each symbol it lists.
    Dataset,
    /// A set of baselines: `plan.toml` and one `<strategy>/summary.json` per run.
    Baselines,
}

impl Layout {
    /// What a directory of this kind is called in a refusal.
    fn noun(self) -> String {
        match self {
            Layout::Report => "a report directory".into(),
            Layout::Research(research) => format!("a directory of `{}` outputs", research.command),
            Layout::Collection => "a directory of reports".into(),
            Layout::Dataset => format!("a dataset written by `{}`", crate::synth::COMMAND),
            Layout::Baselines => "a set of baselines".into(),
        }
    }

    /// The option that chose the directory.
    fn option(self) -> &'static str {
        match self {
            Layout::Baselines => "--baselines",
            _ => "--out",
        }
    }

    /// Refuses `out` as a destination as publishing it would (see [`publish_dir`]), for a
    /// command to call before it computes anything: publishing checks again, under its lock.
    ///
    /// # Errors
    /// [`Error::Usage`] saying why `out` cannot be published to.
    pub fn admits(self, out: &Path) -> Result<()> {
        self.check(&destination(out, self)?)
    }

    /// Refuses `dir` unless it is absent, empty or of this layout.
    ///
    /// # Errors
    /// [`Error::Usage`] saying what in `dir` is not ours.
    pub fn check(self, dir: &Path) -> Result<()> {
        match self.foreign(dir) {
            None => Ok(()),
            Some(what) => Err(Error::Usage(format!(
                "{} is not {}: {what}; choose another {}",
                dir.display(),
                self.noun(),
                self.option()
            ))),
        }
    }

    /// The first thing in `dir` that is not of this layout, said as its path and why; `None`
    /// when `dir` is absent, empty or wholly ours.
    fn foreign(self, dir: &Path) -> Option<String> {
        match self {
            Layout::Report => flat(dir, SUMMARY_FILE, is_summary, crate::report::is_report_file),
            Layout::Research(research) => flat(dir, research.texts[0], Path::is_file, |name| {
                research.writes(name)
            }),
            Layout::Collection => listed(dir, collection),
            Layout::Dataset => listed(dir, dataset),
            Layout::Baselines => listed(dir, baselines),
        }
    }

    /// The layout a subdirectory of a directory of reports has, by its marker: a research
    /// command's outputs, or else a report.
    fn of_subdirectory(dir: &Path) -> Layout {
        RESEARCH
            .into_iter()
            .find(|r| dir.join(r.texts[0]).is_file())
            .map_or(Layout::Report, Layout::Research)
    }
}

/// An entry of a directory, but for our temporary ones.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Entry {
    File(String),
    Dir(String),
}

/// The entries of `dir` (none if it is absent), sorted so that a refusal names the same one each
/// time; or why `dir` is not ours: it is a file, it cannot be read, or it holds something this
/// program never writes (a symbolic link, a name that is not UTF-8).
fn listing(dir: &Path) -> std::result::Result<Vec<Entry>, String> {
    let unreadable = |e: io::Error| format!("{} cannot be read ({e})", dir.display());
    let read = match fs::read_dir(dir) {
        Ok(read) => read,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
            return Err(format!("{} is a file", dir.display()));
        }
        Err(e) => return Err(unreadable(e)),
    };
    let mut entries = Vec::new();
    for entry in read {
        let entry = entry.map_err(unreadable)?;
        let not_ours = || format!("{} was not written by backtest", entry.path().display());
        let name = entry.file_name().into_string().map_err(|_| not_ours())?;
        if name.starts_with(TEMPORARY) {
            continue;
        }
        let kind = entry.file_type().map_err(unreadable)?;
        entries.push(if kind.is_dir() {
            Entry::Dir(name)
        } else if kind.is_file() {
            Entry::File(name)
        } else {
            return Err(not_ours());
        });
    }
    entries.sort();
    Ok(entries)
}

/// Checks the entries of `dir` with `check`, or says why they cannot be listed.
fn listed(dir: &Path, check: fn(&Path, &[Entry]) -> Option<String>) -> Option<String> {
    match listing(dir) {
        Ok(entries) => check(dir, &entries),
        Err(why) => Some(why),
    }
}

/// What to say of `name` in `dir` that this program did not write.
fn stray(dir: &Path, name: &str) -> String {
    format!("{} was not written by backtest", dir.join(name).display())
}

/// Checks a directory of files only: nothing at all, or files each `allowed`, among them
/// `marker`, which `valid` accepts.
fn flat(
    dir: &Path,
    marker: &str,
    valid: fn(&Path) -> bool,
    allowed: impl Fn(&str) -> bool,
) -> Option<String> {
    let entries = match listing(dir) {
        Ok(entries) if entries.is_empty() => return None,
        Ok(entries) => entries,
        Err(why) => return Some(why),
    };
    for entry in &entries {
        match entry {
            Entry::File(name) if allowed(name) => {}
            Entry::File(name) | Entry::Dir(name) => return Some(stray(dir, name)),
        }
    }
    let marker = dir.join(marker);
    if !marker.is_file() {
        Some(format!("it has files of ours but no {}", marker.display()))
    } else if valid(&marker) {
        None
    } else {
        Some(format!("{} was not written by backtest", marker.display()))
    }
}

/// Whether `path` reads as a summary of ours: a JSON object with a schema version and a
/// strategy. Any schema version, so that the reports of an older version are replaced too.
fn is_summary(path: &Path) -> bool {
    let Ok(text) = fs::read(path) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&text).is_ok_and(|value| {
        value
            .get("schema_version")
            .is_some_and(serde_json::Value::is_u64)
            && value
                .get("strategy")
                .is_some_and(serde_json::Value::is_string)
    })
}

/// Checks a directory of reports: each subdirectory a report or a research command's outputs,
/// and the comparison's files if its table is ours.
fn collection(dir: &Path, entries: &[Entry]) -> Option<String> {
    let [table, chart] = comparison::FILES;
    let compared = starts_with_line(&dir.join(table), comparison::HEADING);
    entries.iter().find_map(|entry| match entry {
        Entry::Dir(name) => {
            let sub = dir.join(name);
            Layout::of_subdirectory(&sub).foreign(&sub)
        }
        Entry::File(name) if compared && (name == table || name == chart) => None,
        Entry::File(name) => Some(stray(dir, name)),
    })
}

/// Checks a set of baselines: its plan, and one directory per run holding its summary only.
fn baselines(dir: &Path, entries: &[Entry]) -> Option<String> {
    entries.iter().find_map(|entry| match entry {
        Entry::File(name) if name == PLAN_FILE => None,
        Entry::File(name) => Some(stray(dir, name)),
        Entry::Dir(name) => flat(&dir.join(name), SUMMARY_FILE, is_summary, |file| {
            file == SUMMARY_FILE
        }),
    })
}

/// Checks a dataset `backtest synth` wrote: its manifest says so, and every other file is the CSV
/// of a symbol it lists.
fn dataset(dir: &Path, entries: &[Entry]) -> Option<String> {
    let first = entries.first()?;
    let ours = |m: &Manifest| {
        m.synthetic
            && m.generator
                .as_deref()
                .is_some_and(|g| g.starts_with(crate::synth::COMMAND))
    };
    let manifest = match Manifest::read(dir) {
        Ok(Some(manifest)) if ours(&manifest) => manifest,
        Ok(None) => {
            let (Entry::File(name) | Entry::Dir(name)) = first;
            return Some(stray(dir, name));
        }
        Ok(Some(_)) | Err(_) => {
            return Some(format!(
                "{} does not describe a synthetic dataset of `{}`",
                dir.join(MANIFEST_FILE).display(),
                crate::synth::COMMAND
            ));
        }
    };
    let listed = |name: &str| {
        name == MANIFEST_FILE
            || name
                .strip_suffix(".csv")
                .is_some_and(|symbol| manifest.symbols.iter().any(|s| s == symbol))
    };
    entries.iter().find_map(|entry| match entry {
        Entry::File(name) if listed(name) => None,
        Entry::File(name) | Entry::Dir(name) => Some(stray(dir, name)),
    })
}

/// Publishes as `out` the directory that `fill` builds (it is given the directory to fill):
/// in one step, replacing a previous result of `layout` there, refusing anything else. If
/// `fill` fails, or anything before the swap does, nothing is left behind and whatever was at
/// `out` stays as it was.
///
/// # Errors
/// `out` is refused (a link to nothing, the working directory or one above it, or a directory
/// not of `layout`: see [`Layout`]), `fill` fails, or a directory cannot be written, synced or
/// renamed.
pub fn publish_dir(
    out: &Path,
    layout: Layout,
    fill: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let (out, parent, staging) = stage(out, layout, fill)?;
    let _lock = lock(&parent)?;
    put(staging.path(), &out, layout)?;
    sync(&parent)
}

/// Publishes as `out` what `fill` builds as `run --all` writes it: reports in subdirectories of
/// their own and the comparison's files. Into an absent or empty `out` as one directory, as
/// [`publish_dir`] does; into a directory of reports of ours entry by entry, each replacing its
/// namesake in one step, the other reports and outputs there left as they are. Runs publishing
/// into one `out` at once take turns for the whole set, so it is always one run's.
///
/// # Errors
/// As [`publish_dir`]; a subdirectory of `out` that a report would replace and that is not a
/// report is refused before anything is replaced.
pub fn publish_collection(out: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let layout = Layout::Collection;
    let (out, parent, staging) = stage(out, layout, fill)?;
    let _lock = lock(&parent)?;
    if renamed(staging.path(), &out)? {
        return sync(&parent);
    }
    layout.check(&out)?;
    let _inner = lock(&out)?;
    let staged = listing(staging.path()).map_err(Error::Usage)?;
    for entry in &staged {
        if let Entry::Dir(name) = entry {
            Layout::Report.check(&out.join(name))?;
        }
    }
    // The comparison's files belong together: one this run does not write (its chart, with
    // charts off) goes, rather than stay beside a table it no longer shows.
    for name in comparison::FILES {
        let target = out.join(name);
        if !staged.contains(&Entry::File(name.to_string())) && target.is_file() {
            fs::remove_file(&target).map_err(|e| Error::io(&target, e))?;
        }
    }
    for entry in &staged {
        match entry {
            Entry::Dir(name) => put(&staging.path().join(name), &out.join(name), Layout::Report)?,
            Entry::File(name) => {
                let target = out.join(name);
                fs::rename(staging.path().join(name), &target)
                    .map_err(|e| Error::io(&target, e))?;
            }
        }
    }
    sync(&out)
}

/// Builds with `fill` the result to publish as `out` (refused early if `out` is not ours) and
/// syncs it, ready to be put in place: the destination (see [`destination`]), the directory it
/// is in, and the staging directory built there.
fn stage(
    out: &Path,
    layout: Layout,
    fill: impl FnOnce(&Path) -> Result<()>,
) -> Result<(PathBuf, PathBuf, Staging)> {
    let out = destination(out, layout)?;
    layout.check(&out)?;
    let parent = parent(&out);
    let staging = Staging::new(&parent, &out)?;
    fill(staging.path())?;
    sync_tree(staging.path())?;
    Ok((out, parent, staging))
}

/// Where publishing `out` puts the result: `out` itself, or the directory a symbolic link `out`
/// points to (the link is kept). Refused: a link to nothing, and the directory the command runs
/// in or one above it (`.`, `..`, `/`), which cannot be swapped from under it.
///
/// # Errors
/// [`Error::Usage`] naming `out` and why.
fn destination(out: &Path, layout: Layout) -> Result<PathBuf> {
    let option = layout.option();
    let refuse = |why: String| Error::Usage(format!("{option} {} {why}", out.display()));
    let target = match fs::symlink_metadata(out) {
        Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(out).map_err(|_| {
            let to = fs::read_link(out).unwrap_or_default();
            refuse(format!(
                "is a symbolic link to {}, which does not exist: create it or choose another {option}",
                to.display()
            ))
        })?,
        _ => out.to_path_buf(),
    };
    let here = std::env::current_dir().and_then(fs::canonicalize);
    let stands_in = match (here, fs::canonicalize(&target)) {
        (Ok(here), Ok(target)) => here.starts_with(target),
        _ => false,
    };
    if target.file_name().is_none() || stands_in {
        return Err(refuse(format!(
            "is the directory the command runs in or one above it, which cannot be replaced: \
             name a directory below it with {option}"
        )));
    }
    Ok(target)
}

/// The directory `path` is in.
fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Puts the staged directory at `out`: renamed there if `out` is absent or empty, else exchanged
/// with the result of `layout` there, which is then removed; anything else is refused.
fn put(staged: &Path, out: &Path, layout: Layout) -> Result<()> {
    if renamed(staged, out)? {
        return Ok(());
    }
    layout.check(out)?;
    exchange(staged, out)?;
    fs::remove_dir_all(staged).map_err(|e| Error::io(staged, e))
}

/// Renames `staged` to `out` if `out` is absent or an empty directory; `false` if something is
/// there.
fn renamed(staged: &Path, out: &Path) -> Result<bool> {
    match fs::rename(staged, out) {
        Ok(()) => Ok(true),
        Err(_) if fs::symlink_metadata(out).is_ok() => Ok(false),
        Err(e) => Err(Error::io(out, e)),
    }
}

/// Swaps two directories atomically.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(|e| Error::io(b, e.into()))
}

/// Swaps two directories: where the system has no atomic exchange, by three renames through a
/// temporary name of ours (a run killed between them leaves the new result under its temporary
/// name, and `b` absent).
#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> Result<()> {
    let mut old = a.as_os_str().to_owned();
    old.push("-previous");
    let old = PathBuf::from(old);
    fs::rename(b, &old).map_err(|e| Error::io(b, e))?;
    fs::rename(a, b).map_err(|e| Error::io(b, e))?;
    fs::rename(&old, a).map_err(|e| Error::io(a, e))
}

/// A directory being built beside its destination under a name no other run uses, locked for
/// as long as it is being built so that other runs can tell it from one a killed run left.
/// Removed when dropped, unless it has been renamed away. Nothing may be published inside it:
/// that would lock it a second time and wait forever.
struct Staging {
    dir: tempfile::TempDir,
    _held: Option<File>,
}

impl Staging {
    /// A new staging directory in `parent` (created if need be) for `out`, after removing the
    /// ones killed runs left there.
    fn new(parent: &Path, out: &Path) -> Result<Staging> {
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        // Under the parent's lock, so that no run removes this one between its creation and
        // its lock.
        let _lock = lock(parent)?;
        remove_abandoned(parent);
        let prefix = temporary_prefix(out);
        let dir = temporary_dir(&prefix, parent).map_err(|e| Error::io(parent, e))?;
        let held = File::open(dir.path()).map_err(|e| Error::io(dir.path(), e))?;
        let held = held.try_lock().is_ok().then_some(held);
        Ok(Staging { dir, _held: held })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Removes our temporary directories in `dir` that no live run holds: left by runs that were
/// killed. Called under `dir`'s lock. Best effort: one that cannot be removed stays, and blocks
/// nothing.
fn remove_abandoned(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let ours = entry.file_name().to_string_lossy().starts_with(TEMPORARY);
        if ours && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let path = entry.path();
            let abandoned = File::open(&path).is_ok_and(|held| held.try_lock().is_ok());
            if abandoned {
                let _ = fs::remove_dir_all(&path);
            }
        }
    }
}

/// An advisory lock on the directory `dir`, held until the file is dropped; `None` where the
/// file system has no locks (publishing then goes on unserialised).
fn lock(dir: &Path) -> Result<Option<File>> {
    let file = File::open(dir).map_err(|e| Error::io(dir, e))?;
    match file.lock() {
        Ok(()) => Ok(Some(file)),
        Err(e) if e.kind() == io::ErrorKind::Unsupported => Ok(None),
        Err(e) => Err(Error::io(dir, e)),
    }
}

/// The start of the temporary names beside `path`.
fn temporary_prefix(path: &Path) -> String {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    format!("{TEMPORARY}{name}-")
}

/// A directory named `prefix` and a unique suffix in `parent`, created with the mode any
/// directory of ours has (0777 less the umask), not tempfile's private 0700.
fn temporary_dir(prefix: &str, parent: &Path) -> io::Result<tempfile::TempDir> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(fs::Permissions::from_mode(0o777));
    }
    builder.tempdir_in(parent)
}

/// Syncs every file under `dir`, whoever wrote it, then `dir` itself. The files of one
/// directory are synced side by side: each sync mostly waits on the disk, and a report's dozen
/// took about 6 ms one after another.
fn sync_tree(dir: &Path) -> Result<()> {
    use rayon::prelude::*;
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        if entry.file_type().map_err(|e| Error::io(&path, e))?.is_dir() {
            sync_tree(&path)?;
        } else {
            files.push(path);
        }
    }
    files.par_iter().try_for_each(|path| sync(path))?;
    sync(dir)
}

/// Syncs a file or a directory to disk.
fn sync(path: &Path) -> Result<()> {
    File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(|e| Error::io(path, e))
}

/// Writes a file of a directory being published: no temporary name or sync of its own, since
/// the whole directory is synced and put in place at once.
///
/// # Errors
/// The file cannot be written.
pub fn write_file(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    fs::write(path, contents).map_err(|e| Error::io(path, e))
}

/// Whether the file at `path` starts with the line `first`.
fn starts_with_line(path: &Path, first: &str) -> bool {
    let mut head = Vec::new();
    let wanted = first.len() + 1;
    File::open(path)
        .and_then(|file| file.take(wanted as u64).read_to_end(&mut head))
        .is_ok_and(|_| head.strip_suffix(b"\n") == Some(first.as_bytes()))
}

#[cfg(test)]
mod tests {
    use std::fs::{self, File};
    use std::path::Path;

    use super::{Layout, Staging};

    fn summary(dir: &Path) {
        fs::create_dir_all(dir).unwrap();
        fs::write(
            dir.join("summary.json"),
            r#"{"schema_version": 1, "strategy": "sma-cross"}"#,
        )
        .unwrap();
    }

    #[test]
    fn a_set_of_baselines_holds_only_its_plan_and_one_summary_per_run() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("plan.toml"), "run = []\n").unwrap();
        summary(&dir.path().join("sma-cross"));
        assert!(Layout::Baselines.check(dir.path()).is_ok());
        fs::write(dir.path().join("sma-cross/notes.txt"), "mine").unwrap();
        let refused = Layout::Baselines.check(dir.path()).unwrap_err().to_string();
        assert!(
            refused.contains("notes.txt was not written by backtest"),
            "{refused}"
        );
        assert!(refused.ends_with("choose another --baselines"), "{refused}");
    }

    #[test]
    fn a_staging_directory_left_by_a_killed_run_is_removed_and_one_being_built_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let (abandoned, building) = (
            dir.path().join(".partial-report-killed"),
            dir.path().join(".partial-report-building"),
        );
        fs::create_dir(&abandoned).unwrap();
        fs::create_dir(&building).unwrap();
        let held = File::open(&building).unwrap();
        held.lock().unwrap();
        let staging = Staging::new(dir.path(), &dir.path().join("report")).unwrap();
        assert!(!abandoned.exists(), "no live run holds it");
        assert!(building.exists(), "a live run holds it");
        assert!(staging.path().exists());
        // Our temporary entries are never taken for something that is not ours.
        summary(&dir.path().join("report"));
        assert!(Layout::Collection.check(dir.path()).is_ok());
    }
}
