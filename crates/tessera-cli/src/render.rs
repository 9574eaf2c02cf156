//! The terminal report: a summary, then each passage side by side with its
//! source, substitutions highlighted.

use std::io::{self, Write};

use anstyle::{AnsiColor, Color, Style};
use tessera::report::{Detection, EditOp, TraceReport};
use unicode_width::UnicodeWidthChar;

const PALETTE: [AnsiColor; 6] = [
    AnsiColor::Cyan,
    AnsiColor::Magenta,
    AnsiColor::Blue,
    AnsiColor::Green,
    AnsiColor::Yellow,
    AnsiColor::Red,
];

fn fg(c: AnsiColor) -> Style {
    Style::new().fg_color(Some(Color::Ansi(c)))
}

fn bold() -> Style {
    Style::new().bold()
}

fn dim() -> Style {
    Style::new().dimmed()
}

fn sub_style() -> Style {
    Style::new()
        .bold()
        .fg_color(Some(Color::Ansi(AnsiColor::Black)))
        .bg_color(Some(Color::Ansi(AnsiColor::Yellow)))
}

fn ins_style() -> Style {
    Style::new()
        .bold()
        .fg_color(Some(Color::Ansi(AnsiColor::Green)))
}

fn del_style() -> Style {
    Style::new()
        .bold()
        .fg_color(Some(Color::Ansi(AnsiColor::Red)))
        .strikethrough()
}

/// Report width: `$COLUMNS` or 100, within 60..=180.
pub fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100usize)
        .clamp(60, 180)
}

fn paint(out: &mut dyn Write, style: Style, text: &str) -> io::Result<()> {
    write!(out, "{style}{text}{style:#}")
}

/// Brackets marking an edit when there is no colour to show it.
fn brackets(style: Style) -> Option<(&'static str, &'static str)> {
    if style == sub_style() {
        Some(("[", "]"))
    } else if style == ins_style() {
        Some(("{+", "+}"))
    } else if style == del_style() {
        Some(("[-", "-]"))
    } else {
        None
    }
}

/// A styled character sequence with whitespace collapsed. With `plain`
/// (no colour), each marked range is also enclosed in its brackets, so the
/// edits stay visible in a file or a pipe.
fn styled(text: &str, offset: u64, marks: &[(u64, u64, Style)], plain: bool) -> Vec<(char, Style)> {
    let mut out: Vec<(char, Style)> = Vec::with_capacity(text.len());
    let mut last_space = true;
    // The mark the last visible character was in.
    let mut open: Option<usize> = None;
    let close = |out: &mut Vec<(char, Style)>, m: usize| {
        let style = marks[m].2;
        if let Some((_, b)) = brackets(style) {
            let space = out.last().is_some_and(|(c, _)| *c == ' ');
            if space {
                out.pop();
            }
            out.extend(b.chars().map(|c| (c, style)));
            if space {
                out.push((' ', Style::new()));
            }
        }
    };
    for (k, c) in text.chars().enumerate() {
        let pos = offset + k as u64;
        if c.is_whitespace() {
            if !last_space {
                out.push((' ', Style::new()));
            }
            last_space = true;
            continue;
        }
        last_space = false;
        let mark = marks.iter().position(|(a, b, _)| *a <= pos && pos < *b);
        if plain && mark != open {
            if let Some(m) = open {
                close(&mut out, m);
            }
            if let Some(m) = mark
                && let Some((a, _)) = brackets(marks[m].2)
            {
                out.extend(a.chars().map(|c| (c, marks[m].2)));
            }
            open = mark;
        }
        let style = mark.map_or(Style::new(), |m| marks[m].2);
        out.push((c, style));
    }
    while out.last().is_some_and(|(c, _)| *c == ' ') {
        out.pop();
    }
    if plain && let Some(m) = open {
        close(&mut out, m);
    }
    out
}

