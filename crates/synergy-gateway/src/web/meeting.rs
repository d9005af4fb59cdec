//! The review meeting (`/app/partnerships/{id}/review?period=P`): the review pack of a
//! quarter, half or year laid out for a screen in a joint meeting, and the meeting's own
//! forms — its record (scheduled, then held with an answer to each agenda question), a
//! decision raised as an action item, the pack issued as a frozen version — each a plain
//! form with the session's CSRF token, executed as the declared command it is
//! (`synergy_runtime::commands`), so a refusal names the same field and rule as the API's.
//!
//! The period's meeting is the one whose id is `review-<period>` (`review-2008-h1`), as
//! the demo and `synergy meeting schedule` examples name a period's review: the page
//! schedules it under that id and finds it again without a listing of meetings.

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request as HttpRequest, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use synergy_domain::PartnershipView;
use synergy_domain::contract::{BindError, CommandSpec, Field, Values};
use synergy_evaluation::chart;
use synergy_evaluation::json::Json;
use synergy_evaluation::layout::{self, Width};
use synergy_evaluation::report::Report;
use synergy_eventlog::Position;
use synergy_proto::events::evaluation::ReportKind;
use synergy_proto::{MeetingId, PartnershipId, Period, PeriodKind};
use synergy_runtime::executor::Request;
use synergy_runtime::{AnyQuery, ApiError, IssueRequest, NotReady, commands};
use synergy_support::meeting::{Meeting, MeetingStatus};
use uuid::Uuid;

use super::form;
use super::pages::*;
use super::plans::party_of;
use super::reports::{
    asked_period, blocks_markup, latest_month, report_after, today, versions_table,
};
use super::session::same_secret;
use super::{Viewer, Words, lang_of};
use crate::GatewayState;
use crate::auth::{self, Caller};
use crate::error::Problem;

/// A form's fields as posted, in order; a field named twice keeps its first value.
type Posted = Vec<(String, String)>;

fn posted<'a>(form: &'a Posted, name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.trim())
}

#[derive(Debug, Deserialize)]
pub struct ReviewArgs {
    period: Option<String>,
    /// Read-your-writes after a form: the log position the pack must include.
    after: Option<u64>,
}

/// What a form was refused for: the field, the rule and the reason, shown on the page
/// above the form with what was typed kept.
struct Refusal {
    field: Option<String>,
    rule: String,
    message: String,
}

impl From<Problem> for Refusal {
    fn from(p: Problem) -> Self {
        Refusal {
            rule: p.body.rule.clone().unwrap_or_else(|| p.body.code.clone()),
            field: p.body.field.clone(),
            message: p.body.message.clone(),
        }
    }
}

/// The partnership of the path, when the viewer is a party of it; else the one 403 page
/// for a partnership that is not theirs and one that does not exist.
async fn scoped(
    s: &GatewayState,
    headers: &HeaderMap,
    viewer: &Viewer,
    id: String,
) -> Result<(PartnershipId, PartnershipView), Response> {
    let (view, _) = party_of(s, lang_of(headers), viewer, &id).await?;
    Ok((view.id.clone(), view))
}

/// The period's review meeting's id: `review-2008-h1`.
fn meeting_id(period: Period) -> MeetingId {
    MeetingId::new(format!("review-{}", period.to_string().to_lowercase()))
        .expect("a period's text is id-safe")
}

/// A period the review meeting takes: a quarter, half or year (a month's pack is home's).
fn review_period(text: Option<&str>, w: &Words) -> Result<Option<Period>, String> {
    match asked_period(text, w)? {
        Some(p) if p.kind() == PeriodKind::Month => {
            Err(w.with("meeting-period-not-month", &[("value", &p.to_string())]))
        }
        other => Ok(other),
    }
}

/// Everything the page shows, read before rendering (a Fluent bundle may not cross an
/// `.await`).
struct Loaded {
    id: PartnershipId,
    view: PartnershipView,
    period: Option<Period>,
    pack: Option<Report>,
    versions: Vec<serde_json::Value>,
    meeting: Option<Meeting>,
}

