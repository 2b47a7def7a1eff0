//! Background work of the centre, one way for all. A [`Task`] runs a function on
//! a named worker thread and keeps, next to the control that started it, what
//! became of it: not requested yet, pending, done or failed — the previous
//! result staying readable while a new one is computed (rerun's
//! `RequestedObject`). Work that takes long (a backup run, a restore, a closing)
//! also receives a [`Progress`] feeding a bounded channel, and a [`Cancel`] flag
//! raised by "Annuler". The worker asks the window to draw again each time it
//! reports or ends, so the window never polls on a timer, and never waits.

use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};

use eframe::egui;

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

/// What became of a task, as the control that started it shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Never started.
    NotRequested,
    /// Running; the previous result, if any, is still readable.
    Pending,
    /// Ended with a result.
    Done,
    /// Ended without a result: the worker could not start or stopped short.
    Failed,
}

/// Why a task gave no result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// The system refused a new thread.
    NotStarted,
    /// The worker stopped short (a bug: it panicked).
    Panicked,
}

impl Stopped {
    /// The reason in a few French words, for "… s'est arrêtée (raison)".
    pub fn reason(self) -> &'static str {
        match self {
            Self::NotStarted => "la tâche n'a pas pu démarrer",
            Self::Panicked => "arrêt inattendu",
        }
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

/// Wakes the window when the worker ends, however it ends: a worker that
/// panics wakes it too, so that the failure is seen at once.
struct WakeOnExit(egui::Context);

impl Drop for WakeOnExit {
    fn drop(&mut self) {
        self.0.request_repaint();
    }
}

/// A worker under way: its answer, its progress and its cancel flag.
#[derive(Debug)]
struct Running<T> {
    result: Receiver<T>,
    events: Receiver<ProgressEvent>,
    cancel: Cancel,
}

/// One kind of background work, started by one control, and what became of it.
#[derive(Debug)]
pub struct Task<T> {
    running: Option<Running<T>>,
    latest: Option<T>,
    stopped: Option<Stopped>,
    progress: Option<JobProgress>,
}

impl<T> Default for Task<T> {
    fn default() -> Self {
        Self {
            running: None,
            latest: None,
            stopped: None,
            progress: None,
        }
    }
}

impl<T: Send + 'static> Task<T> {
    /// Starts `work` on a thread named `thread_name`. A worker still running
    /// from an earlier start is asked to stop and its answer is dropped: only
    /// the newest start counts.
    pub fn start(
        &mut self,
        egui_ctx: &egui::Context,
        thread_name: &str,
        work: impl FnOnce() -> T + Send + 'static,
    ) {
        self.start_job(egui_ctx, thread_name, move |_, _| work());
    }

    /// As [`start`](Self::start), for a job: `work` reports its progress, which
    /// reaches the window, and checks the cancel flag that
    /// [`cancel`](Self::cancel) raises.
    pub fn start_job(
        &mut self,
        egui_ctx: &egui::Context,
        thread_name: &str,
        work: impl FnOnce(&dyn Progress, &Cancel) -> T + Send + 'static,
    ) {
        if let Some(previous) = self.running.take() {
            previous.cancel.cancel();
        }
        let (tx, result) = mpsc::sync_channel(1);
        let (events_tx, events) = mpsc::sync_channel(PROGRESS_CAPACITY);
        let progress = ChannelProgress {
            tx: events_tx,
            waker: egui_ctx.clone(),
            held_phase: Mutex::new(None),
        };
        let cancel = Cancel::new();
        let job_cancel = cancel.clone();
        let wake = WakeOnExit(egui_ctx.clone());
        let spawned = std::thread::Builder::new()
            .name(thread_name.to_owned())
            .spawn(move || {
                let _wake = wake;
                let value = work(&progress, &job_cancel);
                // The window may be gone, or a newer start replaced this one:
                // then nobody waits for the answer, and it is dropped here.
                let _ = tx.send(value);
            });
        self.progress = None;
        match spawned {
            Ok(_) => {
                self.running = Some(Running {
                    result,
                    events,
                    cancel,
                });
                self.stopped = None;
            }
            Err(e) => {
                tracing::error!(error = %e, thread = thread_name, "tâche de fond non démarrée");
                self.stopped = Some(Stopped::NotStarted);
            }
        }
    }

    /// Reads the progress reported since the last frame and takes the answer
    /// if the worker is done. Returns `true` when an answer arrived this time.
    pub fn poll(&mut self) -> bool {
        let Some(running) = &self.running else {
            return false;
        };
        for event in running.events.try_iter() {
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
        match running.result.try_recv() {
            Ok(value) => {
                self.latest = Some(value);
                self.running = None;
                true
            }
            Err(TryRecvError::Empty) => false,
            Err(TryRecvError::Disconnected) => {
                // The worker panicked: say so rather than wait forever.
                tracing::error!("tâche de fond arrêtée sans résultat");
                self.running = None;
                self.stopped = Some(Stopped::Panicked);
                false
            }
        }
    }
}

impl<T> Task<T> {
    /// What became of the task.
    pub fn state(&self) -> TaskState {
        if self.running.is_some() {
            TaskState::Pending
        } else if self.stopped.is_some() {
            TaskState::Failed
        } else if self.latest.is_some() {
            TaskState::Done
        } else {
            TaskState::NotRequested
        }
    }

