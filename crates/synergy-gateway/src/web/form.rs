//! A command's form, derived from its declaration (`CommandSpec`) as the HTTP route and the
//! CLI subcommand are: one input per declared field — its label, its help text in the page's language,
//! required or optional, the input its kind takes — and the session's CSRF token. A
//! submitted form is turned into the JSON body and path parameters the route takes and
//! made into the command by the route's own code (`declared::command_of`: the same
//! checks, bind and who may act), then executed through the same `Api` as the signed-in
//! person. A refusal names the field and the rule and records nothing.
//!
//! How a kind is written in a form: a shaped text is a text input with the shape's example
//! (a date a date picker, a month a month picker) and its unit after amounts; a whole
//! number a number input in its range; a choice a select; a flag a checkbox; a list a
//! textarea of one value a line; a list of records a textarea of one record a line,
//! written as on the command line (`SKU=CASES`).

use std::collections::{BTreeMap, HashMap};

use axum::Form as AxumForm;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};
use serde_json::Value;
use synergy_domain::contract::{CommandSpec, Field, Kind, Shape, Values, Who};
use synergy_domain::{ErrorCode, PartnershipView};
use synergy_evaluation::locale::Lang;
use synergy_proto::Side;
use synergy_runtime::Request;

use super::pages::{html_response, page as page_of};
use super::plans::{DoneArgs, party_of, tabs};
use super::session::same_secret;
use super::{Viewer, Words, lang_of};
use crate::GatewayState;
use crate::error::Problem;
use crate::extract::Params;

/// The most lines a list or records textarea may hold: far more than a person types, and
/// every line is checked by the declaration's shape after this.
pub const MAX_LINES: usize = 1_000;

/// A form that was refused: which one, what was typed (to show it again) and why.
#[derive(Debug)]
pub struct Failed {
    pub verb: String,
    pub typed: BTreeMap<String, String>,
    pub problem: Problem,
}

impl Failed {
    /// Whether the form of `spec` with these `fixed` values is the one refused.
    fn is(&self, spec: &CommandSpec, fixed: &[(&str, String)]) -> bool {
        self.verb == spec.verb
            && fixed
                .iter()
                .all(|(k, v)| self.typed.get(*k).is_some_and(|t| t == v))
    }
}

/// What a page shows of a form just submitted.
#[derive(Debug, Default)]
pub enum Notice {
    #[default]
    None,
    /// Recorded (or nothing to change): the command's verb.
    Done(String),
    Failed(Failed),
}

impl Notice {
    pub fn failed(&self) -> Option<&Failed> {
        match self {
            Notice::Failed(f) => Some(f),
            _ => None,
        }
    }

    /// The status of the page that shows it.
    pub fn status(&self) -> StatusCode {
        match self {
            Notice::Failed(f) => f.problem.status,
            _ => StatusCode::OK,
        }
    }

    /// The line above the forms saying what became of the last one.
    pub fn markup(&self, w: &Words) -> Markup {
        match self {
            Notice::None => html! {},
            Notice::Done(verb) => html! {
                p.done #done role="status" { (w.with("form-done", &[("command", &title(w, verb))])) }
            },
            // The rule here too: a form the page does not offer is refused with no form to
            // show it at.
            Notice::Failed(f) => html! {
                p.error #problem role="alert" {
                    (w.with("form-refused", &[("command", &title(w, &f.verb))])) " "
                    span.rule { (w.with("rule-code", &[("rule", f.problem.body.rule.as_deref().unwrap_or(&f.problem.body.code))])) }
                }
            },
        }
    }
}

/// The words of a declared name: the Fluent message `key` where there is one, else the
/// declaration's own (English) text.
pub fn word(w: &Words, key: &str, fallback: &str) -> String {
    let text = w.t(key);
    if text == key {
        fallback.to_owned()
    } else {
        text
    }
}

/// A command's title: `cmd-<verb>` in the page's language, else the declaration's summary.
pub fn title(w: &Words, verb: &str) -> String {
    let summary = synergy_runtime::commands::all()
        .find(|s| s.verb == verb)
        .map_or(verb, |s| s.summary());
    word(w, &format!("cmd-{verb}"), summary.trim_end_matches('.'))
}