async fn load(
    s: &GatewayState,
    id: PartnershipId,
    view: PartnershipView,
    period: Option<Period>,
    after: Option<Position>,
) -> Result<Loaded, ApiError> {
    let period = match period {
        Some(p) => Some(p),
        None => latest_month(s, std::iter::once(&id))
            .await?
            .map(|m| Period::containing(PeriodKind::Half, m)),
    };
    let (mut pack, mut versions, mut meeting) = (None, Vec::new(), None);
    if let Some(period) = period {
        let as_of = today(s, &view.time_zone);
        pack = report_after(s, &id, ReportKind::Review, period, as_of, after).await?;
        let answer = s
            .api
            .query(AnyQuery::Evaluation(
                synergy_evaluation::versions::Query::Versions {
                    partnership: id.clone(),
                    kind: ReportKind::Review,
                    period,
                },
            ))
            .await?;
        if let serde_json::Value::Array(v) = answer {
            versions = v;
        }
        let answer = s
            .api
            .query(AnyQuery::Support(synergy_support::Query::Meeting {
                partnership: id.clone(),
                meeting: meeting_id(period),
            }))
            .await?;
        meeting = serde_json::from_value(answer)
            .map_err(|e| ApiError::NotReady(NotReady::unreadable("the meeting", e)))?;
    }
    Ok(Loaded {
        id,
        view,
        period,
        pack,
        versions,
        meeting,
    })
}

/// `GET /app/partnerships/{id}/review?period=2008-H1`.
pub async fn review_page(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<ReviewArgs>,
) -> Response {
    let lang = lang_of(&headers);
    let (id, view) = match scoped(&s, &headers, &viewer, id).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let asked = review_period(q.period.as_deref(), &Words::new(lang));
    let period = asked.as_ref().ok().copied().flatten();
    if asked.is_err() {
        let w = Words::new(lang);
        let loaded = Loaded {
            id,
            view,
            period: None,
            pack: None,
            versions: Vec::new(),
            meeting: None,
        };
        let body = render(
            &w,
            &viewer,
            &loaded,
            asked.err().as_deref(),
            None,
            &Vec::new(),
        );
        return html_response(StatusCode::OK, body);
    }
    match load(&s, id, view, period, q.after.map(Position)).await {
        Ok(loaded) => {
            let w = Words::new(lang);
            html_response(
                StatusCode::OK,
                render(&w, &viewer, &loaded, None, None, &Vec::new()),
            )
        }
        Err(e) => unavailable(lang, Some(&viewer), &e),
    }
}

/// Runs the declared command `verb` with `values` as the viewer: the same checks as the
/// API's route (required fields, shapes, who may), then the decision. `key` makes a
/// resubmitted form a retry of the same command.
async fn run(
    s: &GatewayState,
    caller: &Caller,
    view: &PartnershipView,
    spec: &CommandSpec,
    values: Values,
    key: Option<Uuid>,
) -> Result<Option<Position>, Refusal> {
    for field in spec.fields.iter().filter(|f| f.required) {
        if !values.contains_key(field.name) {
            return Err(Refusal {
                field: Some(field.name.to_owned()),
                rule: "web.field_required".to_owned(),
                // Said in the page's words where it is shown.
                message: String::new(),
            });
        }
    }
    let command = commands::bind(spec, &values).map_err(|e| match e {
        BindError::Malformed(message) => Refusal {
            field: None,
            rule: synergy_domain::ErrorCode::MalformedJson.as_str().to_owned(),
            message,
        },
        BindError::Field(e) => Problem::invalid_field(&e.field, e.message).into(),
    })?;
    caller.may(view, auth::Who::Either, spec.action)?;
    let mut request = Request::new(caller.principal.clone(), command);
    request.idempotency_key = key;
    match s.api.execute(request).await {
        Ok(outcome) => Ok(outcome.position),
        Err(e) => Err(Problem::from(e).into()),
    }
}

/// One of the meeting's forms: the declared command it runs and the fields the page
/// decides itself (the partnership, the period's meeting, its kind and period, a new
/// item's id, the minutes made of the agenda's answers). Every other field of the
/// declaration is an input as `form` derives it, so a field declared later is on the form.
struct MeetingForm {
    /// The form's name on the page: its words (`meeting-<name>-<field>`, else
    /// `meeting-field-<field>`) and where its refusal is shown.
    name: &'static str,
    verb: &'static str,
    decided: &'static [&'static str],
}

