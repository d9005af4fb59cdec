//! The commands a document shows: the `sh` code blocks of one of its sections, which the
//! tests run exactly as written.

use anyhow::{Context as _, ensure};

use crate::binary::workspace_root;

/// The `sh` blocks, each as its raw lines, of the section of `file` (relative to the
/// workspace root) whose heading line starts with `heading` (`## 2.`, `## Using it`); the
/// section ends at the next `## ` heading.
pub fn sh_blocks(file: &str, heading: &str) -> anyhow::Result<Vec<Vec<String>>> {
    let text = std::fs::read_to_string(workspace_root().join(file))
        .with_context(|| format!("reading {file}"))?;
    let start = text
        .find(&format!("\n{heading}"))
        .with_context(|| format!("{file} has no heading {heading:?}"))?;
    let rest = &text[start + 1..];
    let end = rest[1..].find("\n## ").map_or(rest.len(), |i| i + 1);
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in rest[..end].lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(Vec::new()),
            (Some(_), "```") => blocks.push(current.take().unwrap_or_default()),
            (Some(block), l) => block.push(l.to_owned()),
            (None, _) => {}
        }
    }
    ensure!(
        current.is_none(),
        "an unclosed code block in {file} {heading:?}"
    );
    Ok(blocks)
}
