//! Importing readings from CSV and XLSX files of any size, for the command line and the API alike.
//!
//! A blocking thread reads the rows ([`crate::tabular::readings`]) and hands them on in chunks of
//! [`CHUNK_ROWS`] through a bounded channel; this side checks and stores each chunk with one
//! [`models::readings::Writer`]. The whole import, every file of it, is one transaction with one audit
//! entry, and memory holds a few chunks whatever the size of the files.
//!
//! - [`Mode::AllOrNothing`] (the default): after the first bad row nothing more is stored, but every row is
//!   still read and checked so that every problem is reported (the first [`PROBLEMS_LISTED`], and a count
//!   of the rest); then the transaction is rolled back and nothing at all is stored.
//! - [`Mode::SkipInvalid`]: the good rows are stored and each bad one is rejected, handed to
//!   [`Observer::rejected`] with its problems (the command line writes them to a rejects file).
//!
//! In both modes a file that cannot be read (its encoding, a broken workbook, a missing sheet) or whose
//! header is wrong (a missing, doubled or unknown column) stores nothing.

use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::mpsc;

use models::audit::Actor;
use models::domain::reading::ReadingSource;
use models::readings::Writer;

use crate::tabular::readings::{ReadRow, ReadingColumns};
use crate::tabular::{Header, Kind, Place, Position, Row, RowProblem, Snippet, Table, TableError};

/// Rows checked and stored together.
pub const CHUNK_ROWS: usize = 5_000;
/// Problems listed one by one in a summary; the rest are counted.
pub const PROBLEMS_LISTED: usize = 1_000;

/// What becomes of an import with bad rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Any bad row stores nothing; every problem is reported.
    #[default]
    AllOrNothing,
    /// Good rows are stored, bad rows rejected.
    SkipInvalid,
}

/// One file to import.
pub struct Input {
    /// As shown in messages and recorded in the audit entry: the path, or `upload.csv`.
    pub name: String,
    pub source: Source,
}

pub enum Source {
    /// A file on disk; its content decides whether it is CSV or XLSX.
    Path(PathBuf),
    /// A stream, such as a request body: CSV is read as it comes, XLSX (which is read from its end) is
    /// spooled to a temporary file first.
    Stream { reader: Box<dyn Read + Send>, kind: Kind },
}

/// How to import.
#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    /// The worksheet of every workbook; the first visible one by default.
    pub sheet: Option<String>,
    pub actor: Actor,
    /// A station's key may import its own section's readings only.
    pub only_section: Option<i32>,
    pub live_window: TimeDelta,
    /// The origin of readings whose row names none (`--source-label`), also recorded in the audit entry.
    pub origin: Option<String>,
    pub now: DateTime<Utc>,
}

/// How far reading has got in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Index of the file in the inputs.
    pub file: usize,
    /// Data rows of this file read so far.
    pub rows: u64,
    /// Bytes of this file read so far (for a workbook, of the archive, which is not read in order).
    pub bytes: u64,
}

/// A row that was not stored (in [`Mode::SkipInvalid`]), with its problems.
pub struct Rejected<'a> {
    pub file: usize,
    pub header: &'a Header,
    pub position: &'a Position,
    /// The row's cells as read; `None` when the row itself could not be read (more cells than the header).
    pub row: Option<&'a Row>,
    pub problems: &'a [RowProblem],
}

/// Told what an import is doing, as it does it.
pub trait Observer: Send {
    fn progress(&mut self, _progress: Progress) {}

    /// A row rejected in [`Mode::SkipInvalid`]. An error stops the import, storing nothing.
    fn rejected(&mut self, _rejected: Rejected<'_>) -> std::io::Result<()> {
        Ok(())
    }
}

/// Watches nothing.
impl Observer for () {}

/// What an import did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Summary {
    pub mode: Mode,
    pub files: Vec<String>,
    /// Whether anything was kept: `false` when bad rows (all or nothing) or a bad header stopped the import,
    /// or when no row was good; then every count but `rows` and `rejected` is 0.
    pub committed: bool,
    /// Data rows read, blank rows not counted.
    pub rows: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub revised: u64,
    /// Stored but set aside by a quality rule.
    pub flagged: u64,
    /// Rows with at least one problem.
    pub rejected: u64,
    pub alerts_opened: u64,
    pub alerts_updated: u64,
    /// The first [`PROBLEMS_LISTED`] problems, in file order.
    #[serde(skip)]
    pub problems: Vec<RowProblem>,
    pub problems_not_listed: u64,
}

