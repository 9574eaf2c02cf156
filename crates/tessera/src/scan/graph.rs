//! The outlet copy graph: an edge from outlet A to outlet B sums the
//! passages B took from A (pairs whose source is A's and whose copy is
//! B's), their characters, B's copying documents and the median delay.
//! Written as the `copy_graph` table, as CSV and as GraphML (for Gephi).
//! Documents without an outlet form one node: its outlet is null in the
//! table, an empty cell in CSV, and the node `(no outlet)` in GraphML,
//! where every node needs an id.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use arrow_schema::DataType;
use serde_json::Value;

use super::ScanSummary;
use super::docs::{Docs, NO_OUTLET};
use super::output::{TableWriter, nullable, required, write_atomic};
use super::pairs::PairRow;
use crate::error::Result;

#[derive(Debug, Default)]
struct EdgeAcc {
    passages: u64,
    chars: u64,
    copies: BTreeSet<u32>,
    delays: Vec<i64>,
}

/// The copy graph, as pairs come.
#[derive(Debug, Default)]
pub(super) struct CopyGraph {
    /// By (source outlet, copy outlet).
    edges: BTreeMap<(u32, u32), EdgeAcc>,
}

impl CopyGraph {
    /// Counts a pair.
    pub(super) fn push(&mut self, docs: &Docs, row: &PairRow) {
        let (q, s) = (row.q, row.s);
        let (qd, sd) = (&docs.docs[q as usize], &docs.docs[s as usize]);
        let e = self.edges.entry((sd.outlet, qd.outlet)).or_default();
        e.passages += 1;
        e.chars += row.d.query_length;
        e.copies.insert(q);
        if let Some(x) = docs.delay(q, s) {
            e.delays.push(x);
        }
    }

    /// The edges, most passages first.
    fn edges(self, docs: &Docs) -> Vec<GraphEdge> {
        let mut graph: Vec<GraphEdge> = self
            .edges
            .into_iter()
            .map(|((so, co), mut acc)| {
                acc.delays.sort_unstable();
                GraphEdge {
                    source_outlet: docs.outlet(so).map(str::to_string),
                    copy_outlet: docs.outlet(co).map(str::to_string),
                    passages: acc.passages,
                    chars: acc.chars,
                    copy_documents: acc.copies.len() as u64,
                    median_delay_seconds: (!acc.delays.is_empty())
                        .then(|| acc.delays[acc.delays.len() / 2]),
                    same_outlet: so == co,
                }
            })
            .collect();
        graph.sort_by(|a, b| {
            b.passages
                .cmp(&a.passages)
                .then(a.source_outlet.cmp(&b.source_outlet))
                .then(a.copy_outlet.cmp(&b.copy_outlet))
        });
        graph
    }

    /// Writes the graph as CSV, GraphML and the `copy_graph` table.
    pub(super) fn finish(self, docs: &Docs, out: &Path, summary: &mut ScanSummary) -> Result<()> {
        let graph = self.edges(docs);
        let mut outlet_docs: BTreeMap<u32, u64> = BTreeMap::new();
        for d in &docs.docs {
            *outlet_docs.entry(d.outlet).or_default() += 1;
        }
        let outlet_docs: Vec<(Option<String>, u64)> = outlet_docs
            .into_iter()
            .map(|(o, n)| (docs.outlet(o).map(str::to_string), n))
            .collect();
        write_graph(out, &graph, &outlet_docs)?;
        use DataType::{Boolean, Int64, Utf8};
        let columns = vec![
            nullable("source_outlet", Utf8),
            nullable("copy_outlet", Utf8),
            required("passages", Int64),
            required("chars", Int64),
            required("copy_documents", Int64),
            nullable("median_delay_seconds", Int64),
            required("same_outlet", Boolean),
        ];
        let mut graph_out = TableWriter::new(out, "copy_graph", columns)?;
        for e in &graph {
            graph_out.push(&serde_json::to_value(e).unwrap_or(Value::Null))?;
        }
        summary.graph_edges = graph_out.finish()?;
        Ok(())
    }
}

/// A node or edge attribute for GraphML.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => {}
            c => out.push(c),
        }
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One edge of the outlet copy graph.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GraphEdge {
    /// The outlet copied from (publishing the earlier document); `None`
    /// for the documents without an outlet.
    pub source_outlet: Option<String>,
    /// The outlet that copied; `None` for the documents without an outlet.
    pub copy_outlet: Option<String>,
    /// Passage pairs.
    pub passages: u64,
    /// Code points copied (copy side).
    pub chars: u64,
    /// Documents of the copying outlet involved.
    pub copy_documents: u64,
    /// Median delay between source and copy, in seconds, when both are dated.
    pub median_delay_seconds: Option<i64>,
    /// Whether source and copy belong to the same outlet.
    pub same_outlet: bool,
}

