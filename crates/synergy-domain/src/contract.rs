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

use std::fmt::{self, Display};
use std::str::FromStr;

use synergy_proto::{Context, Side};

/// The JSON object of a command's field values.
pub type Values = serde_json::Map<String, serde_json::Value>;

/// A text shape a field accepts: ids, dates, months, periods, decimal amounts, counts.
/// The HTTP front end states each as a pattern in the OpenAPI document, and [`Args`]
/// checks it, so the document says exactly what is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// An id token: 1–64 of `A-Z a-z 0-9 _ -`.
    Id,
    /// `YYYY-MM-DD`, years 1900–9999.
    Date,
    /// `YYYY-MM`.
    Month,
    /// A month, quarter (`2008-Q2`), half (`2008-H1`) or year (`2008`).
    Period,
    /// Cases: up to 15 whole digits and 3 decimals.
    Cases,
    /// Yuan: up to 16 whole digits and 2 decimals (fen).
    Yuan,
    /// A percentage: up to 3 whole digits and 2 decimals.
    Percent,
    /// A whole count of outlets: up to 9 digits.
    Count,
    /// A price class, 1 (一類) to 5 (五類).
    PriceClass,
    /// A hyphenated UUID.
    Uuid,
    /// Text with at least one character.
    NonEmpty,
}

const YEAR: &str = "(19[0-9]{2}|[2-9][0-9]{3})";
const MM: &str = "(0[1-9]|1[0-2])";
/// "Nothing follows": both this and `$` mean end of text in ECMA regexes, but
/// Python-dialect tools (schemathesis) let `$` match before a final newline and would
/// otherwise call `"2008\n"` valid.
const END: &str = r"(?![\s\S])";

impl Shape {
    /// The ECMA regex that states this shape.
    pub fn pattern(self) -> String {
        let body = match self {
            Shape::Id => "[A-Za-z0-9_-]{1,64}".to_owned(),
            Shape::Date => format!("{YEAR}-{MM}-(0[1-9]|[12][0-9]|3[01])"),
            Shape::Month => format!("{YEAR}-{MM}"),
            Shape::Period => format!("{YEAR}(-{MM}|-Q[1-4]|-H[12])?"),
            Shape::Cases => r"[0-9]{1,15}(\.[0-9]{1,3})?".to_owned(),
            Shape::Yuan => r"[0-9]{1,16}(\.[0-9]{1,2})?".to_owned(),
            Shape::Percent => r"[0-9]{1,3}(\.[0-9]{1,2})?".to_owned(),
            Shape::Count => "[0-9]{1,9}".to_owned(),
            Shape::PriceClass => "[1-5]".to_owned(),
            Shape::Uuid => "[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}".to_owned(),
            Shape::NonEmpty => return r"^[\s\S]".to_owned(),
        };
        format!("^{body}{END}")
    }