impl Summary {
    /// Every problem found, listed or not.
    pub fn problem_count(&self) -> u64 {
        self.problems.len() as u64 + self.problems_not_listed
    }

    /// One line in Chinese.
    pub fn zh(&self) -> String {
        let head = format!("读取 {} 行", self.rows);
        if !self.committed && self.problem_count() == 0 {
            return format!("{head}：没有可保存的数据");
        }
        if !self.committed {
            return format!("{head}，其中 {} 行有误：未保存任何数据", self.rejected);
        }
        format!(
            "{head}：新增 {} 条，重复 {} 条，修订 {} 条，质控标记 {} 条，拒收 {} 行；新开预警 {} 个，更新预警 {} 个",
            self.stored,
            self.duplicates,
            self.revised,
            self.flagged,
            self.rejected,
            self.alerts_opened,
            self.alerts_updated
        )
    }

    /// One line in English.
    pub fn en(&self) -> String {
        let head = format!("read {} row(s)", self.rows);
        if !self.committed && self.problem_count() == 0 {
            return format!("{head}: nothing to store");
        }
        if !self.committed {
            return format!("{head}, {} with problems: nothing was stored", self.rejected);
        }
        format!(
            "{head}: {} stored, {} duplicate(s), {} revised, {} flagged, {} rejected; {} alert(s) opened, {} updated",
            self.stored,
            self.duplicates,
            self.revised,
            self.flagged,
            self.rejected,
            self.alerts_opened,
            self.alerts_updated
        )
    }

    fn problem(&mut self, problem: RowProblem) {
        if self.problems.len() < PROBLEMS_LISTED {
            self.problems.push(problem);
        } else {
            self.problems_not_listed += 1;
        }
    }
}

