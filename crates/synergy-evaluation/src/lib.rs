//! The "+1" evaluation mechanism: folds every committed event into read models and computes
//! market, brand, scorecard and review-pack reports with exact KPI arithmetic, and renders
//! them (JSON, CSV, Markdown, HTML with SVG charts). Not yet built: see issue 5.
