//! A request that takes time, run on a named worker thread: not requested yet,
//! pending, or done with its result — the previous result stays readable while a
//! new one is computed (rerun's `RequestedObject`). The worker wakes the window up
//! when it is done, so nothing polls.

use std::sync::mpsc::{self, Receiver, TryRecvError};

use eframe::egui;

/// The state of one kind of background request of a screen.
#[derive(Debug)]
pub struct Request<T> {
    pending: Option<Receiver<T>>,
    latest: Option<T>,
    /// Set when the worker could not start or stopped without an answer.
    failure: Option<String>,
}

impl<T> Default for Request<T> {
    fn default() -> Self {
        Self {
            pending: None,
            latest: None,
            failure: None,
        }
    }
}

impl<T: Send + 'static> Request<T> {
    /// Starts `work` on a thread named `thread_name`. A result still pending from
    /// an earlier start is dropped: only the newest request counts.
    pub fn start(
        &mut self,
        egui_ctx: &egui::Context,
        thread_name: &str,
        work: impl FnOnce() -> T + Send + 'static,
    ) {
        let (tx, rx) = mpsc::sync_channel(1);
        let waker = egui_ctx.clone();
        let spawned = std::thread::Builder::new()
            .name(thread_name.to_owned())
            .spawn(move || {
                let result = work();
                // The window may be gone; then nobody waits for the result.
                let _ = tx.send(result);
                waker.request_repaint();
            });
        match spawned {
            Ok(_) => {
                self.pending = Some(rx);
                self.failure = None;
            }
            Err(e) => {
                tracing::error!(error = %e, thread = thread_name, "tâche de fond non démarrée");
                self.pending = None;
                self.failure = Some(e.to_string());
            }
        }
    }

    /// Takes the result if the worker is done. Returns `true` when a new result
    /// arrived this time.
    pub fn poll(&mut self) -> bool {
        let Some(rx) = &self.pending else {
            return false;
        };
        match rx.try_recv() {
            Ok(value) => {
                self.latest = Some(value);
                self.pending = None;
                true
            }
            Err(TryRecvError::Empty) => false,
            Err(TryRecvError::Disconnected) => {
                // The worker panicked: say so rather than wait forever.
                tracing::error!("tâche de fond arrêtée sans résultat");
                self.pending = None;
                self.failure = Some("arrêt inattendu".to_owned());
                false
            }
        }
    }
}

impl<T> Request<T> {
    /// Whether a worker runs for this request.
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Whether the request was ever answered.
    pub fn has_result(&self) -> bool {
        self.latest.is_some()
    }

    /// The newest result, kept while a new one is computed.
    pub fn latest(&self) -> Option<&T> {
        self.latest.as_ref()
    }

    /// Why the last start gave no result (the worker could not start or stopped).
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// Takes the newest result out, leaving the request empty.
    pub fn into_latest(self) -> Option<T> {
        self.latest
    }

    /// Takes the newest result out, leaving the request without one.
    pub fn take(&mut self) -> Option<T> {
        self.latest.take()
    }

    /// Forgets the result (for example when it is about another store).
    pub fn clear(&mut self) {
        self.latest = None;
        self.failure = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait<T: Send + 'static>(r: &mut Request<T>) {
        for _ in 0..500 {
            if r.poll() || !r.is_pending() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        panic!("no result");
    }

    #[test]
    fn result_arrives_and_the_previous_one_is_kept_meanwhile() {
        let ctx = egui::Context::default();
        let mut r: Request<u32> = Request::default();
        assert!(!r.is_pending() && !r.has_result());
        r.start(&ctx, "test-1", || 1);
        wait(&mut r);
        assert_eq!(r.latest(), Some(&1));
        let (go_tx, go_rx) = mpsc::channel::<()>();
        r.start(&ctx, "test-2", move || {
            let _ = go_rx.recv();
            2
        });
        assert!(r.is_pending());
        assert_eq!(
            r.latest(),
            Some(&1),
            "previous result kept while refreshing"
        );
        go_tx.send(()).expect("go");
        wait(&mut r);
        assert_eq!(r.latest(), Some(&2));
    }

    #[test]
    fn a_panicking_worker_is_reported_not_waited_for() {
        let ctx = egui::Context::default();
        let mut r: Request<u32> = Request::default();
        r.start(&ctx, "test-panique", || panic!("boom"));
        wait(&mut r);
        assert!(!r.is_pending());
        assert!(r.failure().is_some());
    }
}
