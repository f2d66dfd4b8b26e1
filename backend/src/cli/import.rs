//! `riverchief import readings FILE…`: the files through [`crate::import`] as one transaction, a progress
//! bar on a terminal, the summary in Chinese and English, and with `--skip-invalid` each file's rejected
//! rows written beside it as `FILE.rejects.csv`.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};

use models::audit::Actor;

use crate::Settings;
use crate::cli::args::ImportCommand;
use crate::import::{Input, Mode, Observer, Options, Progress, Rejected, Source};
use crate::startup::open_database;
use crate::tabular::ZIP_MAGIC;
use crate::tabular::readings::REJECT_COLUMNS;

pub async fn run(settings: &Settings, action: ImportCommand) -> anyhow::Result<()> {
    let ImportCommand::Readings { files, sheet, skip_invalid, source_label } = action;
    let mut sizes = Vec::with_capacity(files.len());
    for path in &files {
        let meta = std::fs::metadata(path).with_context(|| format!("{}: cannot open", path.display()))?;
        sizes.push((meta.len(), is_workbook(path)?));
    }
    let max = models::domain::reading::MAX_LABEL;
    if source_label.as_deref().is_some_and(|l| l.trim().chars().count() > max) {
        bail!("--source-label is longer than {max} characters\n--source-label 超过 {max} 个字符");
    }
    let mode = if skip_invalid { Mode::SkipInvalid } else { Mode::AllOrNothing };
    if mode == Mode::SkipInvalid {
        // A rejects file left by an earlier run would be taken for this one's.
        for path in &files {
            let old = rejects_path(path);
            if old.exists() {
                std::fs::remove_file(&old).with_context(|| format!("removing the old {}", old.display()))?;
            }
        }
    }
    let db = open_database(settings).await?;
    let inputs =
        files.iter().map(|p| Input { name: p.display().to_string(), source: Source::Path(p.clone()) }).collect();
    let options = Options {
        mode,
        sheet,
        actor: Actor::cli("import readings"),
        only_section: None,
        live_window: settings.live_window(),
        origin: source_label,
        now: Utc::now(),
    };
    let mut watcher = Watcher::new(&files, sizes);
    let started = Instant::now();
    let result = crate::import::import(&db, inputs, options, &mut watcher).await;
    let written = watcher.finish();
    let summary = match result {
        Ok(summary) => summary,
        Err(e) => {
            // Nothing was stored: a rejects file would say otherwise.
            for path in files.iter().map(|p| rejects_path(p)).filter(|p| p.exists()) {
                let _ = std::fs::remove_file(path);
            }
            bail!("{e}\n{}", e.zh());
        }
    };
    for path in written.context("writing the rejected rows")? {
        println!("rejected rows written to {0}\n被拒收的行已写入 {0}", path.display());
    }
    for p in &summary.problems {
        eprintln!("{p}\n  {}", p.zh());
    }
    if summary.problems_not_listed > 0 {
        let n = summary.problems_not_listed;
        eprintln!("… and {n} more problem(s) not listed\n  另有 {n} 处问题未列出");
    }
    println!("{}", summary.zh());
    println!("{} ({:.1} s)", summary.en(), started.elapsed().as_secs_f64());
    if !summary.committed && summary.problem_count() > 0 {
        bail!("nothing was stored because of the problems above\n因上述问题，未保存任何数据");
    }
    Ok(())
}

/// `x.csv` → `x.csv.rejects.csv`.
fn rejects_path(input: &Path) -> PathBuf {
    let mut name = input.as_os_str().to_owned();
    name.push(".rejects.csv");
    PathBuf::from(name)
}

fn is_workbook(path: &Path) -> anyhow::Result<bool> {
    let mut magic = Vec::with_capacity(4);
    File::open(path)
        .and_then(|f| f.take(4).read_to_end(&mut magic))
        .with_context(|| format!("{}: cannot read", path.display()))?;
    Ok(magic.starts_with(ZIP_MAGIC))
}