/// A field's label: `field-<name>` in the page's language, else its doc.
pub fn label(w: &Words, field: &Field) -> String {
    word(w, &format!("field-{}", field.name), field.doc)
}

/// A field's help text in `spec`'s form: `help-<verb>-<name>` where the command says more
/// than the field's general words, else `help-<name>`, else its doc (a test keeps every
/// declared field from reaching the last).
pub fn help(w: &Words, spec: &CommandSpec, field: &Field) -> String {
    let general = word(w, &format!("help-{}", field.name), field.doc);
    word(w, &format!("help-{}-{}", spec.verb, field.name), &general)
}

fn unit(w: &Words, shape: Shape) -> Option<String> {
    match shape {
        Shape::Cases => Some(w.t("unit-cases")),
        Shape::Yuan => Some(w.t("unit-yuan")),
        Shape::Percent => Some("%".to_owned()),
        _ => None,
    }
}

/// One form of `spec`, posting to `action`. `fixed` are the fields the page decides (the
/// partnership, the plan a form acts on), sent hidden; `prefill` the values the inputs
/// start with; a refused form of the same command and fixed values shows what was typed
/// and the refusal, its field marked.
pub fn render(
    spec: &CommandSpec,
    w: &Words,
    csrf: &str,
    action: &str,
    fixed: &[(&str, String)],
    prefill: &BTreeMap<&str, String>,
    failed: Option<&Failed>,
) -> Markup {
    let failed = failed.filter(|f| f.is(spec, fixed));
    let bad = failed.and_then(|f| f.problem.body.field.as_deref());
    // Unique on the page: the fixed values the action's path does not already name (the
    // plan a form acts on, not the page's partnership).
    let mut id = format!("form-{}", spec.verb);
    for (_, v) in fixed {
        if !action.split('/').any(|segment| segment == v) {
            id.push('-');
            id.push_str(v);
        }
    }
    // Closed until opened, so a page of many commands stays readable without a script;
    // the refused one stays open with its refusal.
    html! {
        details.command open[failed.is_some()] {
        summary { (title(w, spec.verb)) }
        form.stack id=(id) method="post" action=(action) {
            @if let Some(f) = failed {
                @let b = &f.problem.body;
                div.error.refusal role="alert" {
                    p { (b.message) }
                    p.hint {
                        @if let Some(field) = &b.field { span.field { (w.with("form-field", &[("field", field)])) } " · " }
                        span.rule { (w.with("rule-code", &[("rule", b.rule.as_deref().unwrap_or(&b.code))])) }
                    }
                }
            }
            input type="hidden" name="csrf" value=(csrf);
            @for (k, v) in fixed { input type="hidden" name=(k) value=(v); }
            @for field in spec.fields.iter().filter(|f| !fixed.iter().any(|(k, _)| *k == f.name)) {
                @let value = failed
                    .and_then(|f| f.typed.get(field.name).cloned())
                    .or_else(|| prefill.get(field.name).cloned())
                    .unwrap_or_default();
                @let wrong = bad.is_some_and(|b| b == field.name || b.starts_with(&format!("{}[", field.name)));
                (input(w, spec, field, &value, wrong))
            }
            button type="submit" { (title(w, spec.verb)) }
        }
        }
    }
}

/// Whether a person on `side` of the partnership (`None`: not a party, or an admin) is
/// offered the form of `spec`: as the route lets them issue it. Signing and answering a
/// proposal are for the organisations it names, which the context decides.
pub fn offered(spec: &CommandSpec, side: Option<Side>) -> bool {
    match (spec.who, side) {
        (Who::Only(only), Some(side)) => only == side,
        (Who::Either(_), Some(_)) => true,
        (Who::Signatory | Who::Proposal, Some(_)) => true,
        (_, None) => false,
    }
}

fn input(w: &Words, spec: &CommandSpec, field: &Field, value: &str, wrong: bool) -> Markup {
    let required = field.required && !matches!(field.kind, Kind::Flag);
    labelled(
        w,
        spec,
        field,
        &label(w, field),
        None,
        value,
        wrong,
        required,
    )
}

/// The example an input shows: its shape's, except an id's, which is a SKU ("hy-soft") and
/// would mislead in the field of a campaign, a plan or a brand.
fn example(field: &Field, shape: Shape) -> &'static str {
    match shape {
        Shape::Id if !field.name.contains("sku") => "",
        _ => shape.example(),
    }
}

