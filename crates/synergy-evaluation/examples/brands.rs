//! Prints the 2008-H1 market report of a partnership carrying twenty brands (or the first
//! `n`), to look at how its charts hold up: `cargo run -p synergy-evaluation --example
//! brands -- [n] [md|json|csv|html]`.

#[path = "../tests/common/mod.rs"]
mod common;

use synergy_evaluation::{build, render};

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args
        .first()
        .map_or(Ok(common::BRANDS.len()), |a| a.parse())
        .map_err(|e| format!("n: {e}"))?;
    let format = args.get(1).map_or("html", String::as_str).parse()?;
    let brands = common::BRANDS
        .get(..n)
        .ok_or_else(|| format!("n: at most {}", common::BRANDS.len()))?;
    let world = common::many_brands(brands);
    let report = build(
        "market".parse()?,
        &world.model,
        common::p("2008-H1"),
        common::d("2008-08-05"),
    );
    print!("{}", render(&report, format));
    Ok(())
}
