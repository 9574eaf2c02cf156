//! Progress bars on standard error, shown only to a person at a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

fn visible(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// A bar counting bytes of input; a spinner when the total is unknown.
pub fn bytes(total: Option<u64>, quiet: bool, message: &str) -> ProgressBar {
    let bar = match total {
        Some(t) => ProgressBar::new(t).with_style(
            ProgressStyle::with_template(
                "{msg:>10} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{msg:>10} {spinner} {bytes} ({bytes_per_sec})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    finish_setup(bar, quiet, message)
}

/// A bar counting items.
pub fn items(total: u64, quiet: bool, message: &str) -> ProgressBar {
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
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
