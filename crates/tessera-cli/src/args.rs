//! Arguments shared by several commands: where the index is, how input
//! records are read, sizes, and the expert settings of the aligner.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use tessera::TraceConfig;
use tessera::ingest::{FieldNames, IngestOptions, InputFormat};

/// Where the index lives (shared by commands that use one).
#[derive(Debug, Clone, Args)]
pub struct IndexArg {
    /// Index directory.
    #[arg(long, env = "TESSERA_INDEX", value_name = "DIR")]
    pub index: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncodingArg {
    #[value(name = "utf-8")]
    Utf8,
    #[value(name = "windows-1252")]
    Windows1252,
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Jsonl,
    Txt,
    Html,
    Parquet,
}

/// How input records are read (shared by `index add`, `trace --jsonl` and `eval`).
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Read every input as this format instead of guessing from file names.
    #[arg(long = "input-format", value_enum, value_name = "FORMAT")]
    pub input_format: Option<FormatArg>,
    /// JSON field holding the id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_field: String,
    /// JSON field holding the text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_field: String,
    /// JSON field holding the headline.
    #[arg(long, default_value = "title", value_name = "NAME")]
    pub title_field: String,
    /// JSON field holding the outlet.
    #[arg(long, default_value = "outlet", value_name = "NAME")]
    pub outlet_field: String,
    /// JSON field holding the address.
    #[arg(long, default_value = "url", value_name = "NAME")]
    pub url_field: String,
    /// JSON field holding the ISO 8601 date.
    #[arg(long, default_value = "date", value_name = "NAME")]
    pub date_field: String,
    /// How input bytes are decoded: utf-8 (invalid bytes skip the record), windows-1252, or auto (UTF-8 when valid, else Windows-1252).
    #[arg(long, value_enum, default_value_t = EncodingArg::Utf8, value_name = "ENCODING")]
    pub input_encoding: EncodingArg,
    /// Largest document accepted (e.g. 16MiB, 500KB, 100000).
    #[arg(long, default_value = "16MiB", value_parser = parse_size, value_name = "SIZE")]
    pub max_doc_size: usize,
}

impl InputArgs {
    pub fn options(&self) -> IngestOptions {
        IngestOptions {
            fields: FieldNames {
                id: self.id_field.clone(),
                text: self.text_field.clone(),
                title: self.title_field.clone(),
                outlet: self.outlet_field.clone(),
                url: self.url_field.clone(),
                date: self.date_field.clone(),
            },
            max_doc_bytes: self.max_doc_size,
            encoding: match self.input_encoding {
                EncodingArg::Utf8 => tessera::ingest::Encoding::Utf8,
                EncodingArg::Windows1252 => tessera::ingest::Encoding::Windows1252,
                EncodingArg::Auto => tessera::ingest::Encoding::Auto,
            },
            format: self.input_format.map(|f| match f {
                FormatArg::Jsonl => InputFormat::Jsonl,
                FormatArg::Txt => InputFormat::Text,
                FormatArg::Html => InputFormat::Html,
                FormatArg::Parquet => InputFormat::Parquet,
            }),
        }
    }
}

/// Splits `12.5 MiB` into the number and the unit after it.
fn number_and_unit<'a>(s: &'a str, what: &str, example: &str) -> Result<(f64, &'a str), String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a {what} (try {example})"))?;
    Ok((n, unit.trim()))
}

/// Parses sizes such as `16MiB`, `500KB`, `2G` or `100000` into bytes.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let (n, unit) = number_and_unit(s, "size", "16MiB")?;
    let mult: f64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown size unit {other:?} (use B, KB, KiB, MB, MiB, GB, GiB)"
            ));
        }
    };
    Ok((n * mult) as usize)
}

/// Parses durations such as `30s`, `500ms`, `2m` or `1h` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let (n, unit) = number_and_unit(s, "duration", "30s")?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        other => return Err(format!("unknown duration unit {other:?} (use ms, s, m, h)")),
    };
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// Expert settings of the aligner.
#[derive(Debug, Clone, Args)]
pub struct TuningArgs {
    /// Set an aligner parameter (expert; repeatable), e.g. --set min_score=0.35 or --set max_candidates=80.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

impl TuningArgs {
    pub fn config(&self) -> Result<TraceConfig> {
        let mut c = TraceConfig::default();
        for kv in &self.set {
            let (k, v) = kv
                .split_once('=')
                .with_context(|| format!("--set {kv}: expected KEY=VALUE"))?;
            c.set(k.trim(), v.trim())
                .map_err(|e| anyhow::anyhow!("--set {kv}: {e}"))?;
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_duration, parse_size};
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3 fortnights").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16MiB"), Ok(16 << 20));
        assert_eq!(parse_size("500KB"), Ok(500_000));
        assert_eq!(parse_size("100000"), Ok(100_000));
        assert_eq!(parse_size("1.5 GB"), Ok(1_500_000_000));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("3 parsecs").is_err());
    }
}
