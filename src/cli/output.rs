//! What the commands write: their report on the standard output, as lines
//! ([`say!`]) or as one JSON document ([`json`]) made from `Serialize` types,
//! and notes on the standard error ([`note!`]).
//!
//! Rust ignores SIGPIPE, so a reader that stops early (`| head -c 10`) makes
//! the next write fail with `BrokenPipe`, and `println!` would panic there.
//! Every write here returns that error instead: the command stops at once and
//! [`super::report`] ends the program quietly, as ripgrep does.

use std::fmt;
use std::io::{self, Write as _};

use serde::Serialize;

/// Writes one line on the standard output.
pub(crate) fn write_line(args: fmt::Arguments<'_>) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_fmt(args)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// `say!("…", …)?`: one line on the standard output, as `println!` would
/// write it, but a closed output is an error to return, not a panic.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::output::write_line(format_args!($($arg)*))
    };
}
pub(crate) use say;

/// Writes `value` as JSON on one line of the standard output.
pub(crate) fn json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string(value)?;
    write_line(format_args!("{text}"))?;
    Ok(())
}

/// Writes a note on the standard error. A note that cannot be written is
/// dropped: it is no reason to stop the command.
pub(crate) fn write_note(args: fmt::Arguments<'_>, newline: bool) {
    let mut err = io::stderr().lock();
    let _ = err.write_fmt(args);
    if newline {
        let _ = err.write_all(b"\n");
    }
    let _ = err.flush();
}

/// `note!("…", …)`: one line on the standard error (recoveries, warnings, a
/// service already running).
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::cli::output::write_note(format_args!($($arg)*), true)
    };
}
pub(crate) use note;
