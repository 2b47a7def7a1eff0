//! The progress bar of a job on the command line: an indicatif bar fed through
//! [`Progress`], each phase said by `messages::phase_label`. It draws on the
//! standard error only when that is a terminal, so scripts and logs get the
//! report alone, and it clears itself when dropped, before the report.

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::jobs::{Phase, Progress};
use crate::messages;

/// A progress bar for one job: `job(…, &Bar::new(), &Cancel::new())`.
pub(crate) struct Bar(ProgressBar);

impl Bar {
    /// A bar on the terminal, hidden when the standard error is not one.
    pub(crate) fn new() -> Self {
        let bar = ProgressBar::new(0);
        if std::io::stderr().is_terminal() {
            bar.set_style(
                ProgressStyle::with_template("{msg:28} [{bar:40}] {percent:>3} %")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
        } else {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        Self(bar)
    }
}

impl Progress for Bar {
    fn phase(&self, phase: Phase, total: u64) {
        self.0.set_length(total);
        self.0.set_position(0);
        self.0.set_message(messages::phase_label(phase));
    }

    fn advance(&self, done: u64) {
        self.0.set_position(done);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
