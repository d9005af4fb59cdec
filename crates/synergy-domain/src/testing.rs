//! Given / when / then for any [`BoundedContext`]: given these events, when this command
//! (by this principal, at this time), then these events — or this refusal.

use synergy_proto::Event;

use crate::{BoundedContext, DecisionContext, DomainError, ErrorKind};

/// A scenario under test. Build with [`given`], finish with [`Scenario::when`].
#[derive(Debug, Clone)]
pub struct Scenario {
    history: Vec<Event>,
    ctx: DecisionContext,
}

/// Starts a scenario with prior events and the decision context.
pub fn given(history: impl IntoIterator<Item = Event>, ctx: DecisionContext) -> Scenario {
    Scenario {
        history: history.into_iter().collect(),
        ctx,
    }
}

impl Scenario {
    /// Runs `command` against the history.
    pub fn when<C: BoundedContext>(&self, command: C::Command) -> Outcome {
        Outcome {
            command: format!("{command:?}"),
            result: C::execute(self.history.iter(), command, &self.ctx),
        }
    }
}

/// The result of a scenario, with assertions that print the command on failure.
#[derive(Debug)]
pub struct Outcome {
    command: String,
    pub result: Result<Vec<Event>, DomainError>,
}

impl Outcome {
    /// Asserts the exact events.
    #[track_caller]
    pub fn then(&self, expected: impl IntoIterator<Item = Event>) {
        let expected: Vec<Event> = expected.into_iter().collect();
        match &self.result {
            Ok(events) => assert_eq!(events, &expected, "events of {}", self.command),
            Err(e) => panic!("{} was refused ({e}); expected {expected:?}", self.command),
        }
    }

    /// Asserts the command was accepted and returns its events.
    #[track_caller]
    pub fn accepted(&self) -> &[Event] {
        match &self.result {
            Ok(events) => events,
            Err(e) => panic!("{} was refused: {e}", self.command),
        }
    }

    /// Asserts the command was accepted and changed nothing (an idempotent no-op).
    #[track_caller]
    pub fn then_nothing(&self) {
        self.then([]);
    }

    /// Asserts a refusal by `rule`, and returns the error for further checks.
    #[track_caller]
    pub fn refused(&self, rule: &str) -> &DomainError {
        match &self.result {
            Ok(events) => panic!(
                "{} was accepted with {events:?}; expected refusal by {rule}",
                self.command
            ),
            Err(e) => {
                assert_eq!(e.rule, rule, "wrong rule for {}: {e}", self.command);
                e
            }
        }
    }

    /// Asserts a refusal by `rule` of `kind` naming `field`.
    #[track_caller]
    pub fn refused_at(&self, rule: &str, kind: ErrorKind, field: &str) -> &DomainError {
        let e = self.refused(rule);
        assert_eq!(e.kind, kind, "kind of {e}");
        assert_eq!(e.field.as_deref(), Some(field), "field of {e}");
        e
    }
}