const SCHEDULE: MeetingForm = MeetingForm {
    name: "schedule",
    verb: "schedule-meeting",
    decided: &["partnership", "meeting", "kind", "period"],
};

const HOLD: MeetingForm = MeetingForm {
    name: "hold",
    verb: "hold-meeting",
    decided: &["partnership", "meeting", "minutes"],
};

const DECISION: MeetingForm = MeetingForm {
    name: "decision",
    verb: "raise-action-item",
    decided: &["partnership", "item", "meeting"],
};

impl MeetingForm {
    fn spec(&self) -> &'static CommandSpec {
        commands::all()
            .find(|c| c.verb == self.verb)
            .expect("the meeting's commands are declared")
    }

    fn typed(&self) -> impl Iterator<Item = &'static Field> {
        self.spec()
            .fields
            .iter()
            .filter(|f| !self.decided.contains(&f.name))
    }

    /// The inputs in the declaration's order, a field the page `composed` of inputs of its
    /// own (the minutes of the agenda's answers) standing where the field does;
    /// each holds what was typed, else `prefill`, and the field a refusal names is marked.
    /// A missing value is the server's to name, in the page's words.
    fn inputs(
        &self,
        w: &Words,
        kept: &Posted,
        prefill: &[(&str, String)],
        refused: Option<&Refusal>,
        composed: Option<(&str, Markup)>,
    ) -> Markup {
        let bad = refused.and_then(|r| r.field.as_deref());
        html! {
            @for field in self.spec().fields {
                @if let Some((_, markup)) = composed.as_ref().filter(|(name, _)| *name == field.name) {
                    (markup)
                } @else if !self.decided.contains(&field.name) {
                    @let start = prefill.iter().find(|(k, _)| *k == field.name).map_or("", |(_, v)| v.as_str());
                    @let wrong = bad.is_some_and(|b| b == field.name || b.starts_with(&format!("{}[", field.name)));
                    (form::labelled(w, self.spec(), field, &self.label(w, field), hint(w, field), &kept_or(kept, field.name, start), wrong, false))
                }
            }
        }
    }

    fn label(&self, w: &Words, field: &Field) -> String {
        let general = form::word(
            w,
            &format!("meeting-field-{}", field.name),
            &form::label(w, field),
        );
        form::word(
            w,
            &format!("meeting-{}-{}", self.name, field.name),
            &general,
        )
    }

    /// The command's values: the typed fields as the route's body would carry them
    /// (a list or records a line), refused naming the field that does not read.
    fn values(&self, id: &PartnershipId, form: &Posted) -> Result<Values, Refusal> {
        let mut values = Values::new();
        values.insert("partnership".into(), id.as_str().into());
        for field in self.typed() {
            let text = form
                .iter()
                .find(|(k, _)| k == field.name)
                .map_or("", |(_, v)| v.as_str());
            if let Some(value) = form::json_of(field, text)? {
                values.insert(field.name.into(), value);
            }
        }
        Ok(values)
    }
}

/// What the meeting says of a field where it says more than the declaration's doc.
fn hint(w: &Words, field: &Field) -> Option<String> {
    let key = format!("meeting-{}-hint", field.name);
    let text = w.t(&key);
    (text != key).then_some(text)
}

/// After a form: its refusal on the page again (422, what was typed kept), or the page
/// once the pack holds what was recorded.
async fn answer(
    s: &GatewayState,
    headers: &HeaderMap,
    viewer: &Viewer,
    (id, view, period): (PartnershipId, PartnershipView, Period),
    outcome: Result<Option<Position>, Refusal>,
    form: &str,
    kept: &Posted,
) -> Response {
    let lang = lang_of(headers);
    match outcome {
        Ok(position) => {
            let mut to = format!("/app/partnerships/{id}/review?period={period}");
            if let Some(p) = position {
                to.push_str(&format!("&after={}", p.0));
            }
            to.push('#');
            to.push_str(form);
            see_other(&to)
        }
        Err(refusal) => match load(s, id, view, Some(period), None).await {
            Ok(loaded) => {
                let w = Words::new(lang);
                html_response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    render(&w, viewer, &loaded, None, Some((form, &refusal)), kept),
                )
            }
            Err(e) => unavailable(lang, Some(viewer), &e),
        },
    }
}

