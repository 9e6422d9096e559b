//! Where files live by default: the XDG base directories and systemd's `$STATE_DIRECTORY`.

use std::path::PathBuf;

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn home() -> Option<PathBuf> {
    env_path("HOME")
}

/// `$XDG_CONFIG_HOME`, else `~/.config`.
pub fn xdg_config_home() -> Option<PathBuf> {
    env_path("XDG_CONFIG_HOME").or_else(|| home().map(|h| h.join(".config")))
}

/// The default store directory: systemd's `$STATE_DIRECTORY` (its first entry), else
/// `$XDG_DATA_HOME/treatywatch`, else `~/.local/share/treatywatch`.
pub fn default_store_dir() -> Option<PathBuf> {
    if let Some(state) = std::env::var_os("STATE_DIRECTORY").filter(|v| !v.is_empty()) {
        // systemd joins several StateDirectory= entries with ':'; the first is ours.
        let first = state
            .to_string_lossy()
            .split(':')
            .next()
            .unwrap_or("")
            .to_string();
        if !first.is_empty() {
            return Some(PathBuf::from(first));
        }
    }
    env_path("XDG_DATA_HOME")
        .or_else(|| home().map(|h| h.join(".local").join("share")))
        .map(|d| d.join("treatywatch"))
}