/// The input of `spec`'s `field` under `label`, with `hint` where the page says more than
/// the field's help text. `required` asks the browser to insist on a value; a page that names a
/// missing value in its own words itself leaves it to the server.
#[allow(clippy::too_many_arguments)]
pub fn labelled(
    w: &Words,
    spec: &CommandSpec,
    field: &Field,
    label: &str,
    hint: Option<String>,
    value: &str,
    wrong: bool,
    required: bool,
) -> Markup {
    let name = field.name;
    let help_text = help(w, spec, field);
    let invalid = wrong.then_some("true");
    let control = match field.kind {
        Kind::Text(shape) => {
            let kind = match shape {
                Shape::Date => "date",
                Shape::Month => "month",
                _ => "text",
            };
            let decimal = matches!(shape, Shape::Cases | Shape::Yuan | Shape::Percent);
            html! {
                span.with-unit {
                    input type=(kind) name=(name) value=(value) required[required]
                        placeholder=(example(field, shape)) inputmode=[decimal.then_some("decimal")]
                        aria-invalid=[invalid];
                    @if let Some(u) = unit(w, shape) { span.unit { (u) } }
                }
            }
        }
        Kind::Free if field.file_bytes.is_some() => html! {
            textarea name=(name) rows="6" required[required] aria-invalid=[invalid] { (value) }
        },
        Kind::Free => html! {
            input type="text" name=(name) value=(value) required[required] aria-invalid=[invalid];
        },
        Kind::Whole { min, max } => html! {
            input type="number" name=(name) value=(value) min=(min) max=(max) step="1" required[required] aria-invalid=[invalid];
        },
        Kind::Choice(choices) => html! {
            select name=(name) required[required] aria-invalid=[invalid] {
                @if !required { option value="" { "—" } }
                @for c in choices {
                    option value=(c.value) selected[c.value == value] {
                        (word(w, &format!("choice-{}", c.value.replace('.', "-")), &format!("{} — {}", c.value, c.doc)))
                    }
                }
            }
        },
        Kind::Flag => html! {
            input type="checkbox" name=(name) value="true" checked[value == "true"];
        },
        Kind::List(shape) => html! {
            textarea name=(name) rows="3" required[required] aria-invalid=[invalid]
                placeholder=(shape.map_or("", |s| example(field, s))) { (value) }
        },
        Kind::Records(record) => html! {
            textarea name=(name) rows="4" required[required] aria-invalid=[invalid]
                placeholder=(record.example) { (value) }
        },
    };
    let hint = hint.unwrap_or_else(|| match field.kind {
        Kind::List(_) => w.with("form-one-a-line", &[("doc", &help_text)]),
        Kind::Records(record) => w.with(
            "form-records",
            &[("doc", &help_text), ("form", record.form)],
        ),
        _ => help_text,
    });
    html! {
        label.field {
            span.name { (label) @if !field.required { " " span.optional { (w.t("form-optional")) } } }
            (control)
            span.hint { (hint) " · " code { (name) } }
        }
    }
}

fn invalid(field: &str, message: String) -> Problem {
    Problem::invalid_field(field, message)
}

/// The form's text of `field` as the JSON value the HTTP body carries; `None` when left
/// empty (an optional field absent, as the body would leave it out).
pub fn json_of(field: &Field, text: &str) -> Result<Option<Value>, Problem> {
    let name = field.name;
    let trimmed = text.trim();
    let lines = || {
        let lines: Vec<&str> = trimmed
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if lines.len() > MAX_LINES {
            return Err(invalid(name, format!("{name}: at most {MAX_LINES} lines")));
        }
        Ok(lines)
    };
    let value = match field.kind {
        Kind::Flag => return Ok(Some(Value::Bool(trimmed == "true"))),
        Kind::List(_) => Value::from(lines()?),
        Kind::Records(record) => {
            let mut items = Vec::new();
            for (i, line) in lines()?.into_iter().enumerate() {
                let [first, second] = record.fields;
                let Some((a, b)) = line.split_once(record.sep) else {
                    return Err(invalid(
                        &format!("{name}[{i}]"),
                        format!("{name}[{i}]: expected {}", record.form),
                    ));
                };
                let mut item = Values::new();
                for (f, t) in [(first, a), (second, b)] {
                    if let Some(v) = json_of(f, t)? {
                        item.insert(f.name.to_owned(), v);
                    }
                }
                items.push(Value::Object(item));
            }
            Value::Array(items)
        }
        _ if trimmed.is_empty() => return Ok(None),
        Kind::Whole { .. } => match trimmed.parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => {
                return Err(invalid(name, format!("{name}: expected a whole number")));
            }
        },
        // Free text keeps its spaces: a title or reason is the person's own.
        Kind::Free => Value::from(text),
        Kind::Text(_) | Kind::Choice(_) => Value::from(trimmed),
    };
    Ok(Some(value))
}

