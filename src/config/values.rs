//! Human-written values in the config: durations ("15m", "30s") and byte sizes ("10MiB").

use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// Parses a human duration such as `"15m"`, `"1h 30m"` or `"30s"`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("invalid duration '{text}' ({e}); write it like \"30s\", \"15m\" or \"6h\""))
}

/// Parses a byte size such as `"10MiB"`, `"500 KB"` or `"1048576"`.
pub fn parse_byte_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("invalid size '{text}'; write it like \"10MiB\" or \"500KB\""))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "kib" | "k" => 1 << 10,
        "mb" => 1_000_000,
        "mib" | "m" => 1 << 20,
        "gb" => 1_000_000_000,
        "gib" | "g" => 1 << 30,
        other => {
            return Err(format!(
                "invalid size unit '{other}' in '{text}'; use B, KB, KiB, MB, MiB, GB or GiB"
            ))
        }
    };
    Ok((number * factor as f64) as u64)
}

/// A duration written by a human, for optional fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        duration(d).map(HumanDuration)
    }
}

/// A byte size written by a human, for optional fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        byte_size(d).map(ByteSize)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StringOrNumber {
    String(String),
    Number(u64),
}

/// Serde adapter for durations written as strings, or as a number of seconds.
pub(super) fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    match StringOrNumber::deserialize(d)? {
        StringOrNumber::String(s) => parse_duration(&s).map_err(serde::de::Error::custom),
        StringOrNumber::Number(n) => Ok(Duration::from_secs(n)),
    }
}

/// Serde adapter for byte sizes written as strings, or as a number of bytes.
pub(super) fn byte_size<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match StringOrNumber::deserialize(d)? {
        StringOrNumber::String(s) => parse_byte_size(&s).map_err(serde::de::Error::custom),
        StringOrNumber::Number(n) => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("1h 30m").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_byte_size("10MiB").unwrap(), 10 << 20);
        assert_eq!(parse_byte_size("500 KB").unwrap(), 500_000);
        assert_eq!(parse_byte_size("42").unwrap(), 42);
        assert!(parse_byte_size("3 parsecs").is_err());
        assert!(parse_byte_size("MiB").is_err());
    }
}