/// Greedy word wrap of styled characters into lines of at most `w` columns.
fn wrap(chars: &[(char, Style)], w: usize) -> Vec<Vec<(char, Style)>> {
    let mut lines = Vec::new();
    let mut line: Vec<(char, Style)> = Vec::new();
    let mut line_w = 0;
    let mut word: Vec<(char, Style)> = Vec::new();
    let mut word_w = 0;
    let cw = |c: char| c.width().unwrap_or(0);
    let flush_word = |line: &mut Vec<(char, Style)>,
                      line_w: &mut usize,
                      word: &mut Vec<(char, Style)>,
                      word_w: &mut usize,
                      lines: &mut Vec<Vec<(char, Style)>>| {
        if word.is_empty() {
            return;
        }
        let sep = usize::from(!line.is_empty());
        if *line_w + sep + *word_w > w && !line.is_empty() {
            lines.push(std::mem::take(line));
            *line_w = 0;
        }
        if !line.is_empty() {
            line.push((' ', Style::new()));
            *line_w += 1;
        }
        for &(c, s) in word.iter() {
            if *line_w + cw(c) > w {
                lines.push(std::mem::take(line));
                *line_w = 0;
            }
            line.push((c, s));
            *line_w += cw(c);
        }
        word.clear();
        *word_w = 0;
    };
    for &(c, s) in chars {
        if c == ' ' {
            flush_word(&mut line, &mut line_w, &mut word, &mut word_w, &mut lines);
        } else {
            word.push((c, s));
            word_w += cw(c);
        }
    }
    flush_word(&mut line, &mut line_w, &mut word, &mut word_w, &mut lines);
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn write_cell(out: &mut dyn Write, cell: Option<&Vec<(char, Style)>>, w: usize) -> io::Result<()> {
    let mut used = 0;
    if let Some(cell) = cell {
        let mut k = 0;
        while k < cell.len() {
            let style = cell[k].1;
            let mut run = String::new();
            while k < cell.len() && cell[k].1 == style {
                run.push(cell[k].0);
                used += cell[k].0.width().unwrap_or(0);
                k += 1;
            }
            paint(out, style, &run)?;
        }
    }
    write!(out, "{}", " ".repeat(w.saturating_sub(used)))
}

fn slice_chars(text: &str, offset: u64, len: u64) -> String {
    text.chars()
        .skip(offset as usize)
        .take(len as usize)
        .collect()
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn excerpt(s: &str, max: usize) -> String {
    let flat = tessera::text::collapse_whitespace(s);
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// Writes the report of one article.
///
/// `source_text` returns the text of a source by id (from the index).
pub fn report(
    out: &mut dyn Write,
    r: &TraceReport,
    query_text: &str,
    source_text: &dyn Fn(&str) -> Option<String>,
    width: usize,
    max_lines: Option<usize>,
    plain: bool,
) -> io::Result<()> {
    let page = Page {
        r,
        query_text,
        source_text,
        width,
        max_lines,
        plain,
    };
    page.heading(out)?;
    if r.passages.is_empty() {
        writeln!(
            out,
            "No reused passage found: the article looks original with respect to this index."
        )?;
        return page.later_copies(out);
    }
    page.sources(out)?;
    page.later_copies(out)?;
    page.substitutions(out)?;
    for (k, p) in r.passages.iter().enumerate() {
        page.passage(out, k, p)?;
    }
    page.remainder(out)
}

/// One article's report and how to lay it out.
struct Page<'a> {
    r: &'a TraceReport,
    query_text: &'a str,
    source_text: &'a dyn Fn(&str) -> Option<String>,
    width: usize,
    max_lines: Option<usize>,
    /// No colour: edits are marked with brackets instead.
    plain: bool,
}

impl Page<'_> {
    /// The colour of a source: its rank in the list of sources.
    fn colour_of(&self, id: &str) -> Style {
        let k = self
            .r
            .sources
            .iter()
            .position(|s| s.source_id == id)
            .unwrap_or(0);
        fg(PALETTE[k % PALETTE.len()]).bold()
    }

    /// Title, query line and, when something was found, the coverage line.
    fn heading(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = self.r;
        let title = r.query_title.clone().unwrap_or_else(|| r.query_id.clone());
        paint(out, bold(), &excerpt(&title, self.width.saturating_sub(2)))?;
        writeln!(out)?;
        paint(
            out,
            dim(),
            &format!(
                "query {}{} · {} characters · {} candidate sources aligned",
                r.query_id,
                r.query_date
                    .as_ref()
                    .map(|d| format!(" · dated {d}"))
                    .unwrap_or_default(),
                r.query_length,
                r.candidates
            ),
        )?;
        writeln!(out)?;
        if r.passages.is_empty() {
            return Ok(());
        }
        writeln!(
            out,
            "Found elsewhere: {} in {} passage{} from {} source{}; original: {}",
            pct(r.coverage),
            r.passages.len(),
            if r.passages.len() == 1 { "" } else { "s" },
            r.sources.len(),
            if r.sources.len() == 1 { "" } else { "s" },
            pct(r.original_share)
        )
    }

    /// The sources, largest share first.
    fn sources(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out)?;
        paint(out, bold(), "Sources")?;
        writeln!(out)?;
        for (k, s) in self.r.sources.iter().enumerate() {
            write!(out, "  {:>2}. ", k + 1)?;
            paint(out, self.colour_of(&s.source_id), &s.source_id)?;
            let mut meta = Vec::new();
            if let Some(o) = &s.outlet {
                meta.push(o.clone());
            }
            if let Some(d) = &s.date {
                meta.push(d.chars().take(10).collect());
            }
            if !meta.is_empty() {
                write!(out, " ")?;
                paint(out, dim(), &format!("({})", meta.join(", ")))?;
            }
            writeln!(
                out,
                "  {} passage{}, {} of the article",
                s.passages,
                if s.passages == 1 { "" } else { "s" },
                pct(s.coverage)
            )?;
            if let Some(t) = &s.title {
                writeln!(out, "      {}", excerpt(t, self.width.saturating_sub(8)))?;
            }
        }
        Ok(())
    }

    /// Documents dated after the article that share passages with it.
    fn later_copies(&self, out: &mut dyn Write) -> io::Result<()> {
        let later = &self.r.later_copies;
        if later.is_empty() {
            return Ok(());
        }
        writeln!(out)?;
        paint(
            out,
            bold(),
            "Later copies (dated after the article: not sources)",
        )?;
        writeln!(out)?;
        for s in later.iter().take(12) {
            write!(out, "  {}", s.source_id)?;
            if let Some(d) = &s.date {
                paint(out, dim(), &format!(" ({d})"))?;
            }
            writeln!(out, "  {} of the article", pct(s.coverage))?;
        }
        if later.len() > 12 {
            writeln!(out, "  ... and {} more", later.len() - 12)?;
        }
        Ok(())
    }

    /// The substitutions counted over the article (the spinner's signature).
    fn substitutions(&self, out: &mut dyn Write) -> io::Result<()> {
        let subs = &self.r.substitutions;
        if subs.is_empty() {
            return Ok(());
        }
        writeln!(out)?;
        paint(out, bold(), "Substitutions (source -> article)")?;
        writeln!(out)?;
        for s in subs.iter().take(12) {
            write!(out, "  ")?;
            paint(out, fg(AnsiColor::Red).bold(), &excerpt(&s.source, 40))?;
            write!(out, " -> ")?;
            paint(out, sub_style(), &excerpt(&s.query, 40))?;
            writeln!(out, "  x{}", s.count)?;
        }
        if subs.len() > 12 {
            writeln!(out, "  ... and {} more", subs.len() - 12)?;
        }
        Ok(())
    }

    /// Passage `k`: its spans, earliest source and alternatives, the two
    /// texts side by side with the edits marked, and the edits in a line.
    fn passage(&self, out: &mut dyn Write, k: usize, p: &Detection) -> io::Result<()> {
        writeln!(out)?;
        paint(out, bold(), &format!("Passage {}", k + 1))?;
        write!(
            out,
            "  article {}..{}  from  ",
            p.query_offset,
            p.query_offset + p.query_length
        )?;
        paint(out, self.colour_of(&p.source_id), &p.source_id)?;
        write!(
            out,
            " {}..{}  score {:.2}",
            p.source_offset,
            p.source_offset + p.source_length,
            p.score
        )?;
        if p.reordered {
            paint(out, fg(AnsiColor::Magenta), "  reordered")?;
        }
        writeln!(out)?;
        provenance(out, p)?;
        self.side_by_side(out, p)?;
        edits_line(out, p)
    }

    /// The passage in the article and in the source, in two columns.
    fn side_by_side(&self, out: &mut dyn Write, p: &Detection) -> io::Result<()> {
        let colw = (self.width.saturating_sub(7)) / 2;
        let (qmarks, smarks) = marks(p);
        let qtext = slice_chars(self.query_text, p.query_offset, p.query_length);
        let stext = (self.source_text)(&p.source_id)
            .map(|t| slice_chars(&t, p.source_offset, p.source_length))
            .unwrap_or_default();
        let left = wrap(&styled(&qtext, p.query_offset, &qmarks, self.plain), colw);
        let right = wrap(&styled(&stext, p.source_offset, &smarks, self.plain), colw);
        let rows = left.len().max(right.len());
        let shown = self.max_lines.map_or(rows, |m| rows.min(m));
        let rule = "─".repeat(colw + 2);
        writeln!(out, "  ┌{rule}┬{rule}┐")?;
        write!(out, "  │ ")?;
        paint(out, dim(), &format!("{:<colw$}", "article"))?;
        write!(out, " │ ")?;
        paint(out, dim(), &format!("{:<colw$}", "source"))?;
        writeln!(out, " │")?;
        for i in 0..shown {
            write!(out, "  │ ")?;
            write_cell(out, left.get(i), colw)?;
            write!(out, " │ ")?;
            write_cell(out, right.get(i), colw)?;
            writeln!(out, " │")?;
        }
        if shown < rows {
            let more = format!("… {} more lines (--full shows all)", rows - shown);
            write!(out, "  │ ")?;
            paint(out, dim(), &format!("{more:<colw$}"))?;
            writeln!(out, " │ {:<colw$} │", "")?;
        }
        writeln!(out, "  └{rule}┴{rule}┘")
    }

    /// The spans of the article found nowhere.
    fn remainder(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = self.r;
        if r.original.is_empty() {
            return Ok(());
        }
        writeln!(out)?;
        paint(
            out,
            bold(),
            &format!("Original remainder ({})", pct(r.original_share)),
        )?;
        writeln!(out)?;
        for s in r.original.iter().take(8) {
            let t = slice_chars(self.query_text, s.offset, s.length);
            writeln!(
                out,
                "  {}..{}  {}",
                s.offset,
                s.offset + s.length,
                excerpt(&t, self.width.saturating_sub(16))
            )?;
        }
        if r.original.len() > 8 {
            writeln!(out, "  ... and {} more spans", r.original.len() - 8)?;
        }
        Ok(())
    }
}

