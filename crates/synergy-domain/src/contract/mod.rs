//! The command contract: each context declares every command it accepts once — its verb,
//! what it does, who may issue it, where it lives over HTTP and on the command line, and
//! its fields with their shapes and docs — next to a `bind` function that turns named
//! field values into the context's typed command. The front ends derive from these
//! declarations: the NATS verb, the HTTP route with its OpenAPI request schema and 4xx
//! answers, and the CLI subcommand with help on every flag (see `ARCHITECTURE.md`,
//! "The command contract").
//!
//! Field values arrive as a JSON object ([`Values`]) whatever the front end: the HTTP body
//! with the path parameters added, or the CLI's flags. [`check`] answers whether the object
//! has the declared names and JSON types (HTTP: 400 `malformed_json`); the bind then
//! parses each value to its proto type through [`Args`], naming the field that does not
//! parse (HTTP: 422 `invalid`). Amounts and dates travel as text, so no amount passes
//! through a float. Pure: no tokio, NATS, sled or HTTP.

mod choices;
mod shape;
mod values;

use std::fmt;

use synergy_proto::{Context, Event, Side};

pub use choices::Choosable;
pub use shape::{ParseShaped, Shape};
pub use values::{Args, BindError, FieldError, MAX_EXACT_WHOLE, Values, check};

/// What a field holds, and how it travels in the JSON object of values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A JSON string of a [`Shape`].
    Text(Shape),
    /// Any JSON string (a title, a reason).
    Free,
    /// A JSON integer in `min ..= max` (JSON may spell it `7540.0`).
    Whole { min: i64, max: i64 },
    /// A JSON string, one of the listed values ([`Choosable::CHOICES`]).
    Choice(&'static [Choice]),
    /// `true` or `false`; absent is `false`. On the command line, a flag without a value.
    Flag,
    /// A JSON array of strings: of a shape, or (`None`) any text; on the command line,
    /// the flag repeated.
    List(Option<Shape>),
    /// A JSON array of objects with these fields; on the command line, the flag repeated
    /// with the fields' values joined by the record's separator (`SKU=CASES`).
    Records(&'static Record),
}

/// The fields of one element of a [`Kind::Records`] list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Two fields: the command line writes them `first<sep>second`.
    pub fields: &'static [Field; 2],
    pub sep: char,
    /// The command line's value name and an example: `SKU=CASES`, `hongyun-soft=1200.5`.
    pub form: &'static str,
    pub example: &'static str,
}

/// One value of a [`Kind::Choice`] with what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub value: &'static str,
    pub doc: &'static str,
}

/// One field of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The name in the JSON body and, kebab-cased, the CLI flag (`volume_cases` →
    /// `--volume-cases`). `partnership` is the path parameter `{id}` where the route has it.
    pub name: &'static str,
    pub doc: &'static str,
    pub kind: Kind,
    /// The object must carry it (a list: at least the key; on the command line, once).
    pub required: bool,
    /// The CLI flag when it is not the kebab-cased name (`sign` takes `--id`, a list of
    /// `skus` is `--sku` repeated).
    pub flag: Option<&'static str>,
    /// A [`Kind::Free`] text too long for a command-line flag (a Markdown report): the CLI
    /// also takes it from a file, `--<flag>-file PATH` (`-` for standard input), reading at
    /// most this many bytes of UTF-8.
    pub file_bytes: Option<usize>,
}

impl Field {
    pub const fn new(name: &'static str, kind: Kind, doc: &'static str) -> Field {
        Field {
            name,
            doc,
            kind,
            required: true,
            flag: None,
            file_bytes: None,
        }
    }

    /// The field may be left out.
    pub const fn optional(mut self) -> Field {
        self.required = false;
        self
    }

    /// The CLI calls the flag `--flag` instead.
    pub const fn flag(mut self, flag: &'static str) -> Field {
        self.flag = Some(flag);
        self
    }

    /// The CLI also reads the text from a file of at most `max_bytes` bytes
    /// ([`file_bytes`](Self::file_bytes)).
    pub const fn from_file(mut self, max_bytes: usize) -> Field {
        self.file_bytes = Some(max_bytes);
        self
    }

    /// The CLI flag: the kebab-cased [`flag`](Self::flag) or name, without `--`.
    pub fn cli_flag(&self) -> String {
        self.flag.unwrap_or(self.name).replace('_', "-")
    }

    /// The partnership the command acts on (`{id}` in the HTTP path).
    pub const fn partnership() -> Field {
        Field::new("partnership", Kind::Text(Shape::Id), "The partnership")
    }

    /// The parameter name in an HTTP path (`partnership` is `{id}`).
    pub fn path_name(&self) -> &'static str {
        if self.name == "partnership" {
            "id"
        } else {
            self.name
        }
    }
}

/// Who may issue a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Only this side of a signed partnership (the 5+1 division of labour).
    Only(Side),
    /// Either party of a signed partnership; the command line acts for the given side
    /// unless told `--as`.
    Either(Side),
    /// Signing the agreement: the caller must be one of the two organisations it names
    /// (the fields `manufacturer` and `distributor`); the command line acts for the
    /// manufacturer.
    Signatory,
    /// Answering a proposal: only the organisations the proposal names, which the context
    /// decides (nothing binds them yet); the command line needs `--as`.
    Proposal,
}

impl Who {
    /// The side the command line acts for without `--as`, where there is one.
    pub fn default_side(self) -> Option<Side> {
        match self {
            Who::Only(side) | Who::Either(side) => Some(side),
            Who::Signatory | Who::Proposal => None,
        }
    }
}

