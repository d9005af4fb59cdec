//! Uploads as people write them, over real HTTP: a workbook as Excel writes it, checked
//! (`?check=true`, nothing recorded) and then recorded, answering the sheet it read and
//! the columns it ignored; a workbook of several sheets needing `?sheet=`; a rejection
//! naming its sheet.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};
use synergy_eventlog::EventLog;
use synergy_gateway::Limits;
use synergy_proto::Role;
use synergy_runtime::SystemClock;
use synergy_testkit::spreadsheets::market_data_as_excel_writes_it;

mod common;

use common::Server;

const P: &str = "hy-cz";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const MARKET: &str = "period,sku,volume_cases,revenue_yuan,closing_stock_cases,outlets_stocking,outlets_selling,avg_retail_price_yuan
2008-05,hy-soft,1100.5,15000000.25,300,2800,2500,191.50
2008-05,ALL,11000,119000000,,5100,,
2008-06,hy-soft,1200.125,16500000,310,2900,2600,192
2008-06,ALL,11300,121000000,,5200,,
";

impl Server {
    async fn post(&self, path: &str, token: &str, ct: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn head(&self) -> u64 {
        self.api.log().head().await.unwrap().get()
    }
}

/// A signed partnership whose catalogue holds `hy-soft`: the distributor's token.
async fn setup(s: &Server) -> String {
    let m = s.token("hongyun", Role::Manufacturer);
    let d = s.token("changzhi", Role::Distributor);
    let sign = json!({"partnership": P, "manufacturer": "hongyun", "distributor": "changzhi",
                      "region": "長治", "signed_on": "2007-01-15"});
    let (st, _) = s
        .post(
            "/v1/partnerships",
            &m,
            "application/json",
            sign.to_string().into(),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, _) = s
        .post(
            &format!("/v1/partnerships/{P}/acceptance"),
            &d,
            "application/json",
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let catalogue = "品牌,規格,名稱,價類,指導價\nhongyun,hy-soft,紅雲(軟),2,190.00\n";
    // Checked first: nothing is recorded, and the answer says what would be.
    let head = s.head().await;
    let (st, body) = s
        .post(
            &format!("/v1/partnerships/{P}/catalogue?check=true"),
            &m,
            "text/csv",
            catalogue.into(),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["checked"], json!(true), "{body}");
    assert_eq!(body["events"], json!(["SkuRegistered"]), "{body}");
    assert_eq!(s.head().await, head);
    let (st, body) = s
        .post(
            &format!("/v1/partnerships/{P}/catalogue"),
            &m,
            "text/csv",
            catalogue.into(),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["checked"], json!(false), "{body}");
    d
}

#[tokio::test]
async fn a_workbook_as_excel_writes_it_is_checked_then_recorded() {
    let s = Server::embedded(Limits::default(), Arc::new(SystemClock)).await;
    let d = setup(&s).await;
    let path = format!("/v1/partnerships/{P}/market-data");
    let book = market_data_as_excel_writes_it(MARKET, "五六月").unwrap();

    let head = s.head().await;
    let (st, checked) = s
        .post(&format!("{path}?check=true"), &d, XLSX, book.clone())
        .await;
    assert_eq!(st, StatusCode::OK, "{checked}");
    assert_eq!(checked["checked"], json!(true));
    assert_eq!(checked["position"], Value::Null);
    assert_eq!(
        checked["events"],
        json!(["MarketDataSubmitted", "MarketDataSubmitted"])
    );
    assert_eq!(checked["sheet"], json!("五六月"));
    assert_eq!(
        checked["warnings"],
        json!([{"line": 1, "column": "備註", "rule": "import.column_ignored",
                "reason": "\"備註\" is not a column of this import; its cells are ignored"}])
    );
    assert_eq!(s.head().await, head, "a check moved the log's head");

    let (st, recorded) = s.post(&path, &d, XLSX, book.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{recorded}");
    assert_eq!(recorded["checked"], json!(false));
    assert_eq!(recorded["events"], checked["events"]);
    assert_eq!(recorded["version"], checked["version"]);
    assert_eq!(recorded["sheet"], json!("五六月"));
    assert_eq!(recorded["warnings"], checked["warnings"]);
    assert!(s.head().await > head);

    // What was recorded is what the plain CSV holds: the same file again as CSV changes
    // nothing.
    let (st, again) = s.post(&path, &d, "text/csv", MARKET.into()).await;
    assert_eq!(st, StatusCode::OK, "{again}");
    assert_eq!(again["events"], json!([]), "{again}");

    // A correction's check without a reason is refused as the upload would be.
    let head = s.head().await;
    let changed =
        market_data_as_excel_writes_it(&MARKET.replace("1200.125", "1300"), "六月").unwrap();
    let (st, refused) = s
        .post(&format!("{path}?check=true"), &d, XLSX, changed.clone())
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["rule"],
        json!("market_data.correction_needs_reason"),
        "{refused}"
    );
    let (st, body) = s
        .post(
            &format!("{path}?check=true&reason=keyed%20wrong"),
            &d,
            XLSX,
            changed,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["events"], json!(["MarketDataCorrected"]), "{body}");
    assert_eq!(s.head().await, head);
}

#[tokio::test]
async fn several_sheets_need_a_chosen_one_and_a_rejection_names_its_sheet() {
    let s = Server::embedded(Limits::default(), Arc::new(SystemClock)).await;
    let d = setup(&s).await;
    let path = format!("/v1/partnerships/{P}/market-data");
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, month) in [("五月", "2008-05"), ("六月", "2008-06")] {
        let sheet = book.add_worksheet().set_name(name).unwrap();
        for (r, line) in MARKET
            .lines()
            .filter(|l| l.starts_with("period") || l.starts_with(month))
            .enumerate()
        {
            for (c, cell) in line.split(',').enumerate() {
                if !cell.is_empty() {
                    sheet.write_string(r as u32, c as u16, cell).unwrap();
                }
            }
        }
    }
    let book = book.save_to_buffer().unwrap();

    let (st, body) = s.post(&path, &d, XLSX, book.clone()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["errors"][0]["rule"],
        json!("import.several_sheets"),
        "{body}"
    );
    let (st, body) = s
        .post(
            &format!("{path}?sheet=%E5%85%AD%E6%9C%88"),
            &d,
            XLSX,
            book.clone(),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["sheet"], json!("六月"));

    // A rejected workbook names the sheet its lines are rows of.
    let bad =
        market_data_as_excel_writes_it(&MARKET.replace("1100.5", "1100.5005"), "數據").unwrap();
    let (st, body) = s.post(&path, &d, XLSX, bad).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["sheet"], json!("數據"), "{body}");
    assert_eq!(body["errors"][0]["line"], json!(2), "{body}");
    assert_eq!(body["errors"][0]["column"], json!("volume_cases"), "{body}");

    // A JSON upload has no sheets: asking for one is a 422 naming the parameter (the
    // query is well formed; it asks for what a JSON body lacks).
    let (st, body) = s
        .post(
            &format!("{path}?sheet=x"),
            &d,
            "application/json",
            b"{\"rows\":[]}".to_vec(),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], json!("sheet"), "{body}");
    assert_eq!(body["rule"], json!("import.sheet_only_in_xlsx"), "{body}");
}