/// The checks every form of the page makes first: the CSRF token, the partnership, the
/// period.
async fn form_checks(
    s: &GatewayState,
    headers: &HeaderMap,
    viewer: &Viewer,
    id: String,
    form: &Posted,
) -> Result<(PartnershipId, PartnershipView, Period), Response> {
    let lang = lang_of(headers);
    if !same_secret(posted(form, "csrf"), &viewer.session.csrf) {
        return Err(csrf_refused(lang, Some(viewer)));
    }
    let (id, view) = scoped(s, headers, viewer, id).await?;
    match review_period(Some(posted(form, "period")), &Words::new(lang)) {
        Ok(Some(period)) => Ok((id, view, period)),
        Ok(None) | Err(_) => Err(see_other(&format!("/app/partnerships/{id}/review"))),
    }
}

/// A post of one of the page's forms, past the checks every one makes first
/// ([`form_checks`]): the CSRF token, the partnership (the viewer a party of it), the
/// period.
pub struct ReviewPost {
    s: GatewayState,
    headers: HeaderMap,
    viewer: Viewer,
    form: Posted,
    id: PartnershipId,
    view: PartnershipView,
    period: Period,
}

impl FromRequest<GatewayState> for ReviewPost {
    /// Not signed in, a path or form that does not read, or a check refused: its page.
    type Rejection = Response;

    async fn from_request(req: HttpRequest, s: &GatewayState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, s).await?;
        let Path(id) = Path::<String>::from_request_parts(&mut parts, s)
            .await
            .map_err(IntoResponse::into_response)?;
        let headers = parts.headers.clone();
        let Form(form) = Form::<Posted>::from_request(HttpRequest::from_parts(parts, body), s)
            .await
            .map_err(IntoResponse::into_response)?;
        let (id, view, period) = form_checks(s, &headers, &viewer, id, &form).await?;
        Ok(ReviewPost {
            s: s.clone(),
            headers,
            viewer,
            form,
            id,
            view,
            period,
        })
    }
}

impl ReviewPost {
    /// The idempotency key the form carries, if it reads.
    fn key(&self) -> Option<Uuid> {
        Uuid::parse_str(posted(&self.form, "key")).ok()
    }

    /// After the form: [`answer`], back at `anchor`.
    async fn answer(self, outcome: Result<Option<Position>, Refusal>, anchor: &str) -> Response {
        let at = (self.id, self.view, self.period);
        answer(
            &self.s,
            &self.headers,
            &self.viewer,
            at,
            outcome,
            anchor,
            &self.form,
        )
        .await
    }
}

/// `POST …/review/decisions`: a decision of the meeting raised as an action item with
/// its owner side and due date, linked to the period's meeting once it is recorded.
pub async fn record_decision(p: ReviewPost) -> Response {
    let key = p.key().unwrap_or_else(new_key);
    let outcome = match DECISION.values(&p.id, &p.form) {
        Err(refused) => Err(refused),
        Ok(mut values) => {
            let item = format!("decision-{}", &key.simple().to_string()[..12]);
            values.insert("item".into(), item.into());
            let meeting = meeting_id(p.period);
            let exists =
                p.s.api
                    .query(AnyQuery::Support(synergy_support::Query::Meeting {
                        partnership: p.id.clone(),
                        meeting: meeting.clone(),
                    }))
                    .await;
            match exists {
                Ok(serde_json::Value::Null) => {}
                Ok(_) => {
                    values.insert("meeting".into(), meeting.as_str().into());
                }
                Err(e) => return unavailable(lang_of(&p.headers), Some(&p.viewer), &e),
            }
            let spec = DECISION.spec();
            run(&p.s, &p.viewer.caller(), &p.view, spec, values, Some(key)).await
        }
    };
    p.answer(outcome, "decision").await
}

