//! The `feeds` tree: what the store remembers about each feed between polls
//! ([`FeedState`]: health for operators, validators for cheap re-polls, the schedule).

use super::codec::{decode, encode};
use super::{Store, StoreError};
use crate::model::FeedState;

impl Store {
    /// The health and validators of one feed.
    pub fn feed_state(&self, name: &str) -> Result<Option<FeedState>, StoreError> {
        self.feeds
            .get(name.as_bytes())?
            .map(|b| decode("feeds", &b))
            .transpose()
    }

    /// Records the health and validators of one feed.
    pub fn put_feed_state(&self, name: &str, state: &FeedState) -> Result<(), StoreError> {
        self.feeds.insert(name.as_bytes(), encode(state))?;
        Ok(())
    }

    /// Every feed's state, by name.
    pub fn feed_states(&self) -> Result<Vec<(String, FeedState)>, StoreError> {
        self.feeds
            .iter()
            .map(|item| {
                let (k, v) = item?;
                let state = decode("feeds", &v)?;
                Ok((String::from_utf8_lossy(&k).into_owned(), state))
            })
            .collect()
    }
}
