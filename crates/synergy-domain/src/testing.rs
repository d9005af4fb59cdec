//! Given / when / then for any [`BoundedContext`]: given these events, when this command
//! (by this principal, at this time), then these events — or this refusal.

pub mod literal;

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

    /// Runs a decision that consults more than the [`DecisionContext`] (evaluation's,
    /// which is given its read model too): `decide` gets the history, the command and the
    /// context.
    pub fn when_deciding<T: std::fmt::Debug>(
        &self,
        command: T,
        decide: impl FnOnce(&[Event], T, &DecisionContext) -> Result<Vec<Event>, DomainError>,
    ) -> Outcome {
        Outcome {
            command: format!("{command:?}"),
            result: decide(&self.history, command, &self.ctx),
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

    /// Asserts a refusal by `rule` of `kind`, and returns the error for further checks,
    /// owned so that the scenario may be a temporary.
    #[track_caller]
    pub fn refused_as(&self, rule: &str, kind: ErrorKind) -> DomainError {
        let e = self.refused(rule);
        assert_eq!(e.kind, kind, "kind of {e}");
        e.clone()
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

/// A value of each declared field, of the field's kind: the shape's example, the first
/// choice, one record of examples.
pub fn example_values(fields: &[crate::contract::Field]) -> crate::contract::Values {
    use crate::contract::Kind;
    use serde_json::Value;
    fn example(kind: Kind) -> Value {
        match kind {
            Kind::Text(shape) => Value::from(shape.example()),
            Kind::Free => Value::from("例"),
            Kind::Whole { min, max } => Value::from(min.max(2008).min(max)),
            Kind::Choice(choices) => Value::from(choices[0].value),
            Kind::Flag => Value::from(true),
            Kind::List(shape) => Value::from(vec![shape.map_or("例", |s| s.example())]),
            Kind::Records(record) => Value::from(vec![Value::Object(
                record
                    .fields
                    .iter()
                    .map(|f| (f.name.to_owned(), example(f.kind)))
                    .collect(),
            )]),
        }
    }
    fields
        .iter()
        .map(|f| (f.name.to_owned(), example(f.kind)))
        .collect()
}

/// Holds a context's declarations to their contract: verbs, CLI words and HTTP routes are
/// unique; every field name appears once and has a doc; each declaration binds example
/// values of its fields' kinds — every value of each choice — into a command it recognises
/// as its own (so [`crate::contract::Declarations::of`] finds the right verb); and a text
/// value that does not parse is named.
pub fn assert_declarations<C: std::fmt::Debug>(declarations: &crate::contract::Declarations<C>) {
    use crate::contract::{Args, Kind, check};
    let specs: Vec<_> = declarations.specs().collect();
    for (i, a) in specs.iter().enumerate() {
        for b in &specs[i + 1..] {
            assert_ne!(a.verb, b.verb, "two declarations of {}", a.verb);
            assert_ne!(a.cli, b.cli, "{} and {} share CLI words", a.verb, b.verb);
            assert_ne!(a.path, b.path, "{} and {} share a route", a.verb, b.verb);
        }
    }
    for declared in declarations.0 {
        let spec = &declared.spec;
        assert!(!spec.summary().is_empty(), "{spec} has no summary");
        for (i, view) in spec.views.iter().enumerate() {
            assert!(
                !spec.views[i + 1..].contains(view),
                "{spec} names {view:?} twice"
            );
        }
        if let Some(answer) = spec.answer {
            assert_members(spec, answer.members);
            // Nothing recorded (an unchanged command) still answers every member.
            let built = (answer.build)(&[]);
            let mut names: Vec<&str> = built.keys().map(String::as_str).collect();
            let mut declared: Vec<&str> = answer.members.iter().map(|m| m.name).collect();
            names.sort_unstable();
            declared.sort_unstable();
            assert_eq!(
                names, declared,
                "{spec} answers other members than it declares"
            );
        }
        for (i, field) in spec.fields.iter().enumerate() {
            assert!(
                spec.fields[i + 1..].iter().all(|f| f.name != field.name),
                "{spec} declares {} twice",
                field.name
            );
            assert!(!field.doc.is_empty(), "{spec}: {} has no doc", field.name);
            assert!(
                field.file_bytes.is_none() || matches!(field.kind, Kind::Free),
                "{spec}: only free text is read from a file, not {}",
                field.name
            );
            if field.file_bytes.is_some() {
                let file_flag = format!("{}-file", field.cli_flag());
                assert!(
                    spec.fields.iter().all(|f| f.cli_flag() != file_flag),
                    "{spec}: --{file_flag} is taken"
                );
            }
        }
        let mut values = example_values(spec.fields);
        check(spec, &values).unwrap_or_else(|e| panic!("{spec}: {e}"));
        let command = (declared.bind)(&Args::new(spec.fields, &values))
            .unwrap_or_else(|e| panic!("{spec} does not bind its own examples: {e}"));
        assert!(
            (declared.is)(&command),
            "{spec} does not recognise {command:?}"
        );
        assert_eq!(declarations.of(&command).verb, spec.verb);
        for field in spec.fields {
            if let Kind::Choice(choices) = field.kind {
                let mut each = values.clone();
                for choice in choices {
                    each.insert(field.name.to_owned(), choice.value.into());
                    (declared.bind)(&Args::new(spec.fields, &each)).unwrap_or_else(|e| {
                        panic!(
                            "{spec}: {} = {} does not bind: {e}",
                            field.name, choice.value
                        )
                    });
                }
            }
        }
        if let Some(field) = spec.fields.iter().find(|f| matches!(f.kind, Kind::Text(_))) {
            values.insert(field.name.to_owned(), serde_json::Value::from("\u{0}"));
            let e = (declared.bind)(&Args::new(spec.fields, &values))
                .expect_err("a value of the wrong shape binds");
            assert_eq!(e.field, field.name, "{spec}");
        }
    }
}

/// Answer members: each named once, with a doc, and none named like an outcome's own.
fn assert_members(spec: &crate::contract::CommandSpec, members: &[crate::contract::Member]) {
    const OUTCOME: [&str; 5] = ["stream", "position", "events", "version", "duplicate"];
    for (i, member) in members.iter().enumerate() {
        assert!(!member.doc.is_empty(), "{spec}: {} has no doc", member.name);
        assert!(
            members[i + 1..].iter().all(|m| m.name != member.name),
            "{spec} answers {} twice",
            member.name
        );
        assert!(
            !OUTCOME.contains(&member.name),
            "{spec}: {} is the outcome's",
            member.name
        );
        if let crate::contract::Reply::List(inner) = member.reply {
            assert_members(spec, inner);
        }
    }
}