/// The earliest source of a passage and the other sources that hold it.
fn provenance(out: &mut dyn Write, p: &Detection) -> io::Result<()> {
    if let Some(e) = &p.earliest {
        if e.source_id != p.source_id {
            write!(out, "  earliest source: ")?;
            paint(out, bold(), &e.source_id)?;
            writeln!(
                out,
                " ({}; holds {} of this passage)",
                e.date.as_deref().unwrap_or("undated"),
                pct(e.passage_share)
            )?;
        } else if let Some(d) = &e.date {
            paint(out, dim(), &format!("  earliest source: this one ({d})"))?;
            writeln!(out)?;
        }
    }
    if !p.alternatives.is_empty() {
        let alts: Vec<String> = p
            .alternatives
            .iter()
            .map(|a| match &a.source_date {
                Some(d) => format!(
                    "{} ({})",
                    a.source_id,
                    d.chars().take(10).collect::<String>()
                ),
                None => a.source_id.clone(),
            })
            .collect();
        paint(out, dim(), &format!("  also in: {}", alts.join(", ")))?;
        writeln!(out)?;
    }
    Ok(())
}

/// Character ranges of the edits to highlight in the query and the source.
type Marks = Vec<(u64, u64, Style)>;

fn marks(p: &Detection) -> (Marks, Marks) {
    let mut qmarks = Vec::new();
    let mut smarks = Vec::new();
    for e in &p.edits {
        let (ql, sl) = (
            e.query.chars().count() as u64,
            e.source.chars().count() as u64,
        );
        match e.op {
            EditOp::Sub => {
                qmarks.push((e.query_offset, e.query_offset + ql, sub_style()));
                smarks.push((e.source_offset, e.source_offset + sl, sub_style()));
            }
            EditOp::Ins => qmarks.push((e.query_offset, e.query_offset + ql, ins_style())),
            EditOp::Del => smarks.push((e.source_offset, e.source_offset + sl, del_style())),
        }
    }
    (qmarks, smarks)
}

