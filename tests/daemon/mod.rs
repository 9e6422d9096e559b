//! The daemon issue: bounded, polite fetching and the long-running `run`.

mod fetching;
mod run;
