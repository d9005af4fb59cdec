//! The OpenAPI 3 document, generated from the handlers' annotations so that it describes
//! what the server really accepts and returns.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::text::Shape;
use crate::{portfolio, reads, routes, uploads, webhooks};

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token `syn_<id>_<secret>`, bound to an organisation and a role",
                    ))
                    .build(),
            ),
        );
        let table = format!(
            "\n\n## Error codes\n\nEvery error is JSON `{{code, message, rule?, field?, errors?}}`.\n\n{}",
            synergy_domain::error_code_table()
        );
        // Optional headers are absent or a value, never JSON null (which utoipa derives for
        // `Option`): a header cannot carry null.
        for item in openapi.paths.paths.values_mut() {
            for op in [&mut item.get, &mut item.post, &mut item.delete]
                .into_iter()
                .flatten()
            {
                for param in op.parameters.iter_mut().flatten() {
                    let shape = match param.name.as_str() {
                        "Idempotency-Key" => Shape::Uuid,
                        "X-Act-As" => Shape::Id,
                        _ => continue,
                    };
                    param.schema = Some(shape.schema().into());
                }
            }
        }
        let description = openapi.info.description.get_or_insert_with(String::new);
        description.push_str(&table);
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Synergy",
        description = "The 5+1 collaborative marketing API: partnerships and plans (strategy), campaigns (marketing), the brand portfolio, market data, forecasts and orders (information), meetings, action items and support requests (support), and reports (evaluation). Amounts travel as decimal strings (cases to 3 decimals, yuan to 2), dates as YYYY-MM-DD, months as YYYY-MM, periods as 2008-06, 2008-Q2, 2008-H1 or 2008.",
        version = "1"
    ),
    paths(
        portfolio::list_partnerships,
        portfolio::get_portfolio,
        portfolio::get_history,
        webhooks::register,
        webhooks::list,
        webhooks::get_one,
        webhooks::remove,
        routes::get_partnership,
        uploads::import_catalogue,
        routes::get_catalogue,
        uploads::import_market_data,
        routes::get_report,
        routes::get_plan_gap,
        routes::get_value_realised,
        routes::get_issued_report,
        routes::healthz,
        routes::metrics,
        routes::openapi,
    )
)]
struct Doc;

/// The gateway's OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = Doc::openapi();
    // The reads' operations come from their entries in `reads.rs`; the header schemas
    // `Security` sets hold for them too, so it runs once they are in.
    doc.merge(reads::Doc::openapi());
    Security.modify(&mut doc);
    crate::declared::document(&mut doc);
    doc
}