/// One line counting a passage's edits, with its first substitutions.
fn edits_line(out: &mut dyn Write, p: &Detection) -> io::Result<()> {
    if p.edits.is_empty() {
        return writeln!(out, "  verbatim");
    }
    let subs: Vec<String> = p
        .edits
        .iter()
        .filter(|e| e.op == EditOp::Sub)
        .map(|e| format!("{} -> {}", excerpt(&e.source, 30), excerpt(&e.query, 30)))
        .collect();
    let (ins, del) = (
        p.edits.iter().filter(|e| e.op == EditOp::Ins).count(),
        p.edits.iter().filter(|e| e.op == EditOp::Del).count(),
    );
    let mut line = format!(
        "  edits: {} substitutions, {ins} insertions, {del} deletions",
        subs.len()
    );
    if !subs.is_empty() {
        let shown: Vec<String> = subs.iter().take(6).cloned().collect();
        line.push_str(&format!(": {}", shown.join("; ")));
        if subs.len() > 6 {
            line.push_str("; …");
        }
    }
    writeln!(out, "{line}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_respects_width_and_words() {
        let chars = styled(
            "alpha beta\n gamma   delta epsilonepsilonepsilon",
            0,
            &[],
            true,
        );
        let lines = wrap(&chars, 12);
        let text: Vec<String> = lines
            .iter()
            .map(|l| l.iter().map(|(c, _)| *c).collect())
            .collect();
        assert_eq!(text[..2], ["alpha beta", "gamma delta"]);
        assert_eq!(text[2..].concat(), "epsilonepsilonepsilon");
        assert!(
            lines
                .iter()
                .all(|l| l.iter().map(|(c, _)| c.width().unwrap_or(0)).sum::<usize>() <= 12)
        );
        let cjk = styled("中文字符中文字符中文字符", 0, &[], false);
        assert!(
            wrap(&cjk, 10).iter().all(|l| l
                .iter()
                .map(|(c, _)| c.width().unwrap_or(0))
                .sum::<usize>()
                <= 10)
        );
    }

    #[test]
    fn marks_follow_offsets() {
        let chars = styled("the US said", 100, &[(104, 106, sub_style())], false);
        let marked: String = chars
            .iter()
            .filter(|(_, s)| *s == sub_style())
            .map(|(c, _)| *c)
            .collect();
        assert_eq!(marked, "US");
    }

    #[test]
    fn without_colour_edits_are_bracketed() {
        let text: fn(&[(char, Style)]) -> String = |v| v.iter().map(|(c, _)| *c).collect();
        // "Russian Federation" substituted (a range holding a space),
        // "swiftly" inserted, at the end "today" inserted.
        let marks = [
            (4, 22, sub_style()),
            (29, 36, ins_style()),
            (46, 51, ins_style()),
        ];
        let s = "the Russian Federation said  swiftly it would today";
        assert_eq!(
            text(&styled(s, 0, &marks, true)),
            "the [Russian Federation] said {+swiftly+} it would {+today+}"
        );
        assert_eq!(
            text(&styled(s, 0, &marks, false)),
            "the Russian Federation said swiftly it would today"
        );
        let del = [(0, 3, del_style())];
        assert_eq!(text(&styled("old news", 0, &del, true)), "[-old-] news");
    }
}
