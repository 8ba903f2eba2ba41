//! Who uses the device: one training run, or one background indexing pass, at a time. A run
//! that starts while a pass indexes takes the device over; the pass sees that, stops after
//! its batch in flight, and the run waits for that, woken when the pass lets go.

use std::cell::RefCell;
use std::rc::Rc;

use super::wait::Signal;

enum Work {
    Idle,
    /// Fired when the pass has let go.
    Indexing(Rc<Signal>),
    Training,
}

thread_local! {
    static WORK: RefCell<Work> = const { RefCell::new(Work::Idle) };
}

pub fn is_training() -> bool {
    WORK.with(|w| matches!(*w.borrow(), Work::Training))
}

/// The device, held for a training run until dropped.
pub struct TrainingClaim {
    indexer: Option<Rc<Signal>>,
}

impl TrainingClaim {
    /// Resolves once no indexing pass uses the device any more.
    pub async fn device_free(&self) {
        if let Some(done) = &self.indexer {
            done.wait().await;
        }
    }
}

impl Drop for TrainingClaim {
    fn drop(&mut self) {
        WORK.with(|w| *w.borrow_mut() = Work::Idle);
    }
}

/// Claims the device for a run; `None` while another run has it (a second click is ignored).
pub fn claim_for_training() -> Option<TrainingClaim> {
    WORK.with(|w| {
        let mut w = w.borrow_mut();
        let indexer = match &*w {
            Work::Training => return None,
            Work::Idle => None,
            Work::Indexing(done) => Some(done.clone()),
        };
        *w = Work::Training;
        Some(TrainingClaim { indexer })
    })
}

/// The device, held for an indexing pass until dropped (or taken over by a run).
pub struct IndexingClaim {
    done: Rc<Signal>,
}

impl Drop for IndexingClaim {
    fn drop(&mut self) {
        WORK.with(|w| {
            let mut w = w.borrow_mut();
            if matches!(*w, Work::Indexing(_)) {
                *w = Work::Idle;
            }
        });
        self.done.fire();
    }
}

/// Claims the idle device for an indexing pass; `None` when it is in use.
pub fn claim_for_indexing() -> Option<IndexingClaim> {
    WORK.with(|w| {
        let mut w = w.borrow_mut();
        if !matches!(*w, Work::Idle) {
            return None;
        }
        let done = Rc::new(Signal::new());
        *w = Work::Indexing(done.clone());
        Some(IndexingClaim { done })
    })
}
