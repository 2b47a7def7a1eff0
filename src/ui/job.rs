//! A job of the centre (a backup run, a restore): a [`Request`] whose worker
//! also reports its progress. The job function receives a [`Progress`] that
//! feeds a bounded channel and wakes the window up; the shell drains the channel
//! every frame and keeps the current phase and count for the progress bar. A
//! [`Cancel`] flag is handed to the job, raised by "Annuler".

use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};

use eframe::egui;

use super::request::Request;
use crate::jobs::{Cancel, Phase, Progress};

/// How many progress events may wait for the window. A job reports far more
/// often than the window draws: when the channel is full, counts are dropped
/// (the next one says more), never a phase.
const PROGRESS_CAPACITY: usize = 64;

/// Where a job stands, as the progress bar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobProgress {
    /// The phase (`messages::phase_label` says it).
    pub phase: Phase,
    /// Units done in the phase.
    pub done: u64,
    /// Units in the phase; 0 when unknown.
    pub total: u64,
}

impl JobProgress {
    /// The part done, between 0 and 1, when the total is known.
    pub fn fraction(&self) -> Option<f32> {
        (self.total > 0).then(|| (self.done.min(self.total) as f64 / self.total as f64) as f32)
    }
}

/// What a job reports.
#[derive(Debug)]
enum ProgressEvent {
    Phase(Phase, u64),
    Advance(u64),
}

/// The [`Progress`] a job receives: events go into the bounded channel and
/// each one asks the window to draw again.
struct ChannelProgress {
    tx: SyncSender<ProgressEvent>,
    waker: egui::Context,
    /// A phase that did not fit in the channel, sent before anything else.
    held_phase: Mutex<Option<(Phase, u64)>>,
}

impl ChannelProgress {
    /// Sends the held phase if there is one; `false` when it still does not fit.
    fn flush_held(&self) -> bool {
        let Ok(mut held) = self.held_phase.lock() else {
            return true;
        };
        if let Some((phase, total)) = held.take() {
            // Sent, or nobody listens any more: either way it is not held.
            if let Err(TrySendError::Full(ProgressEvent::Phase(phase, total))) =
                self.tx.try_send(ProgressEvent::Phase(phase, total))
            {
                *held = Some((phase, total));
                return false;
            }
        }
        true
    }
}

impl Progress for ChannelProgress {
    fn phase(&self, phase: Phase, total: u64) {
        // A newer phase replaces one still held.
        if let Ok(mut held) = self.held_phase.lock() {
            *held = Some((phase, total));
        }
        self.flush_held();
        self.waker.request_repaint();
    }

    fn advance(&self, done: u64) {
        if self.flush_held() {
            // A full channel drops this count: a later one says more.
            let _ = self.tx.try_send(ProgressEvent::Advance(done));
        }
        self.waker.request_repaint();
    }
}

/// A job run on a named worker thread, with its progress and cancel flag.
#[derive(Debug)]
pub struct Job<T> {
    request: Request<T>,
    events: Option<Receiver<ProgressEvent>>,
    cancel: Cancel,
    progress: Option<JobProgress>,
}

impl<T> Default for Job<T> {
    fn default() -> Self {
        Self {
            request: Request::default(),
            events: None,
            cancel: Cancel::new(),
            progress: None,
        }
    }
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a thread named `thread_name`, with a fresh cancel flag
    /// and progress that reaches the window.
    pub fn start(
        &mut self,
        egui_ctx: &egui::Context,
        thread_name: &str,
        work: impl FnOnce(&dyn Progress, &Cancel) -> T + Send + 'static,
    ) {
        let (tx, rx) = mpsc::sync_channel(PROGRESS_CAPACITY);
        let progress = ChannelProgress {
            tx,
            waker: egui_ctx.clone(),
            held_phase: Mutex::new(None),
        };
        let cancel = Cancel::new();
        let job_cancel = cancel.clone();
        self.request
            .start(egui_ctx, thread_name, move || work(&progress, &job_cancel));
        self.cancel = cancel;
        self.events = Some(rx);
        self.progress = None;
    }

    /// Reads the progress reported since the last frame and takes the result if
    /// the job is done. Returns `true` when a result arrived this time.
    pub fn poll(&mut self) -> bool {
        if let Some(rx) = &self.events {
            for event in rx.try_iter() {
                match event {
                    ProgressEvent::Phase(phase, total) => {
                        self.progress = Some(JobProgress {
                            phase,
                            done: 0,
                            total,
                        });
                    }
                    // A count before any phase has nothing to be shown against.
                    ProgressEvent::Advance(done) => {
                        if let Some(progress) = &mut self.progress {
                            progress.done = done;
                        }
                    }
                }
            }
        }
        let arrived = self.request.poll();
        if !self.request.is_pending() {
            self.events = None;
        }
        arrived
    }
}

impl<T> Job<T> {
    /// Whether the job runs.
    pub fn is_running(&self) -> bool {
        self.request.is_pending()
    }

    /// Asks the job to stop at its next check.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Whether "Annuler" was asked for the job that runs.
    pub fn is_cancelling(&self) -> bool {
        self.is_running() && self.cancel.is_cancelled()
    }

    /// The last progress reported by the job that runs.
    pub fn progress(&self) -> Option<&JobProgress> {
        self.progress.as_ref().filter(|_| self.is_running())
    }

    /// Takes the result out.
    pub fn take(&mut self) -> Option<T> {
        self.request.take()
    }

    /// Forgets a failure once it was reported.
    pub fn clear(&mut self) {
        self.request.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_and_result_reach_the_window() {
        let ctx = egui::Context::default();
        let mut job: Job<u32> = Job::default();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        job.start(&ctx, "test-job", move |progress, cancel| {
            progress.phase(Phase::CopyStore, 10);
            progress.advance(4);
            let _ = go_rx.recv();
            if cancel.is_cancelled() { 0 } else { 7 }
        });
        for _ in 0..500 {
            job.poll();
            if job.progress().is_some_and(|p| p.done == 4) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let progress = job.progress().expect("progress").clone();
        assert_eq!(progress.phase, Phase::CopyStore);
        assert_eq!(progress.fraction(), Some(0.4));
        go_tx.send(()).expect("go");
        for _ in 0..500 {
            if job.poll() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(!job.is_running());
        assert_eq!(job.take(), Some(7));
        assert!(job.progress().is_none());
    }

    #[test]
    fn a_phase_is_never_lost_when_the_channel_is_full() {
        let ctx = egui::Context::default();
        let (tx, rx) = mpsc::sync_channel(2);
        let progress = ChannelProgress {
            tx,
            waker: ctx,
            held_phase: Mutex::new(None),
        };
        progress.advance(1);
        progress.advance(2);
        progress.phase(Phase::CheckCopy, 5);
        progress.advance(3);
        let first: Vec<ProgressEvent> = rx.try_iter().collect();
        assert_eq!(first.len(), 2);
        progress.advance(4);
        let rest: Vec<ProgressEvent> = rx.try_iter().collect();
        assert!(matches!(
            rest.first(),
            Some(ProgressEvent::Phase(Phase::CheckCopy, 5))
        ));
    }
}