/// The path parameters and JSON body the command's HTTP route would take, from a
/// submitted form's name/value pairs (names not declared, such as `csrf`, are not read)
/// and the page's own path parameters (`partnership` is the page's `{id}`).
pub fn request_of(
    spec: &CommandSpec,
    typed: &BTreeMap<String, String>,
) -> Result<(Params, Values), Problem> {
    let mut params = HashMap::new();
    let mut body = Values::new();
    for field in spec.fields {
        let text = typed
            .get(field.name)
            .map(String::as_str)
            .unwrap_or_default();
        if spec.in_path(field) {
            params.insert(field.path_name().to_owned(), text.trim().to_owned());
            continue;
        }
        match json_of(field, text)? {
            Some(v) => {
                body.insert(field.name.to_owned(), v);
            }
            // A person left a required input empty: name it, as the bind would.
            None if field.required => {
                return Err(invalid(field.name, format!("{}: required", field.name)));
            }
            None => {}
        }
    }
    Ok((Params(params), body))
}

/// The pairs of a submitted form as one value per name (the last, as a form sends each
/// declared name once). The router's body limit bounds them; the lengths of the values
/// are the declaration's and the context's to refuse, as over HTTP.
pub fn typed(pairs: Vec<(String, String)>) -> BTreeMap<String, String> {
    pairs.into_iter().collect()
}

/// Executes the form of `spec` typed by `viewer`, after its CSRF token: the status the API
/// answers (201 recorded, 200 nothing changed), or the refusal.
pub async fn submit(
    s: &GatewayState,
    viewer: &Viewer,
    spec: &'static CommandSpec,
    typed: &BTreeMap<String, String>,
) -> Result<StatusCode, Problem> {
    let csrf = typed.get("csrf").map(String::as_str).unwrap_or_default();
    if !same_secret(csrf, &viewer.session.csrf) {
        return Err(Problem::forbidden(
            "web.csrf",
            "the form's token is missing or not this session's",
        ));
    }
    let caller = viewer.caller();
    let (params, body) = request_of(spec, typed)?;
    let command = crate::declared::command_of(spec, s, &caller, &params, body).await?;
    let request = Request::new(caller.principal.clone(), command);
    let (status, _, _) = crate::routes::outcome_of(s, request).await?;
    Ok(status)
}

/// What became of a submitted form.
#[derive(Debug)]
pub enum Posted {
    /// An answer as it is: recorded (see the page again), or the form's token refused.
    Answer(Response),
    /// The page again, with the refusal at its form.
    Show(Notice),
}

/// Executes the form `verb` of a page, one of `specs`, typed by `viewer`; `back` is the
/// page, seen again after a recording (`?done=<verb>`, so a reload does not post again).
pub async fn post(
    s: &GatewayState,
    lang: Lang,
    viewer: &Viewer,
    specs: impl Iterator<Item = &'static CommandSpec>,
    verb: &str,
    typed: BTreeMap<String, String>,
    back: &str,
) -> Posted {
    let spec = match find(specs, verb) {
        Ok(spec) => spec,
        Err(_) => return Posted::Answer(super::pages::forbidden(lang, viewer)),
    };
    match submit(s, viewer, spec, &typed).await {
        Ok(_) => Posted::Answer(super::pages::see_other(&format!("{back}?done={verb}"))),
        Err(p) if p.body.rule.as_deref() == Some("web.csrf") => {
            Posted::Answer(super::pages::csrf_refused(lang, Some(viewer)))
        }
        Err(p) if p.status.is_server_error() => Posted::Answer(super::pages::unavailable(
            lang,
            Some(viewer),
            &p.body.message,
        )),
        Err(problem) => Posted::Show(Notice::Failed(Failed {
            verb: verb.to_owned(),
            typed,
            problem,
        })),
    }
}

