//! The shared state of a measurement: its phase (warm-up, measuring,
//! stopped), the op budget of `--ops` runs, and the counters the progress
//! line reads. Sessions read it before each request; only the controller
//! moves the phase forward.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use super::clock;

/// Where a measurement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Requests run but are not recorded.
    Warmup,
    /// Requests are recorded.
    Measure,
    /// No new request may start.
    Stop,
}

/// Shared between the controller, the sessions and the progress line.
#[derive(Debug)]
pub struct Control {
    phase: AtomicU8,
    budget: Option<u64>,
    issued: AtomicU64,
    completed: AtomicU64,
    errors: AtomicU64,
    warmup_completed: AtomicU64,
    started: Mutex<Option<Instant>>,
}

impl Control {
    /// A control in `phase`, with an op budget for the measured phase
    /// (`None`: unlimited, the run is timed).
    pub fn new(phase: Phase, budget: Option<u64>) -> Self {
        let c = Self {
            phase: AtomicU8::new(0),
            budget,
            issued: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            warmup_completed: AtomicU64::new(0),
            started: Mutex::new(None),
        };
        c.set_phase(phase);
        c
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Acquire) {
            0 => Phase::Warmup,
            1 => Phase::Measure,
            _ => Phase::Stop,
        }
    }

    /// Moves to `phase`; entering `Measure` stamps the measurement's start.
    pub fn set_phase(&self, phase: Phase) {
        if phase == Phase::Measure {
            let mut s = self.started.lock().unwrap_or_else(|p| p.into_inner());
            *s = Some(clock::now());
        }
        let v = match phase {
            Phase::Warmup => 0,
            Phase::Measure => 1,
            Phase::Stop => 2,
        };
        self.phase.store(v, Ordering::Release);
    }

    /// When the measured phase began.
    pub fn started(&self) -> Option<Instant> {
        *self.started.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks to start one more request in `phase`: false when the run is
    /// stopped or the measured phase's budget is spent.
    pub fn try_issue(&self, phase: Phase) -> bool {
        match phase {
            Phase::Stop => false,
            Phase::Warmup => true,
            Phase::Measure => match self.budget {
                None => true,
                Some(b) => self.issued.fetch_add(1, Ordering::AcqRel) < b,
            },
        }
    }

    /// Counts one answered request issued in `phase`.
    pub fn completed(&self, phase: Phase, ok: bool) {
        match phase {
            Phase::Warmup => {
                self.warmup_completed.fetch_add(1, Ordering::Relaxed);
            }
            _ => {
                self.completed.fetch_add(1, Ordering::Relaxed);
            }
        }
        if !ok {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Requests answered in the measured phase so far.
    pub fn measured(&self) -> u64 {
        self.completed.load(Ordering::Relaxed)
    }

    /// Requests answered during warm-up.
    pub fn warmed(&self) -> u64 {
        self.warmup_completed.load(Ordering::Relaxed)
    }

    /// Failed requests, warm-up included.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_admits_exactly_that_many_measured_requests() {
        let c = Control::new(Phase::Warmup, Some(3));
        assert!(c.try_issue(Phase::Warmup));
        assert!(
            c.try_issue(Phase::Warmup),
            "warm-up does not spend the budget"
        );
        c.set_phase(Phase::Measure);
        assert!(c.started().is_some());
        let admitted = (0..10).filter(|_| c.try_issue(Phase::Measure)).count();
        assert_eq!(admitted, 3);
        c.set_phase(Phase::Stop);
        assert_eq!(c.phase(), Phase::Stop);
        assert!(!c.try_issue(Phase::Stop));
    }

    #[test]
    fn counters_split_warmup_from_measurement() {
        let c = Control::new(Phase::Warmup, None);
        c.completed(Phase::Warmup, true);
        c.completed(Phase::Measure, false);
        c.completed(Phase::Measure, true);
        assert_eq!((c.warmed(), c.measured(), c.errors()), (1, 2, 1));
    }
}