    /// An example value.
    pub fn example(self) -> &'static str {
        match self {
            Shape::Id => "hy-soft",
            Shape::Date => "2008-06-30",
            Shape::Month => "2008-06",
            Shape::Period => "2008-H1",
            Shape::Cases => "1200.5",
            Shape::Yuan => "190.00",
            Shape::Percent => "22.50",
            Shape::Count => "2900",
            Shape::PriceClass => "2",
            Shape::Uuid => "0190a5f2-3c4d-7e8f-9a0b-1c2d3e4f5a6b",
            Shape::NonEmpty => "紅雲(軟)",
        }
    }

    /// What a value of this shape is, in a sentence.
    pub fn description(self) -> &'static str {
        match self {
            Shape::Id => "An id: 1 to 64 letters, digits, '_' or '-'",
            Shape::Date => "A date YYYY-MM-DD (years 1900 to 9999)",
            Shape::Month => "A month YYYY-MM",
            Shape::Period => "A period: month 2008-06, quarter 2008-Q2, half 2008-H1 or year 2008",
            Shape::Cases => "A volume in cases, exact to a thousandth of a case",
            Shape::Yuan => "An amount in yuan, exact to the fen",
            Shape::Percent => "A percentage, exact to a hundredth of a point",
            Shape::Count => "A whole number",
            Shape::PriceClass => "A price class, 1 (一類) to 5 (五類)",
            Shape::Uuid => "A UUID in its hyphenated form",
            Shape::NonEmpty => "Text that is not empty",
        }
    }

    /// The value name a command line shows for a flag of this shape.
    pub fn value_name(self) -> &'static str {
        match self {
            Shape::Id => "ID",
            Shape::Date => "YYYY-MM-DD",
            Shape::Month => "YYYY-MM",
            Shape::Period => "PERIOD",
            Shape::Cases => "CASES",
            Shape::Yuan => "YUAN",
            Shape::Percent => "PERCENT",
            Shape::Count => "COUNT",
            Shape::PriceClass => "1-5",
            Shape::Uuid => "UUID",
            Shape::NonEmpty => "TEXT",
        }
    }

    /// Whether `text` has this shape. Ids, dates, months and periods are the proto parsers'
    /// own rules (which callers apply next); amounts, counts and UUIDs are narrower here than
    /// the parsers, which also take `.5`, `1.2500`, braces and other spellings.
    pub fn accepts(self, text: &str) -> bool {
        let digits = |s: &str, min: usize, max: usize| {
            (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        let decimal = |whole: usize, scale: usize| match text.split_once('.') {
            Some((i, f)) => digits(i, 1, whole) && digits(f, 1, scale),
            None => digits(text, 1, whole),
        };
        match self {
            Shape::Id => text.parse::<synergy_proto::OrgId>().is_ok(),
            Shape::Date => text.parse::<synergy_proto::Date>().is_ok(),
            Shape::Month => text.parse::<synergy_proto::YearMonth>().is_ok(),
            Shape::Period => text.parse::<synergy_proto::Period>().is_ok(),
            Shape::Cases => decimal(15, 3),
            Shape::Yuan => decimal(16, 2),
            Shape::Percent => decimal(3, 2),
            Shape::Count => digits(text, 1, 9),
            Shape::PriceClass => matches!(text, "1" | "2" | "3" | "4" | "5"),
            Shape::Uuid => {
                let groups: Vec<&str> = text.split('-').collect();
                groups.len() == 5
                    && groups
                        .iter()
                        .zip([8, 4, 4, 4, 12])
                        .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
            }
            Shape::NonEmpty => !text.is_empty(),
        }
    }

    /// What to write instead, for an error message.
    pub fn expected(self) -> &'static str {
        match self {
            Shape::Cases => {
                "digits with an optional '.' and 1 to 3 decimals (at most 15 whole digits)"
            }
            Shape::Yuan => {
                "digits with an optional '.' and 1 or 2 decimals (at most 16 whole digits)"
            }
            Shape::Percent => {
                "digits with an optional '.' and 1 or 2 decimals (at most 3 whole digits)"
            }
            Shape::Count => "1 to 9 digits",
            _ => self.description(),
        }
    }

    /// Parses `text` as `T` after checking the shape; the error names `field`. A text the
    /// proto parser refuses is answered with the parser's reason, one it accepts in a
    /// spelling the shape does not allow with the shape expected.
    pub fn parse<T>(self, field: &str, text: &str) -> Result<T, FieldError>
    where
        T: FromStr,
        T::Err: Display,
    {
        let parsed = text
            .parse()
            .map_err(|e: T::Err| FieldError::new(field, format!("{field}: {e}")));
        if !self.accepts(text) {
            parsed?;
            return Err(FieldError::new(
                field,
                format!("{field}: {text:?} is not {}", self.expected()),
            ));
        }
        parsed
    }
}

/// The largest whole number a JSON number carries exactly through any parser that reads
/// numbers as IEEE doubles (2^53 − 1, JavaScript's `Number.MAX_SAFE_INTEGER`).
pub const MAX_EXACT_WHOLE: i64 = (1 << 53) - 1;

/// What a field holds, and how it travels in the JSON object of values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A JSON string of a [`Shape`].
    Text(Shape),
    /// Any JSON string (a title, a reason).
    Free,
    /// A JSON integer in `min ..= max` (JSON may spell it `7540.0`).
    Whole { min: i64, max: i64 },
    /// A JSON string, one of the listed values.
    Choice(&'static [Choice]),
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
    pub required: bool,
    /// The CLI flag when it is not the kebab-cased name (`sign` takes `--id`).
    pub flag: Option<&'static str>,
}

