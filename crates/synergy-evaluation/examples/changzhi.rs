//! Prints a report of the Changzhi dataset: `cargo run -p synergy-evaluation --example
//! changzhi -- [market|brand|scorecard|review] [2008-H1] [md|json|csv|html] [as-of]`.

use synergy_evaluation::{PartnershipModel, build, render};

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.to_owned());
    let kind = arg(0, "market").parse()?;
    let period = arg(1, "2008-H1").parse().map_err(|e| format!("{e}"))?;
    let format = arg(2, "md").parse()?;
    let as_of = arg(3, "2008-08-05").parse().map_err(|e| format!("{e}"))?;
    let partnership = synergy_changzhi::PARTNERSHIP
        .parse()
        .map_err(|e| format!("{e}"))?;
    let mut model = PartnershipModel::new(partnership);
    for commit in synergy_changzhi::commits() {
        model.apply(&commit);
    }
    print!("{}", render(&build(kind, &model, period, as_of), format));
    Ok(())
}