/// `POST …/review/meeting`: schedules the period's review meeting (`step=schedule`), or
/// records it as held (`step=hold`) with the answer to each agenda question as its
/// minutes and its decisions.
pub async fn record_meeting(p: ReviewPost) -> Response {
    let meeting = meeting_id(p.period).as_str().to_owned();
    let (meeting_form, decided) = if posted(&p.form, "step") == "hold" {
        let minutes = minutes_of(&p.form);
        (&HOLD, [("meeting", meeting), ("minutes", minutes)].to_vec())
    } else {
        let decided = [
            ("meeting", meeting),
            ("kind", "regular_review".to_owned()),
            ("period", p.period.to_string()),
        ];
        (&SCHEDULE, decided.to_vec())
    };
    let outcome = match meeting_form.values(&p.id, &p.form) {
        Err(refused) => Err(refused),
        Ok(mut values) => {
            for (name, value) in decided {
                values.insert(name.into(), value.into());
            }
            let spec = meeting_form.spec();
            run(&p.s, &p.viewer.caller(), &p.view, spec, values, p.key()).await
        }
    };
    p.answer(outcome, "meeting").await
}

/// The minutes of a held review: each agenda question answered, under the question, then
/// the other notes. Empty when nothing was written, which the command refuses by name.
fn minutes_of(form: &Posted) -> String {
    let mut parts = Vec::new();
    for (name, answer) in form {
        let Some(n) = name.strip_prefix("answer_") else {
            continue;
        };
        let question = posted(form, &format!("question_{n}"));
        if !answer.trim().is_empty() {
            parts.push(format!("{question}\n{}", answer.trim()));
        }
    }
    let notes = posted(form, "notes");
    if !notes.is_empty() {
        parts.push(notes.to_owned());
    }
    parts.join("\n\n")
}

/// `POST …/review/issues`: the pack frozen as its next version, issued by the viewer.
pub async fn issue_pack(p: ReviewPost) -> Response {
    let caller = p.viewer.caller();
    let outcome = match caller.may(&p.view, auth::Who::Either, "issuing a report") {
        Err(refused) => Err(refused.into()),
        Ok(()) => {
            p.s.api
                .issue_report(IssueRequest {
                    principal: caller.principal.clone(),
                    partnership: p.id.clone(),
                    period: p.period,
                    kind: ReportKind::Review,
                    as_of: today(&p.s, &p.view.time_zone),
                })
                .await
                .map(|issued| issued.position)
                .map_err(|e| Problem::from(e).into())
        }
    };
    p.answer(outcome, "versions").await
}

/// `GET …/review/versions/{n}?period=P`: an issued version exactly as it was frozen, laid
/// out as the live pack is.
pub async fn frozen_version(
    State(s): State<GatewayState>,
    headers: HeaderMap,
    viewer: Viewer,
    Path((id, version)): Path<(String, u32)>,
    Query(q): Query<ReviewArgs>,
) -> Response {
    let lang = lang_of(&headers);
    let (id, view) = match scoped(&s, &headers, &viewer, id).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let Ok(Some(period)) = review_period(q.period.as_deref(), &Words::new(lang)) else {
        return see_other(&format!("/app/partnerships/{id}/review"));
    };
    let frozen = match s
        .api
        .issued_report(&id, ReportKind::Review, period, version)
        .await
    {
        Ok(json) => Json::parse(&json)
            .ok()
            .and_then(|v| Report::from_json(&v).ok()),
        Err(ApiError::NotFound(_)) => None,
        Err(e) => return unavailable(lang, Some(&viewer), &e),
    };
    let w = Words::new(lang);
    let title = w.with(
        "meeting-version-title",
        &[("n", &version.to_string()), ("period", &period.to_string())],
    );
    let back = format!("/app/partnerships/{id}/review?period={period}");
    let body = html! {
        p.sub.noprint { a href=(back) { (w.t("meeting-back")) } " · " (view.manufacturer) " / " (view.distributor) }
        @match &frozen {
            Some(r) => article #pack { (pack_markup(&w, r)) },
            None => p #no-data { (w.t("meeting-version-none")) },
        }
    };
    let status = if frozen.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    html_response(status, page(&w, &title, &back, Some(&viewer), body))
}