impl Field {
    pub const fn new(name: &'static str, kind: Kind, doc: &'static str) -> Field {
        Field {
            name,
            doc,
            kind,
            required: true,
            flag: None,
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
    pub fields: &'static [Field],
}

impl CommandSpec {
    /// The first line of [`doc`](Self::doc).
    pub fn summary(&self) -> &'static str {
        self.doc.lines().next().unwrap_or_default()
    }

    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether the field is a parameter of the HTTP path rather than of the body.
    pub fn in_path(&self, field: &Field) -> bool {
        self.path.contains(&format!("{{{}}}", field.path_name()))
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

    /// The declaration of `command`. Every command is declared (the contexts' tests hold
    /// it), so a miss is a programming error.
    pub fn of(&self, command: &C) -> &'static CommandSpec {
        match self.0.iter().find(|d| (d.is)(command)) {
            Some(d) => &d.spec,
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
        (declared.bind)(&Args::new(&declared.spec, values)).map_err(BindError::Field)
    }
}

/// Why field values did not make a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindError {
    /// The object has unknown or missing names, or a value of the wrong JSON type.
    #[error("{0}")]
    Malformed(String),
    /// A value has the right type but does not parse.
    #[error(transparent)]
    Field(#[from] FieldError),
}

/// A field value that does not parse, named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Whether `values` holds exactly the declared fields (every required one, no other) with
/// the declared JSON types. The text says which name and what was expected, never echoing
/// a value.
pub fn check(spec: &CommandSpec, values: &Values) -> Result<(), String> {
    if let Some(unknown) = values.keys().find(|k| spec.field(k).is_none()) {
        let expected: Vec<String> = spec
            .fields
            .iter()
            .map(|f| format!("`{}`", f.name))
            .collect();
        return Err(if expected.is_empty() {
            format!("unknown field `{unknown}`, there are no fields")
        } else {
            format!(
                "unknown field `{unknown}`, expected one of {}",
                expected.join(", ")
            )
        });
    }
    for field in spec.fields {
        match values.get(field.name) {
            None | Some(serde_json::Value::Null) if !field.required => {}
            None => return Err(format!("missing field `{}`", field.name)),
            Some(value) => {
                if let Err(expected) = type_of(field.kind, value) {
                    return Err(format!(
                        "invalid type at `{}`: expected {expected}",
                        field.name
                    ));
                }
            }
        }
    }
    Ok(())
}

fn type_of(kind: Kind, value: &serde_json::Value) -> Result<(), &'static str> {
    match kind {
        Kind::Text(_) | Kind::Free | Kind::Choice(_) => {
            value.as_str().map(|_| ()).ok_or("a string")
        }
        Kind::Whole { min, max } => whole(value, min, max).map(|_| ()),
    }
}

/// A JSON number that is whole (`7540` or `7540.0`) and in `min ..= max`, never beyond
/// ±[`MAX_EXACT_WHOLE`].
fn whole(value: &serde_json::Value, min: i64, max: i64) -> Result<i64, &'static str> {
    let number = value.as_number().ok_or("a whole number")?;
    let n = if let Some(i) = number.as_i64() {
        i
    } else if let Some(f) = number.as_f64() {
        // Exact: serde_json reads numbers with `float_roundtrip`, and the bound keeps the
        // value where every whole number is representable.
        if f.fract() != 0.0 || f.abs() > MAX_EXACT_WHOLE as f64 {
            return Err("a whole number");
        }
        f as i64
    } else {
        return Err("a whole number in range");
    };
    if n.abs() > MAX_EXACT_WHOLE || n < min || n > max {
        return Err("a whole number in range");
    }
    Ok(n)
}

/// The field values of one command, read by name with the field's declared shape.
#[derive(Debug, Clone, Copy)]
pub struct Args<'a> {
    spec: &'a CommandSpec,
    values: &'a Values,
}

impl<'a> Args<'a> {
    pub fn new(spec: &'a CommandSpec, values: &'a Values) -> Self {
        Self { spec, values }
    }

