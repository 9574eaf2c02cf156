//! Progress bars on standard error, shown only to a person at a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// Width of the label column: the longest stage name of the library
/// ("near-duplicates", "candidate table").
const LABEL: usize = 15;

fn visible(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// A count with thousands separators: 5,419.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rate of items: whole numbers from 10 a second up, one decimal below.
fn rate(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        "0/s".to_string()
    } else if per_sec < 10.0 {
        format!("{per_sec:.1}/s")
    } else {
        format!("{}/s", grouped(per_sec.round() as u64))
    }
}

fn with_rate(style: ProgressStyle) -> ProgressStyle {
    style.with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = w.write_str(&rate(s.per_sec()));
    })
}

fn template(kind: &str) -> String {
    let label = format!("{{msg:>{LABEL}}}");
    match kind {
        "bytes" => {
            format!("{label} [{{bar:30}}] {{bytes}}/{{total_bytes}} ({{bytes_per_sec}}, {{eta}})")
        }
        "bytes?" => format!("{label} {{spinner}} {{bytes}} ({{bytes_per_sec}})"),
        "items" => format!("{label} [{{bar:30}}] {{human_pos}}/{{human_len}} ({{rate}}, {{eta}})"),
        _ => format!("{label} {{spinner}} {{elapsed}}"),
    }
}

/// A bar counting bytes of input; a spinner when the total is unknown.
pub fn bytes(total: Option<u64>, quiet: bool, message: &str) -> ProgressBar {
    let bar = match total {
        Some(t) => ProgressBar::new(t).with_style(
            ProgressStyle::with_template(&template("bytes"))
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template(&template("bytes?"))
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    finish_setup(bar, quiet, message)
}

/// A bar counting items; a spinner with the elapsed time when the library
/// does not know how many (a total of 0), never a full bar for "0 of 0".
pub fn items(total: u64, quiet: bool, message: &str) -> ProgressBar {
    let bar = if total == 0 {
        ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template(&template("spinner"))
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        )
    } else {
        ProgressBar::new(total).with_style(
            with_rate(
                ProgressStyle::with_template(&template("items"))
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            )
            .progress_chars("=> "),
        )
    };
    finish_setup(bar, quiet, message)
}

fn finish_setup(bar: ProgressBar, quiet: bool, message: &str) -> ProgressBar {
    if visible(quiet) {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.enable_steady_tick(Duration::from_millis(200));
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_message(message.to_string());
    bar
}

/// Progress bars for the stages of long library work (a scan's stages, a
/// batch of traces, an evaluation): one bar a stage.
pub struct Bars {
    quiet: bool,
    bar: std::sync::Mutex<Option<ProgressBar>>,
}

impl Bars {
    pub fn new(quiet: bool) -> Bars {
        Bars {
            quiet,
            bar: std::sync::Mutex::new(None),
        }
    }
}

impl tessera::progress::Progress for Bars {
    fn start(&self, stage: &str, total: u64) {
        let bar = items(total, self.quiet, stage);
        if let Ok(mut b) = self.bar.lock()
            && let Some(old) = b.replace(bar)
        {
            old.finish_and_clear();
        }
    }
    fn advance(&self, n: u64) {
        if let Ok(b) = self.bar.lock()
            && let Some(bar) = b.as_ref()
        {
            bar.inc(n);
        }
    }
    fn finish(&self) {
        if let Ok(mut b) = self.bar.lock()
            && let Some(bar) = b.take()
        {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_whole_numbers_with_separators() {
        assert_eq!(rate(5_419.850_1), "5,420/s");
        assert_eq!(rate(1_234_567.4), "1,234,567/s");
        assert_eq!(rate(12.5), "13/s");
        assert_eq!(rate(3.25), "3.2/s");
        assert_eq!(rate(0.0), "0/s");
        assert_eq!(rate(f64::INFINITY), "0/s");
    }

    #[test]
    fn every_template_parses_and_labels_fit_the_longest_stage() {
        for kind in ["bytes", "bytes?", "items", "spinner"] {
            assert!(
                ProgressStyle::with_template(&template(kind)).is_ok(),
                "{kind}"
            );
        }
        for stage in [
            "near-duplicates",
            "candidate table",
            "documents",
            "committing",
        ] {
            assert!(stage.chars().count() <= LABEL, "{stage}");
        }
    }

    #[test]
    fn an_unknown_total_is_a_spinner_not_a_full_bar() {
        assert_eq!(items(0, true, "clusters").length(), None);
        assert_eq!(items(7, true, "pairs").length(), Some(7));
    }
}
