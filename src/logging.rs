//! Logs: `tracing` events written to daily files in the logs folder of the
//! configuration, readable from the centre's "Journal" screen. Never a password,
//! token or key in a log line: callers log facts, not secrets.

use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Prefix of every log file name (`iea-maintenance.2026-11-22.log`).
pub const FILE_PREFIX: &str = "iea-maintenance";

/// How many daily files are kept.
pub const KEPT_FILES: usize = 31;

/// Starts logging into daily files under `logs_dir`, each line tagged with
/// `process` ("service", "centre", "cli"). Keep the guard alive until exit: it
/// flushes the last lines. Returns `None` when the folder cannot be used; the
/// program then goes on without a log file rather than refusing to start.
pub fn init(logs_dir: &Path, process: &'static str) -> Option<WorkerGuard> {
    std::fs::create_dir_all(logs_dir).ok()?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .filename_suffix("log")
        .max_log_files(KEPT_FILES)
        .build(logs_dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("IEA_LOG").unwrap_or_else(|_| {
        EnvFilter::new(
            "info,wgpu=warn,wgpu_core=warn,wgpu_hal=error,naga=warn,eframe=warn,egui_wgpu=warn,\
             winit=error,sctk=error,calloop=warn,zbus=warn,accesskit=warn,tracing=warn",
        )
    });
    let subscriber = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_target(false)
        .with_timer(LocalTime)
        .with_env_filter(filter)
        .finish();
    tracing::subscriber::set_global_default(subscriber).ok()?;
    tracing::info!(
        process,
        version = crate::updates::program_version(),
        "démarrage"
    );
    Some(guard)
}

/// The log files of `logs_dir`, oldest first.
pub fn log_files(logs_dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(logs_dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(FILE_PREFIX))
        })
        .collect();
    // Names carry the date as AAAA-MM-JJ, so name order is time order.
    files.sort();
    Ok(files)
}

/// Log times in the workstation's local time, as the people reading them think.
struct LocalTime;

impl tracing_subscriber::fmt::time::FormatTime for LocalTime {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        write!(
            w,
            "{}",
            chrono::Local::now().format("%Y-%m-%d %H:%M:%S%.3f")
        )
    }
}

/// The last `max` lines of the logs, oldest first, read from the newest files
/// back. A missing folder gives no line.
pub fn recent_lines(logs_dir: &Path, max: usize) -> io::Result<Vec<String>> {
    crate::fsutil::debug_assert_not_ui_thread("logging::recent_lines");
    let files = match log_files(logs_dir) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut chunks: Vec<Vec<String>> = Vec::new();
    let mut count = 0;
    for file in files.iter().rev() {
        if count >= max {
            break;
        }
        let reader = io::BufReader::new(std::fs::File::open(file)?);
        let lines: Vec<String> = reader
            .split(b'\n')
            .filter_map(Result::ok)
            .map(|l| String::from_utf8_lossy(&l).trim_end().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        let take = lines.len().min(max - count);
        count += take;
        chunks.push(lines[lines.len() - take..].to_vec());
    }
    Ok(chunks.into_iter().rev().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_lines_span_files_in_time_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("iea-maintenance.2026-11-20.log"),
            "a1\na2\na3\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("iea-maintenance.2026-11-21.log"),
            "b1\nb2\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("autre.txt"), "x\n").expect("write");
        assert_eq!(
            recent_lines(dir.path(), 3).expect("read"),
            vec!["a3", "b1", "b2"]
        );
        assert_eq!(recent_lines(dir.path(), 100).expect("read").len(), 5);
        assert!(
            recent_lines(&dir.path().join("absent"), 10)
                .expect("none")
                .is_empty()
        );
    }
}