    /// Whether a worker runs for this task.
    pub fn is_pending(&self) -> bool {
        self.running.is_some()
    }

    /// Whether the task was ever answered.
    pub fn has_result(&self) -> bool {
        self.latest.is_some()
    }

    /// The newest answer, kept while a new one is computed.
    pub fn latest(&self) -> Option<&T> {
        self.latest.as_ref()
    }

    /// Why the last start gave no answer.
    pub fn failure(&self) -> Option<Stopped> {
        self.stopped
    }

    /// Takes the newest answer out, leaving the task without one.
    pub fn take(&mut self) -> Option<T> {
        self.latest.take()
    }

    /// Forgets the answer and the failure (for example when they are about
    /// another store).
    pub fn clear(&mut self) {
        self.latest = None;
        self.stopped = None;
    }

    /// Asks the running job to stop at its next check.
    pub fn cancel(&self) {
        if let Some(running) = &self.running {
            running.cancel.cancel();
        }
    }

    /// Whether "Annuler" was asked for the job that runs.
    pub fn is_cancelling(&self) -> bool {
        self.running
            .as_ref()
            .is_some_and(|r| r.cancel.is_cancelled())
    }

    /// The last progress reported by the job that runs.
    pub fn progress(&self) -> Option<&JobProgress> {
        self.progress.as_ref().filter(|_| self.is_pending())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait<T: Send + 'static>(task: &mut Task<T>) {
        for _ in 0..500 {
            if task.poll() || !task.is_pending() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        panic!("no answer");
    }

    #[test]
    fn the_answer_arrives_and_the_previous_one_is_kept_meanwhile() {
        let ctx = egui::Context::default();
        let mut task: Task<u32> = Task::default();
        assert_eq!(task.state(), TaskState::NotRequested);
        task.start(&ctx, "test-1", || 1);
        wait(&mut task);
        assert_eq!(task.state(), TaskState::Done);
        assert_eq!(task.latest(), Some(&1));
        let (go_tx, go_rx) = mpsc::channel::<()>();
        task.start(&ctx, "test-2", move || {
            let _ = go_rx.recv();
            2
        });
        assert_eq!(task.state(), TaskState::Pending);
        assert_eq!(
            task.latest(),
            Some(&1),
            "previous answer kept while refreshing"
        );
        go_tx.send(()).expect("go");
        wait(&mut task);
        assert_eq!(task.latest(), Some(&2));
    }

    #[test]
    fn a_panicking_worker_is_reported_not_waited_for() {
        let ctx = egui::Context::default();
        let mut task: Task<u32> = Task::default();
        task.start(&ctx, "test-panique", || panic!("boom"));
        wait(&mut task);
        assert!(!task.is_pending());
        assert_eq!(task.state(), TaskState::Failed);
        assert_eq!(task.failure(), Some(Stopped::Panicked));
    }

    #[test]
    fn a_newer_start_cancels_the_older_one_and_only_its_answer_counts() {
        let ctx = egui::Context::default();
        let mut task: Task<&str> = Task::default();
        let (seen_tx, seen_rx) = mpsc::channel::<bool>();
        task.start_job(&ctx, "test-ancien", move |_, cancel| {
            for _ in 0..500 {
                if cancel.is_cancelled() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            let _ = seen_tx.send(cancel.is_cancelled());
            "ancien"
        });
        task.start(&ctx, "test-nouveau", || "nouveau");
        assert!(seen_rx.recv().expect("old worker"), "the old one was told");
        wait(&mut task);
        assert_eq!(task.latest(), Some(&"nouveau"));
    }

    #[test]
    fn progress_cancel_and_result_reach_the_window() {
        let ctx = egui::Context::default();
        let mut task: Task<u32> = Task::default();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        task.start_job(&ctx, "test-job", move |progress, cancel| {
            progress.phase(Phase::CopyStore, 10);
            progress.advance(4);
            let _ = go_rx.recv();
            if cancel.is_cancelled() { 0 } else { 7 }
        });
        for _ in 0..500 {
            task.poll();
            if task.progress().is_some_and(|p| p.done == 4) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let progress = task.progress().expect("progress").clone();
        assert_eq!(progress.phase, Phase::CopyStore);
        assert_eq!(progress.fraction(), Some(0.4));
        assert!(!task.is_cancelling());
        task.cancel();
        assert!(task.is_cancelling());
        go_tx.send(()).expect("go");
        wait(&mut task);
        assert!(!task.is_pending());
        assert_eq!(task.take(), Some(0), "the job saw the cancel flag");
        assert!(task.progress().is_none());
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