/// Why an import stopped before it could say what was wrong row by row. Nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file could not be read as a table (I/O, encoding, not a workbook, no such sheet).
    #[error("{file}: {error}")]
    Unreadable { file: String, error: TableError },
    /// The observer could not take a rejected row (the command line could not write its rejects file).
    #[error("cannot write the rejected rows: {0}")]
    Rejects(std::io::Error),
    #[error("the file reader failed: {0}")]
    Reader(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl ImportError {
    pub fn zh(&self) -> String {
        match self {
            ImportError::Unreadable { file, error } => format!("{}：{}", Snippet::new(file), error.zh()),
            ImportError::Rejects(e) => format!("无法写入被拒收的行：{e}"),
            ImportError::Reader(e) => format!("读取文件失败：{e}"),
            ImportError::Db(_) => "数据库错误".into(),
        }
    }
}

/// What the reading thread hands on.
enum Message {
    /// A file's header, mapped: its rows follow.
    Header {
        columns: Arc<ReadingColumns>,
    },
    /// A file's header that cannot be read as readings: its rows are not read.
    HeaderProblems {
        file: usize,
        problems: Vec<RowProblem>,
    },
    Rows(Chunk),
    /// The file could not be read on; nothing after it is read.
    Unreadable {
        file: usize,
        error: TableError,
    },
}

struct Chunk {
    file: usize,
    rows: Vec<ChunkRow>,
    /// Of the file, so far.
    rows_read: u64,
    bytes_read: u64,
}

struct ChunkRow {
    position: Position,
    /// The row as read, or why it could not be (more cells than the header).
    read: Result<(Row, ReadRow), RowProblem>,
}

/// Imports the inputs as one transaction; see the module documentation.
pub async fn import(
    db: &DatabaseConnection,
    inputs: Vec<Input>,
    options: Options,
    observer: &mut dyn Observer,
) -> Result<Summary, ImportError> {
    let files: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    // A file is named in a problem only when there are several to tell apart.
    let named = |file: usize| (files.len() > 1).then(|| files[file].clone());
    let mut summary = Summary { mode: options.mode, files: files.clone(), ..Summary::default() };
    let mut writer =
        Writer::begin(db, ReadingSource::Csv, options.actor.clone(), options.live_window, options.now).await?;
    writer.only_section = options.only_section;

    // Two chunks in the channel, one being read and one being stored: the memory an import takes.
    let (tx, mut rx) = mpsc::channel::<Message>(2);
    let sheet = options.sheet.clone();
    let reader = tokio::task::spawn_blocking(move || read_inputs(inputs, sheet.as_deref(), &tx));

    let mut columns: Option<Arc<ReadingColumns>> = None;
    // All or nothing: once a row is bad nothing more is stored, but everything is still checked.
    let mut failed = false;
    let mut header_failed = false;
    while let Some(message) = rx.recv().await {
        match message {
            Message::Header { columns: c } => columns = Some(c),
            Message::HeaderProblems { file, problems } => {
                header_failed = true;
                for mut p in problems {
                    p.file = named(file);
                    summary.problem(p);
                }
            }
            Message::Unreadable { file, error } => {
                return Err(ImportError::Unreadable { file: files[file].clone(), error });
            }
            Message::Rows(chunk) => {
                let Some(columns) = columns.as_deref() else { continue };
                let bad =
                    check_and_store(&mut writer, chunk, columns, &options, &mut summary, observer, &named, failed)
                        .await?;
                failed |= bad && options.mode == Mode::AllOrNothing;
            }
        }
    }
    reader.await.map_err(|e| ImportError::Reader(e.to_string()))?;

    let totals = writer.totals();
    if failed || header_failed || totals.submitted == 0 {
        // Dropping the writer rolls the transaction back.
        drop(writer);
        tracing::info!(rows = summary.rows, rejected = summary.rejected, "import stored nothing");
        return Ok(summary);
    }
    let detail = serde_json::json!({
        "import": {
            "files": files,
            "mode": options.mode,
            "rows": summary.rows,
            "rejected": summary.rejected,
            "origin": options.origin,
        }
    });
    let totals = writer.commit(Some(detail)).await?;
    summary.committed = true;
    summary.stored = totals.stored;
    summary.duplicates = totals.duplicates;
    summary.revised = totals.revised;
    summary.flagged = totals.flagged;
    summary.alerts_opened = totals.alerts_opened.len() as u64;
    summary.alerts_updated = totals.alerts_updated.len() as u64;
    tracing::info!(
        rows = summary.rows,
        stored = summary.stored,
        duplicates = summary.duplicates,
        revised = summary.revised,
        rejected = summary.rejected,
        "readings imported"
    );
    Ok(summary)
}

/// Checks a chunk and, unless an earlier bad row stopped storing, stores its good rows; reports whether
/// the chunk had a bad row.
#[allow(clippy::too_many_arguments)]
async fn check_and_store(
    writer: &mut Writer,
    chunk: Chunk,
    columns: &ReadingColumns,
    options: &Options,
    summary: &mut Summary,
    observer: &mut dyn Observer,
    named: &impl Fn(usize) -> Option<String>,
    failed: bool,
) -> Result<bool, ImportError> {
    let Chunk { file, mut rows, rows_read, bytes_read } = chunk;
    summary.rows += rows.len() as u64;
    let mut items = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter_mut().enumerate() {
        if let Ok((_, read)) = &mut row.read {
            let mut input = std::mem::take(&mut read.input);
            if input.origin.is_none() {
                input.origin.clone_from(&options.origin);
            }
            items.push((index, input));
        }
    }
    let (valid, found) = writer.check(&items).await?;

    // Every row's problems, its cells' first, in the order of the rows.
    let mut problems: Vec<Vec<RowProblem>> = rows
        .iter_mut()
        .map(|row| match &mut row.read {
            Ok((_, read)) => std::mem::take(&mut read.problems),
            Err(problem) => vec![problem.clone()],
        })
        .collect();
    for p in found {
        if let Ok((_, read)) = &rows[p.index].read
            && read.adds(&p.problem)
        {
            problems[p.index].push(columns.problem(&rows[p.index].position, &p.problem));
        }
    }
    let bad_rows: Vec<bool> = problems.iter().map(|p| !p.is_empty()).collect();
    let bad = bad_rows.contains(&true);
    for (row, mut row_problems) in rows.iter().zip(problems) {
        if row_problems.is_empty() {
            continue;
        }
        summary.rejected += 1;
        for p in &mut row_problems {
            p.file = named(file);
        }
        if options.mode == Mode::SkipInvalid {
            let rejected = Rejected {
                file,
                header: columns.header(),
                position: &row.position,
                row: row.read.as_ref().ok().map(|(row, _)| row),
                problems: &row_problems,
            };
            observer.rejected(rejected).map_err(ImportError::Rejects)?;
        }
        for p in row_problems {
            summary.problem(p);
        }
    }
    let store = match options.mode {
        Mode::SkipInvalid => true,
        Mode::AllOrNothing => !failed && !bad,
    };
    if store {
        let good: Vec<_> = valid.into_iter().filter(|(index, _)| !bad_rows[*index]).collect();
        if !good.is_empty() {
            writer.store(good).await?;
        }
    }
    observer.progress(Progress { file, rows: rows_read, bytes: bytes_read });
    Ok(bad)
}

/// Reads every input in turn, handing its rows on in chunks; stops when the importer stops listening.
fn read_inputs(inputs: Vec<Input>, sheet: Option<&str>, tx: &mpsc::Sender<Message>) {
    for (file, input) in inputs.into_iter().enumerate() {
        let bytes = Arc::new(AtomicU64::new(0));
        let table = match open(input.source, sheet, bytes.clone()) {
            Ok(table) => table,
            Err(error) => {
                let _ = tx.blocking_send(Message::Unreadable { file, error });
                return;
            }
        };
        match read_table(file, table, &bytes, tx) {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => {
                let _ = tx.blocking_send(Message::Unreadable { file, error });
                return;
            }
        }
    }
}

fn open(source: Source, sheet: Option<&str>, bytes: Arc<AtomicU64>) -> Result<Table, TableError> {
    match source {
        Source::Path(path) => {
            let file = std::fs::File::open(&path)?;
            Table::from_reader(BufReader::new(Counting { inner: file, bytes }), Kind::of_name(&path), sheet)
        }
        Source::Stream { reader, kind: Kind::Csv } => Table::from_csv(Counting { inner: reader, bytes }),
        Source::Stream { mut reader, kind: Kind::Xlsx } => {
            let mut spooled = tempfile::tempfile()?;
            std::io::copy(&mut Counting { inner: &mut reader, bytes }, &mut spooled)?;
            spooled.seek(SeekFrom::Start(0))?;
            Table::from_reader(BufReader::new(spooled), Kind::Xlsx, sheet)
        }
    }
}

/// Reads a table's rows into chunks; `false` when the importer stopped listening.
fn read_table(
    file: usize,
    mut table: Table,
    bytes: &AtomicU64,
    tx: &mpsc::Sender<Message>,
) -> Result<bool, TableError> {
    let columns = match ReadingColumns::map(table.header()) {
        Ok(columns) => Arc::new(columns),
        Err(problems) => return Ok(tx.blocking_send(Message::HeaderProblems { file, problems }).is_ok()),
    };
    if tx.blocking_send(Message::Header { columns: columns.clone() }).is_err() {
        return Ok(false);
    }
    let mut rows = Vec::with_capacity(CHUNK_ROWS);
    let mut rows_read = 0u64;
    let send = |rows: Vec<ChunkRow>, rows_read: u64| {
        let chunk = Chunk { file, rows, rows_read, bytes_read: bytes.load(Ordering::Relaxed) };
        tx.blocking_send(Message::Rows(chunk)).is_ok()
    };
    for row in table.rows() {
        let row = match row {
            Ok(row) => {
                let read = columns.read(&row);
                ChunkRow { position: row.position.clone(), read: Ok((row, read)) }
            }
            Err(TableError::TooManyCells { position, found, columns: width }) => ChunkRow {
                position: position.clone(),
                read: Err(RowProblem {
                    file: None,
                    place: Place { position, column: None },
                    code: "too_many_cells",
                    zh: format!("该行有 {found} 个单元格，而表头只有 {width} 列"),
                    en: format!("the row has {found} cells, but the header has {width} columns"),
                }),
            },
            Err(e) => {
                if !rows.is_empty() && !send(std::mem::take(&mut rows), rows_read) {
                    return Ok(false);
                }
                return Err(e);
            }
        };
        rows.push(row);
        rows_read += 1;
        if rows.len() >= CHUNK_ROWS && !send(std::mem::replace(&mut rows, Vec::with_capacity(CHUNK_ROWS)), rows_read) {
            return Ok(false);
        }
    }
    Ok(rows.is_empty() || send(rows, rows_read))
}

/// Counts the bytes read through it, for progress.
struct Counting<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}