    fn field(&self, name: &str) -> &'a Field {
        match self.spec.field(name) {
            Some(f) => f,
            None => unreachable!("{} declares no field {name}", self.spec.verb),
        }
    }

    fn value(&self, name: &str) -> Option<&'a serde_json::Value> {
        self.values.get(name).filter(|v| !v.is_null())
    }

    /// A text field, parsed after its shape is checked.
    pub fn opt<T>(&self, name: &str) -> Result<Option<T>, FieldError>
    where
        T: FromStr,
        T::Err: Display,
    {
        let field = self.field(name);
        let Some(value) = self.value(name) else {
            return Ok(None);
        };
        let text = value
            .as_str()
            .ok_or_else(|| FieldError::new(name, format!("{name}: expected text")))?;
        match field.kind {
            Kind::Text(shape) => shape.parse(name, text).map(Some),
            Kind::Free => text
                .parse()
                .map(Some)
                .map_err(|e: T::Err| FieldError::new(name, format!("{name}: {e}"))),
            Kind::Choice(choices) => {
                if !choices.iter().any(|c| c.value == text) {
                    let values: Vec<&str> = choices.iter().map(|c| c.value).collect();
                    return Err(FieldError::new(
                        name,
                        format!("{name}: expected one of {}", values.join(", ")),
                    ));
                }
                text.parse()
                    .map(Some)
                    .map_err(|e: T::Err| FieldError::new(name, format!("{name}: {e}")))
            }
            Kind::Whole { .. } => unreachable!("{name} is a whole number; read it with `whole`"),
        }
    }

    /// A required text field.
    pub fn get<T>(&self, name: &str) -> Result<T, FieldError>
    where
        T: FromStr,
        T::Err: Display,
    {
        self.opt(name)?
            .ok_or_else(|| FieldError::new(name, format!("{name}: required")))
    }

    /// A required whole-number field, in the field's range and `T`'s.
    pub fn whole<T: TryFrom<i64>>(&self, name: &str) -> Result<T, FieldError> {
        let Kind::Whole { min, max } = self.field(name).kind else {
            unreachable!("{name} is not a whole number")
        };
        let value = self
            .value(name)
            .ok_or_else(|| FieldError::new(name, format!("{name}: required")))?;
        let n = whole(value, min, max)
            .map_err(|e| FieldError::new(name, format!("{name}: expected {e}")))?;
        T::try_from(n).map_err(|_| FieldError::new(name, format!("{name}: out of range")))
    }
}

impl fmt::Display for CommandSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.context.as_str(), self.verb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: CommandSpec = CommandSpec {
        context: Context::Strategy,
        verb: "draft-plan",
        cli: ["plan", "draft"],
        doc: "Draft a plan.",
        action: "drafting a plan",
        who: Who::Either(Side::Manufacturer),
        path: "/v1/partnerships/{id}/plans",
        recorded: "Recorded",
        fields: &[
            Field::partnership(),
            Field::new("title", Kind::Free, "The title"),
            Field::new(
                "year",
                Kind::Whole {
                    min: 1900,
                    max: 9999,
                },
                "A year",
            ),
            Field::new("period", Kind::Text(Shape::Period), "A period").optional(),
        ],
    };

    fn values(json: serde_json::Value) -> Values {
        json.as_object().unwrap().clone()
    }

    #[test]
    fn check_names_the_unknown_missing_or_mistyped_field() {
        let ok = values(serde_json::json!({"partnership": "p", "title": "t", "year": 2008}));
        check(&SPEC, &ok).unwrap();
        let e = check(
            &SPEC,
            &values(serde_json::json!({"title": "t", "year": 2008})),
        );
        assert_eq!(e.unwrap_err(), "missing field `partnership`");
        let e = check(
            &SPEC,
            &values(serde_json::json!({"partnership": "p", "title": 1, "year": 2008})),
        );
        assert_eq!(e.unwrap_err(), "invalid type at `title`: expected a string");
        let e = check(
            &SPEC,
            &values(serde_json::json!({"partnership": "p", "title": "t", "year": 2008.5})),
        );
        assert!(e.unwrap_err().contains("`year`"));
        let e = check(
            &SPEC,
            &values(serde_json::json!({"partnership": "p", "title": "t", "year": 2008, "x": 1})),
        );
        assert!(e.unwrap_err().starts_with("unknown field `x`"));
    }

    #[test]
    fn args_parse_with_the_shape_and_name_the_field() {
        let v = values(serde_json::json!({
            "partnership": "p", "title": "t", "year": 2008.0, "period": "2008-H3"
        }));
        let a = Args::new(&SPEC, &v);
        assert_eq!(a.whole::<i32>("year").unwrap(), 2008);
        let e = a.opt::<synergy_proto::Period>("period").unwrap_err();
        assert_eq!(e.field, "period");
        assert!(SPEC.in_path(SPEC.field("partnership").unwrap()));
        assert!(!SPEC.in_path(SPEC.field("title").unwrap()));
    }

    #[test]
    fn amounts_take_only_the_documented_spellings() {
        assert!(Shape::Cases.accepts("1200.5"));
        assert!(!Shape::Cases.accepts(".5"));
        assert!(!Shape::Cases.accepts("1.2500"));
        let e = Shape::Cases
            .parse::<synergy_proto::Cases>("volume_cases", "1.2500")
            .unwrap_err();
        assert!(e.message.contains("1 to 3 decimals"), "{}", e.message);
    }
}