/// The command line's view of an import: a progress bar per file on a terminal, and the rejects files.
struct Watcher {
    files: Vec<PathBuf>,
    /// Each file's size, and whether it is a workbook (read out of order, so counted in rows).
    sizes: Vec<(u64, bool)>,
    terminal: bool,
    bar: Option<(usize, ProgressBar)>,
    rejects: Vec<Option<Rejects>>,
}

struct Rejects {
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
}

impl Watcher {
    fn new(files: &[PathBuf], sizes: Vec<(u64, bool)>) -> Watcher {
        Watcher {
            files: files.to_vec(),
            sizes,
            terminal: std::io::stderr().is_terminal(),
            bar: None,
            rejects: files.iter().map(|_| None).collect(),
        }
    }

    fn bar_for(&mut self, file: usize) -> &ProgressBar {
        if self.bar.as_ref().is_none_or(|(f, _)| *f != file) {
            if let Some((_, old)) = self.bar.take() {
                old.finish();
            }
            let (size, workbook) = self.sizes[file];
            let bar = if !self.terminal {
                ProgressBar::hidden()
            } else if workbook {
                ProgressBar::new_spinner().with_style(style("{spinner} {msg} {human_pos} rows {per_sec}"))
            } else {
                ProgressBar::new(size).with_style(
                    style("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}").progress_chars("=> "),
                )
            };
            bar.set_message(self.files[file].display().to_string());
            self.bar = Some((file, bar));
        }
        &self.bar.as_ref().expect("just set").1
    }

    /// Finishes the bars and closes the rejects files; the ones written.
    fn finish(&mut self) -> std::io::Result<Vec<PathBuf>> {
        if let Some((_, bar)) = self.bar.take() {
            bar.finish_and_clear();
        }
        let mut written = Vec::new();
        for rejects in self.rejects.iter_mut().filter_map(Option::take) {
            let mut writer = rejects.writer.into_inner().map_err(|e| e.into_error())?;
            writer.flush()?;
            written.push(rejects.path);
        }
        Ok(written)
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl Observer for Watcher {
    fn progress(&mut self, progress: Progress) {
        let (size, workbook) = self.sizes[progress.file];
        let bar = self.bar_for(progress.file);
        // The first bytes are read twice (to tell CSV from XLSX by them).
        bar.set_position(if workbook { progress.rows } else { progress.bytes.min(size) });
    }

    /// One line per rejected row: where it is, its columns, codes and messages, then its cells under the
    /// file's own header, so that the corrected file imports as it is.
    fn rejected(&mut self, r: Rejected<'_>) -> std::io::Result<()> {
        if self.rejects[r.file].is_none() {
            let path = rejects_path(&self.files[r.file]);
            let mut out = BufWriter::new(File::create(&path)?);
            // A byte-order mark, so that Excel opens the file as UTF-8.
            out.write_all("\u{FEFF}".as_bytes())?;
            let mut writer = csv::Writer::from_writer(out);
            let header: Vec<&str> =
                REJECT_COLUMNS.iter().copied().chain(r.header.names.iter().map(String::as_str)).collect();
            writer.write_record(&header)?;
            self.rejects[r.file] = Some(Rejects { path, writer });
        }
        let Some(rejects) = self.rejects[r.file].as_mut() else { return Ok(()) };
        let columns: Vec<&str> =
            r.problems.iter().filter_map(|p| p.place.column.as_ref().map(|c| c.name.as_str())).collect();
        let mut record = vec![
            r.position.zh(),
            columns.join("、"),
            r.problems.iter().map(|p| p.code).collect::<Vec<_>>().join(";"),
            r.problems.iter().map(|p| format!("{}：{}", p.place.zh(), p.zh)).collect::<Vec<_>>().join("；"),
            r.problems.iter().map(|p| format!("{}: {}", p.place, p.en)).collect::<Vec<_>>().join("; "),
        ];
        let width = r.header.names.len();
        record.extend((0..width).map(|i| r.row.map_or("", |row| row.text(i)).to_string()));
        rejects.writer.write_record(&record)?;
        Ok(())
    }
}