fn pack_markup(w: &Words, r: &Report) -> Markup {
    blocks_markup(
        &layout::document(r, Width::Page, &w.report),
        w,
        &chart::charts(r, &chart::Labels::of(&w.report)),
    )
}

/// The page: the pack, the meeting, the versions; `problem` a period that does not read,
/// `refused` the form refused and why, `kept` what was typed into it.
fn render(
    w: &Words,
    viewer: &Viewer,
    l: &Loaded,
    problem: Option<&str>,
    refused: Option<(&str, &Refusal)>,
    kept: &Posted,
) -> Markup {
    let id = &l.id;
    let title = match l.period {
        Some(p) => w.with(
            "meeting-title",
            &[("id", id.as_str()), ("period", &p.to_string())],
        ),
        None => w.with("meeting-title-no-period", &[("id", id.as_str())]),
    };
    let action = format!("/app/partnerships/{id}/review");
    let here = match l.period {
        Some(p) => format!("{action}?period={p}"),
        None => action.clone(),
    };
    let refused_at = |form: &str| refused.filter(|(f, _)| *f == form).map(|(_, r)| r);
    let body = html! {
        p.sub { a.noprint href={ "/app/partnerships/" (id) } { (id) } " · " (l.view.manufacturer) " / " (l.view.distributor) }
        @if let Some(e) = problem { p.error #problem role="alert" { (e) } }
        form.inline #choose method="get" action=(action) {
            label { (w.t("period-label"))
                input name="period" value=(l.period.map(|p| p.to_string()).unwrap_or_default()) placeholder="2008-H1" size="10";
            }
            button type="submit" { (w.t("show-button")) }
            span.hint { (w.t("meeting-period-hint")) }
        }
        @if let Some(period) = l.period {
            @match &l.pack {
                Some(r) => article #pack { (pack_markup(w, r)) },
                None => p #no-data { (w.t("no-data")) },
            }
            (meeting_markup(w, viewer, l, period, refused_at("meeting"), kept))
            (decision_markup(w, viewer, id, period, refused_at("decision"), kept))
            (versions_markup(w, viewer, l, period, refused_at("versions").map(|r| refusal_markup(w, r))))
        }
    };
    page(w, &title, &here, Some(viewer), body)
}

fn refusal_markup(w: &Words, r: &Refusal) -> Markup {
    let field = r.field.as_deref().map(|f| {
        let id = format!("meeting-field-{f}");
        let label = w.t(&id);
        if label == id { f.to_owned() } else { label }
    });
    html! {
        div.error #refused role="alert" {
            p { (w.t("meeting-refused")) }
            p {
                @if let Some(field) = &field { strong { (field) } ": " }
                @if r.message.is_empty() { (w.t("meeting-required")) } @else { (r.message) }
            }
            p.hint { (w.with("rule-code", &[("rule", &r.rule)])) @if let Some(f) = &r.field { " · " code { (f) } } }
        }
    }
}

/// A form's own key: a resubmission of the same form is a retry of one command.
fn new_key() -> Uuid {
    Uuid::from_bytes(rand::random())
}

fn hidden(viewer: &Viewer, period: Period) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(viewer.session.csrf);
        input type="hidden" name="period" value=(period.to_string());
        input type="hidden" name="key" value=(new_key().to_string());
    }
}