/// Writes the copy graph as `copy_graph.csv` and `copy_graph.graphml`.
pub(crate) fn write_graph(
    dir: &Path,
    edges: &[GraphEdge],
    outlet_docs: &[(Option<String>, u64)],
) -> Result<()> {
    let csv_path = dir.join("copy_graph.csv");
    let mut csv = String::from(
        "source_outlet,copy_outlet,passages,chars,copy_documents,median_delay_seconds,same_outlet\n",
    );
    for e in edges {
        csv.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            csv_field(e.source_outlet.as_deref().unwrap_or("")),
            csv_field(e.copy_outlet.as_deref().unwrap_or("")),
            e.passages,
            e.chars,
            e.copy_documents,
            e.median_delay_seconds
                .map_or(String::new(), |d| d.to_string()),
            e.same_outlet
        ));
    }
    write_atomic(&csv_path, csv.as_bytes())?;
    let mut g = String::from(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n",
        "  <key id=\"documents\" for=\"node\" attr.name=\"documents\" attr.type=\"long\"/>\n",
        "  <key id=\"passages\" for=\"edge\" attr.name=\"passages\" attr.type=\"long\"/>\n",
        "  <key id=\"chars\" for=\"edge\" attr.name=\"chars\" attr.type=\"long\"/>\n",
        "  <key id=\"copy_documents\" for=\"edge\" attr.name=\"copy_documents\" attr.type=\"long\"/>\n",
        "  <key id=\"median_delay_seconds\" for=\"edge\" attr.name=\"median_delay_seconds\" attr.type=\"long\"/>\n",
        "  <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\"/>\n",
        "  <graph id=\"copies\" edgedefault=\"directed\">\n"
    ));
    for (outlet, docs) in outlet_docs {
        g.push_str(&format!(
            "    <node id=\"{}\"><data key=\"documents\">{docs}</data></node>\n",
            xml_escape(outlet.as_deref().unwrap_or(NO_OUTLET))
        ));
    }
    for (k, e) in edges.iter().enumerate() {
        g.push_str(&format!(
            "    <edge id=\"e{k}\" source=\"{}\" target=\"{}\"><data key=\"passages\">{}</data><data key=\"chars\">{}</data><data key=\"copy_documents\">{}</data>{}<data key=\"weight\">{}</data></edge>\n",
            xml_escape(e.source_outlet.as_deref().unwrap_or(NO_OUTLET)),
            xml_escape(e.copy_outlet.as_deref().unwrap_or(NO_OUTLET)),
            e.passages,
            e.chars,
            e.copy_documents,
            e.median_delay_seconds
                .map_or(String::new(), |d| format!("<data key=\"median_delay_seconds\">{d}</data>")),
            e.passages
        ));
    }
    g.push_str("  </graph>\n</graphml>\n");
    write_atomic(&dir.join("copy_graph.graphml"), g.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_files_escape_names() {
        let dir = tempfile::tempdir().expect("tempdir");
        let edges = vec![GraphEdge {
            source_outlet: Some("A & \"B\"".into()),
            copy_outlet: Some("C,D".into()),
            passages: 3,
            chars: 400,
            copy_documents: 2,
            median_delay_seconds: Some(60),
            same_outlet: false,
        }];
        write_graph(
            dir.path(),
            &edges,
            &[(Some("A & \"B\"".into()), 5), (Some("C,D".into()), 2)],
        )
        .expect("graph");
        let csv = std::fs::read_to_string(dir.path().join("copy_graph.csv")).expect("csv");
        assert!(
            csv.contains("A & \"\"B\"\"") && csv.contains("\"C,D\""),
            "{csv}"
        );
        let g = std::fs::read_to_string(dir.path().join("copy_graph.graphml")).expect("graphml");
        assert!(g.contains("A &amp; &quot;B&quot;"), "{g}");
        assert!(g.contains("edgedefault=\"directed\""));
    }

    #[test]
    fn a_missing_outlet_is_an_empty_csv_cell_and_a_named_graphml_node() {
        let dir = tempfile::tempdir().expect("tempdir");
        let edges = vec![GraphEdge {
            source_outlet: None,
            copy_outlet: Some("C".into()),
            passages: 1,
            chars: 10,
            copy_documents: 1,
            median_delay_seconds: None,
            same_outlet: false,
        }];
        write_graph(dir.path(), &edges, &[(None, 3), (Some("C".into()), 1)]).expect("graph");
        let csv = std::fs::read_to_string(dir.path().join("copy_graph.csv")).expect("csv");
        assert_eq!(csv.lines().nth(1), Some(",C,1,10,1,,false"));
        let g = std::fs::read_to_string(dir.path().join("copy_graph.graphml")).expect("graphml");
        assert!(g.contains("<node id=\"(no outlet)\">"), "{g}");
        assert!(g.contains("source=\"(no outlet)\" target=\"C\""), "{g}");
    }
}