/// A read model of another context that a decision consults, which the runtime loads
/// before deciding. The partnership (strategy) is always loaded: every rule starts with
/// who may act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The partnership's registered SKUs (brand): [`crate::DecisionContext::catalogue`].
    Catalogue,
    /// Evaluation's read model of the partnership, folded at least up to the event log's
    /// head when the decision is taken. Its type belongs to the evaluation context, whose
    /// decision takes it beside the [`crate::DecisionContext`].
    Evaluation,
}

/// The views a declaration names unless it says otherwise: the catalogue, which the five
/// synergies' decisions consult.
pub const DEFAULT_VIEWS: &[View] = &[View::Catalogue];

/// What a command answers besides the outcome every command answers (`stream`,
/// `position`, `events`, `version`, `duplicate`): members built from the events it
/// recorded — none when it changed nothing, the first time's on a retry.
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    pub members: &'static [Member],
    /// The members' values: a JSON object with exactly the declared names.
    pub build: fn(&[Event]) -> Values,
}

impl PartialEq for Answer {
    fn eq(&self, other: &Self) -> bool {
        self.members == other.members && std::ptr::fn_addr_eq(self.build, other.build)
    }
}

impl Eq for Answer {}

/// One member of an [`Answer`] (or of an element of a [`Reply::List`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub name: &'static str,
    pub doc: &'static str,
    pub reply: Reply,
}

/// The JSON type of a [`Member`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Flag,
    Whole,
    Text,
    /// A string, or null.
    OptionalText,
    /// An array of objects with these members.
    List(&'static [Member]),
}

/// One command as every front end sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    pub context: Context,
    /// The NATS verb: `syn.cmd.<context>.<verb>`.
    pub verb: &'static str,
    /// The CLI words: `["plan", "target"]` is `synergy plan target`.
    pub cli: [&'static str; 2],
    /// What the command does: the first line is the summary (CLI help, OpenAPI summary),
    /// the rest the description.
    pub doc: &'static str,
    /// What the command does, as a gerund for refusals: "setting a plan target".
    pub action: &'static str,
    pub who: Who,
    /// The HTTP route (always POST), e.g. `/v1/partnerships/{id}/plans/{plan}/targets`.
    pub path: &'static str,
    /// What a 201 means, for the OpenAPI document.
    pub recorded: &'static str,
    /// What a 200 means where the command says it itself (else who may issue it says it).
    pub unchanged: Option<&'static str>,
    pub fields: &'static [Field],
    /// The views of other contexts its decision consults ([`DEFAULT_VIEWS`] unless told).
    pub views: &'static [View],
    /// What it answers beyond the outcome, if anything.
    pub answer: Option<&'static Answer>,
}

impl CommandSpec {
    /// A declaration with the usual 201 text ("Recorded").
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        context: Context,
        verb: &'static str,
        cli: [&'static str; 2],
        doc: &'static str,
        action: &'static str,
        who: Who,
        path: &'static str,
        fields: &'static [Field],
    ) -> CommandSpec {
        CommandSpec {
            context,
            verb,
            cli,
            doc,
            action,
            who,
            path,
            recorded: "Recorded",
            unchanged: None,
            fields,
            views: DEFAULT_VIEWS,
            answer: None,
        }
    }

    /// The first line of [`doc`](Self::doc).
    pub fn summary(&self) -> &'static str {
        self.doc.lines().next().unwrap_or_default()
    }

    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether its decision consults `view`.
    pub fn consults(&self, view: View) -> bool {
        self.views.contains(&view)
    }

    /// Whether the field is a parameter of the HTTP path rather than of the body.
    pub fn in_path(&self, field: &Field) -> bool {
        self.path.contains(&format!("{{{}}}", field.path_name()))
    }
}

impl fmt::Display for CommandSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.context.as_str(), self.verb)
    }
}

/// A command the context declares: its contract, how to recognise it and how to build it.
#[derive(Debug)]
pub struct Declared<C: 'static> {
    pub spec: CommandSpec,
    /// Whether a command is this one (`matches!(c, Command::DraftPlan { .. })`).
    pub is: fn(&C) -> bool,
    /// Builds the command from field values the [`check`] accepted.
    pub bind: fn(&Args<'_>) -> Result<C, FieldError>,
}

/// A context's declarations, looked up by command or by verb.
#[derive(Debug)]
pub struct Declarations<C: 'static>(pub &'static [Declared<C>]);

impl<C> Declarations<C> {
    pub fn specs(&self) -> impl Iterator<Item = &'static CommandSpec> + use<C> {
        self.0.iter().map(|d| &d.spec)
    }

    /// The declaration of `command`, if it is declared (imports are not: they are use
    /// cases of the application layer).
    pub fn find(&self, command: &C) -> Option<&'static CommandSpec> {
        self.0.iter().find(|d| (d.is)(command)).map(|d| &d.spec)
    }

    /// The declaration of a command its context declares; a miss is a programming error
    /// (the contexts' declaration tests bind every declaration).
    pub fn of(&self, command: &C) -> &'static CommandSpec {
        match self.find(command) {
            Some(spec) => spec,
            None => unreachable!("a command without a declaration"),
        }
    }

    pub fn by_verb(&self, verb: &str) -> Option<&'static Declared<C>> {
        self.0.iter().find(|d| d.spec.verb == verb)
    }

    /// Checks `values` against the declaration of `verb` and binds them.
    pub fn bind(&self, verb: &str, values: &Values) -> Result<C, BindError> {
        let declared = self
            .by_verb(verb)
            .ok_or_else(|| BindError::Malformed(format!("no command {verb:?}")))?;
        check(&declared.spec, values).map_err(BindError::Malformed)?;
        (declared.bind)(&Args::new(declared.spec.fields, values)).map_err(BindError::Field)
    }
}