/// The declared command `verb` among `specs`, or the 404 of a form that is not on the page.
pub fn find(
    mut specs: impl Iterator<Item = &'static CommandSpec>,
    verb: &str,
) -> Result<&'static CommandSpec, Problem> {
    specs
        .find(|s| s.verb == verb)
        .ok_or_else(|| Problem::new(ErrorCode::NotFound, format!("no form {verb} here")))
}

/// A partnership's page of one context's forms (`/app/partnerships/{id}/<SEGMENT>`): the
/// commands it offers, what it reads of the partnership and how it shows it under the
/// page's tabs, title and notice. Its two routes are [`page`] and [`page_post`].
pub trait FormsPage: 'static {
    const SEGMENT: &'static str;
    /// What the page shows of the partnership: its plans, its campaigns.
    type Shows: Send;
    fn commands() -> impl Iterator<Item = &'static CommandSpec>;
    /// Reads what the page shows; the page that says why where it cannot.
    fn read(shown: &Shown<'_>) -> impl Future<Output = Result<Self::Shows, Response>> + Send;
    fn body(shown: &Shown<'_>, w: &Words, shows: &Self::Shows) -> Markup;
}

/// A page of forms being shown: to whom, in which language, of which partnership, with
/// what the last form did and the forms the viewer's side is offered.
pub struct Shown<'a> {
    pub s: &'a GatewayState,
    pub viewer: &'a Viewer,
    pub lang: Lang,
    pub view: PartnershipView,
    pub notice: Notice,
    /// The page's path; a form posts to `<here>/<verb>`.
    pub here: String,
    pub offered: Vec<&'static CommandSpec>,
    /// The page's partnership, a field every form sends hidden.
    pub partnership: (&'static str, String),
}

impl Shown<'_> {
    /// The form of `spec` on this page, refused where the last post was.
    pub fn form(
        &self,
        spec: &CommandSpec,
        w: &Words,
        fixed: &[(&str, String)],
        prefill: &BTreeMap<&str, String>,
    ) -> Markup {
        let action = format!("{}/{}", self.here, spec.verb);
        let csrf = &self.viewer.session.csrf;
        render(spec, w, csrf, &action, fixed, prefill, self.notice.failed())
    }
}

async fn show<P: FormsPage>(
    s: &GatewayState,
    headers: &HeaderMap,
    viewer: &Viewer,
    id: &str,
    notice: Notice,
) -> Response {
    let lang = lang_of(headers);
    let (view, side) = match party_of(s, lang, viewer, id).await {
        Ok(party) => party,
        Err(r) => return r,
    };
    let shown = Shown {
        s,
        viewer,
        lang,
        here: format!("/app/partnerships/{}/{}", view.id, P::SEGMENT),
        offered: P::commands().filter(|c| offered(c, Some(side))).collect(),
        partnership: ("partnership", view.id.to_string()),
        view,
        notice,
    };
    let shows = match P::read(&shown).await {
        Ok(shows) => shows,
        Err(r) => return r,
    };
    let w = Words::new(lang);
    let view = &shown.view;
    let title = w.with(
        &format!("{}-title", P::SEGMENT),
        &[("id", view.id.as_str())],
    );
    let role = w.role(viewer.session.user.role);
    let body = html! {
        (tabs(&w, &view.id, &format!("/{}", P::SEGMENT)))
        h1 { (title) }
        p.sub { (view.manufacturer) " / " (view.distributor) " · " (w.with("form-your-side", &[("side", &role)])) }
        (shown.notice.markup(&w))
        (P::body(&shown, &w, &shows))
    };
    let status = shown.notice.status();
    html_response(status, page_of(&w, &title, &shown.here, Some(viewer), body))
}

/// `GET /app/partnerships/{id}/<SEGMENT>`, saying what `?done=` names.
pub async fn page<P: FormsPage>(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<DoneArgs>,
) -> Response {
    let notice = q.done().map(Notice::Done).unwrap_or_default();
    show::<P>(&s, &headers, &viewer, &id, notice).await
}