/// The period's review meeting: its record once held; else the form that records it (or
/// schedules it first).
fn meeting_markup(
    w: &Words,
    viewer: &Viewer,
    l: &Loaded,
    period: Period,
    refused: Option<&Refusal>,
    kept: &Posted,
) -> Markup {
    let action = format!("/app/partnerships/{}/review/meeting", l.id);
    html! {
        section #meeting {
            h2 { (w.t("meeting-heading")) }
            @if let Some(r) = refused { (refusal_markup(w, r)) }
            @match &l.meeting {
                None => {
                    p { (w.t("meeting-none")) }
                    form.stack.noprint #schedule method="post" action=(action) {
                        (hidden(viewer, period))
                        input type="hidden" name="step" value="schedule";
                        (SCHEDULE.inputs(w, kept, &[("title", w.with("meeting-default-title", &[("period", &period.to_string())]))], refused, None))
                        button type="submit" { (w.t("meeting-schedule-button")) }
                    }
                }
                Some(m) => {
                    p.sub { (m.title) " · " (w.with("meeting-scheduled-on", &[("date", &m.scheduled_on.to_string())])) }
                    @match &m.status {
                        MeetingStatus::Held(held) => {
                            p { (w.with("meeting-held-on", &[("date", &held.held_on.to_string())])) }
                            @if !held.attendees.is_empty() {
                                p { (w.t("meeting-field-attendees")) ": "
                                    (held.attendees.iter().map(|a| format!("{} ({})", a.name, a.org)).collect::<Vec<_>>().join(" · ")) }
                            }
                            h3 { (w.t("meeting-field-minutes")) }
                            div.md #minutes { (held.minutes) }
                            h3 { (w.t("meeting-field-decisions")) }
                            @if held.decisions.is_empty() { p { (w.t("meeting-decisions-none")) } }
                            ol #decisions { @for d in &held.decisions { li { (d) } } }
                        }
                        MeetingStatus::Cancelled { reason } => {
                            p { (w.with("meeting-cancelled", &[("reason", reason)])) }
                        }
                        MeetingStatus::Scheduled => {
                            form.stack.wide.noprint #hold method="post" action=(action) {
                                (hidden(viewer, period))
                                input type="hidden" name="step" value="hold";
                                @let attendees = format!("{}:\n{}:", l.view.manufacturer, l.view.distributor);
                                @let minutes = html! {
                                    @for (n, question) in m.agenda.iter().enumerate() {
                                        input type="hidden" name={ "question_" (n) } value=(question);
                                        label { (question) textarea name={ "answer_" (n) } rows="2" { (kept_or(kept, &format!("answer_{n}"), "")) } }
                                    }
                                    label { (w.t("meeting-notes")) textarea name="notes" rows="2" { (kept_or(kept, "notes", "")) } }
                                };
                                (HOLD.inputs(w, kept, &[("attendees", attendees)], refused, Some(("minutes", minutes))))
                                button type="submit" { (w.t("meeting-hold-button")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn kept_or(kept: &Posted, name: &str, default: &str) -> String {
    kept.iter()
        .find(|(k, _)| k == name)
        .map_or_else(|| default.to_owned(), |(_, v)| v.clone())
}

/// A decision of the meeting, raised as an action item of one side with a due date.
fn decision_markup(
    w: &Words,
    viewer: &Viewer,
    id: &PartnershipId,
    period: Period,
    refused: Option<&Refusal>,
    kept: &Posted,
) -> Markup {
    html! {
        section.noprint #decision {
            h2 { (w.t("meeting-decision-heading")) }
            p.hint { (w.t("meeting-decision-hint")) }
            @if let Some(r) = refused { (refusal_markup(w, r)) }
            form.inline #record-decision method="post" action={ "/app/partnerships/" (id) "/review/decisions" } {
                (hidden(viewer, period))
                (DECISION.inputs(w, kept, &[], refused, None))
                button type="submit" { (w.t("meeting-decision-button")) }
            }
        }
    }
}

/// The pack's issued versions, newest first: who issued each and what it restated, each
/// linked to its frozen page; and the form that issues the next.
fn versions_markup(
    w: &Words,
    viewer: &Viewer,
    l: &Loaded,
    period: Period,
    refused: Option<Markup>,
) -> Markup {
    let link = |n: &str| {
        format!(
            "/app/partnerships/{}/review/versions/{n}?period={period}",
            l.id
        )
    };
    let issue = html! {
        form.inline.noprint #issue method="post" action={ "/app/partnerships/" (l.id) "/review/issues" } {
            (hidden(viewer, period))
            button type="submit" { (w.t("meeting-issue-button")) }
            span.hint { (w.t("meeting-issue-hint")) }
        }
    };
    versions_table(w, &l.versions, Some(&link), refused, issue)
}