/// `POST /app/partnerships/{id}/<SEGMENT>/{verb}`: one of the page's forms.
pub async fn page_post<P: FormsPage>(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Viewer,
    Path((id, verb)): Path<(String, String)>,
    AxumForm(pairs): AxumForm<Vec<(String, String)>>,
) -> Response {
    let lang = lang_of(&headers);
    let mut typed = typed(pairs);
    // The page's partnership, whatever the form says.
    typed.insert("partnership".to_owned(), id.clone());
    let back = format!("/app/partnerships/{id}/{}", P::SEGMENT);
    match post(&s, lang, &viewer, P::commands(), &verb, typed, &back).await {
        Posted::Answer(r) => r,
        Posted::Show(notice) => show::<P>(&s, &headers, &viewer, &id, notice).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use synergy_runtime::commands;

    fn whole_request(spec: &CommandSpec, params: &Params, body: &Values) -> Values {
        let mut all = body.clone();
        for (k, v) in &params.0 {
            let name = if k == "id" { "partnership" } else { k };
            all.insert(name.to_owned(), Value::from(v.clone()));
        }
        assert!(
            spec.fields
                .iter()
                .all(|f| !f.required || all.contains_key(f.name))
        );
        all
    }

    /// Whether `w` holds help words for `spec`'s `field`, its own or the field's general ones.
    fn has_help(w: &Words, spec: &CommandSpec, field: &Field) -> bool {
        [
            format!("help-{}-{}", spec.verb, field.name),
            format!("help-{}", field.name),
        ]
        .iter()
        .any(|key| w.t(key) != *key)
    }

    #[test]
    fn every_declared_field_has_a_label_and_help_words_in_every_language() {
        let mut missing = Vec::new();
        for lang in Lang::ALL {
            let w = Words::new(lang);
            for spec in commands::all() {
                for field in spec.fields {
                    let label = format!("field-{}", field.name);
                    if w.t(&label) == label {
                        missing.push(format!("{lang}: {label}"));
                    }
                    if !has_help(&w, spec, field) {
                        missing.push(format!("{lang}: help of {} --{}", spec.verb, field.name));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "no words for {missing:#?}");
        let spec = commands::all().find(|s| s.verb == "issue-report").unwrap();
        let kind = spec.fields.iter().find(|f| f.name == "kind").unwrap();
        let zh = Words::new(Lang::ZhCn);
        assert_eq!(help(&zh, spec, kind), "哪种报告：市场、品牌、评分卡或评审");
        let html = render(spec, &zh, "tok", "/x", &[], &BTreeMap::new(), None).into_string();
        assert!(html.contains("哪种报告"), "{html}");
        assert!(!html.contains(kind.doc), "{html}");
        // A field a command does not say more of has the field's general words.
        let revise = commands::all().find(|s| s.verb == "revise-plan").unwrap();
        let reason = revise.fields.iter().find(|f| f.name == "reason").unwrap();
        assert_eq!(help(&Words::new(Lang::ZhTw), revise, reason), "原因");
        // And a name no field has, none: the test above would catch a field without words.
        let unknown = Field::new("no_such_field", Kind::Free, "Not declared");
        assert!(!has_help(&zh, spec, &unknown));
        assert_eq!(help(&zh, spec, &unknown), "Not declared");
    }

    /// An id field shows the SKU example only where a SKU goes: "hy-soft" in a campaign's
    /// id field would suggest naming the campaign after a cigarette.
    #[test]
    fn only_sku_fields_show_the_sku_example() {
        let plan = commands::all().find(|s| s.verb == "plan-campaign").unwrap();
        let html = render(
            plan,
            &Words::new(Lang::ZhCn),
            "tok",
            "/x",
            &[],
            &BTreeMap::new(),
            None,
        )
        .into_string();
        let input = |name: &str| {
            let at = html.find(&format!(r#"name="{name}""#)).unwrap();
            html[at..at + html[at..].find('>').unwrap()].to_owned()
        };
        assert!(
            !input("campaign").contains("hy-soft"),
            "{}",
            input("campaign")
        );
        assert!(!input("brand").contains("hy-soft"), "{}", input("brand"));
        assert!(
            input("skus").contains(r#"placeholder="hy-soft""#),
            "{}",
            input("skus")
        );
        assert!(
            input("starts_on").contains(r#"placeholder="2008-06-30""#),
            "{}",
            input("starts_on")
        );
    }

    #[test]
    fn every_declared_command_renders_a_form_in_every_language() {
        let mut count = 0;
        for lang in Lang::ALL {
            let w = Words::new(lang);
            for spec in commands::all() {
                let fixed = [("partnership", "p1".to_owned())];
                let html =
                    render(spec, &w, "tok", "/x", &fixed, &BTreeMap::new(), None).into_string();
                assert!(html.contains(r#"name="csrf" value="tok""#), "{spec}");
                for field in spec.fields.iter().filter(|f| f.name != "partnership") {
                    assert!(
                        html.contains(&format!(r#"name="{}""#, field.name)),
                        "{spec}: {}",
                        field.name
                    );
                    if field.required && !matches!(field.kind, Kind::Flag) {
                        // The required attribute follows the name within its element.
                        let at = html.find(&format!(r#"name="{}""#, field.name)).unwrap();
                        let end = at + html[at..].find('>').unwrap();
                        assert!(html[at..end].contains("required"), "{spec}: {}", field.name);
                    }
                }
                count += 1;
            }
        }
        assert!(count > 3 * 40, "{count}");
    }

    #[test]
    fn a_typed_form_binds_to_the_command_its_json_body_binds_to() {
        let spec = commands::all()
            .find(|s| s.verb == "set-plan-target")
            .unwrap();
        let typed: BTreeMap<String, String> = [
            ("csrf", "tok"),
            ("partnership", "hongyun-changzhi"),
            ("plan", "p2009"),
            ("period", " 2009-H1 "),
            ("brand", ""),
            ("volume_cases", "1200.5"),
            ("revenue_yuan", ""),
            ("volume_share_pct", "22.50"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let (params, body) = request_of(spec, &typed).unwrap();
        let json = serde_json::json!({
            "partnership": "hongyun-changzhi", "plan": "p2009", "period": "2009-H1",
            "volume_cases": "1200.5", "volume_share_pct": "22.50",
        });
        let from_form = commands::bind(spec, &whole_request(spec, &params, &body)).unwrap();
        let from_json = commands::bind(spec, json.as_object().unwrap()).unwrap();
        assert_eq!(format!("{from_form:?}"), format!("{from_json:?}"));

        // Lists and records are one a line, as the command line writes them.
        let spec = commands::all().find(|s| s.verb == "plan-campaign").unwrap();
        let typed: BTreeMap<String, String> = [
            ("partnership", "p1"),
            ("campaign", "c1"),
            ("title", "Spring"),
            ("brand", "hongyun"),
            ("skus", "hy-soft\n\n hy-hard \n"),
            ("starts_on", "2008-03-01"),
            ("ends_on", "2008-04-30"),
            ("activity_plan", "Posters"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let (params, body) = request_of(spec, &typed).unwrap();
        assert_eq!(body["skus"], serde_json::json!(["hy-soft", "hy-hard"]));
        let json = serde_json::json!({
            "partnership": "p1", "campaign": "c1", "title": "Spring", "brand": "hongyun",
            "skus": ["hy-soft", "hy-hard"], "starts_on": "2008-03-01", "ends_on": "2008-04-30",
            "activity_plan": "Posters",
        });
        assert_eq!(
            format!(
                "{:?}",
                commands::bind(spec, &whole_request(spec, &params, &body)).unwrap()
            ),
            format!(
                "{:?}",
                commands::bind(spec, json.as_object().unwrap()).unwrap()
            )
        );
    }

    #[test]
    fn an_empty_required_input_or_a_bad_number_is_named() {
        let spec = commands::all().find(|s| s.verb == "draft-plan").unwrap();
        let mut typed: BTreeMap<String, String> = [
            ("partnership", "p1"),
            ("plan", "p2009"),
            ("title", ""),
            ("first_year", "2009"),
            ("last_year", "2011"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let e = request_of(spec, &typed).unwrap_err();
        assert_eq!(e.body.field.as_deref(), Some("title"));
        assert_eq!(e.body.code, "invalid");
        typed.insert("title".into(), "Three years".into());
        typed.insert("last_year".into(), "2011.5".into());
        let e = request_of(spec, &typed).unwrap_err();
        assert_eq!(e.body.field.as_deref(), Some("last_year"));
        typed.insert("last_year".into(), "2011".into());
        request_of(spec, &typed).unwrap();
    }
}
