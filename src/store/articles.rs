//! Articles: storing a feed's entries (one transaction per batch, through `ingest`) and
//! reading them back by id, URL or time.

use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};

#[cfg(test)]
use super::codec::signature_key;
use super::codec::{decode, id_from, listed_from, listed_value, time_from_key};
use super::{ingest, near_dup, Store, StoreError};
use crate::fingerprint::Signature;
use crate::model::{Article, Entry};

/// What storing one feed's entries did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    /// Articles stored for the first time.
    pub new: usize,
    /// Articles already stored whose content changed.
    pub updated: usize,
    /// Articles already stored as they are.
    pub unchanged: usize,
    /// Articles that joined a story already told by another (new ones, and updated ones
    /// that found their story); the other new articles each began a story.
    pub joined: usize,
    /// Of those, the ones that joined as a copy of a member's text (republished wire copy).
    pub copies: usize,
    /// New articles that joined no story: each began one.
    pub founded: usize,
    /// Stories merged into another, because an article joined both.
    pub merged: usize,
    /// Entries whose article retention removed while their feed still lists them: not
    /// stored again.
    pub pruned: usize,
}

/// Which articles to list.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// Only this language.
    pub lang: Option<String>,
    /// Only from this feed.
    pub feed: Option<String>,
    /// Only articles that matched this topic.
    pub topic: Option<String>,
    /// Only articles whose sort time is at or after this.
    pub since: Option<DateTime<Utc>>,
    /// At most this many.
    pub limit: Option<usize>,
}

impl ArticleFilter {
    /// Whether `article` passes the filter's language, feed, topic and time (not its limit).
    pub fn admits(&self, article: &Article) -> bool {
        let lang = self.lang.as_deref();
        lang.is_none_or(|l| article.entry.lang.lang.as_deref() == Some(l))
            && self.feed.as_deref().is_none_or(|f| article.feed == f)
            && self
                .topic
                .as_deref()
                .is_none_or(|t| article.entry.topics.iter().any(|m| m.name == t))
            && self.since.is_none_or(|since| article.sort_time() >= since)
    }
}

impl Store {
    /// Stores a feed's entries in one transaction: new URLs become articles in their stories,
    /// known URLs whose content changed are updated in place (same id and story), the rest are
    /// left alone.
    pub fn upsert_entries(
        &self,
        feed: &str,
        entries: &[Entry],
        now: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError> {
        self.check_writable()?;
        // One writer at a time: a new article's story is decided by reading what is stored, and
        // nothing may be stored between that reading and the write.
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut index = self.near_dup_index()?;
        // Before deciding: an article that left the window must not be matched.
        index.evict(now);
        let mut ingest = ingest::Ingest::new(self, &index, now);
        for entry in entries {
            ingest.add(feed, entry)?;
        }
        let (counts, fingerprinted, refingerprinted) = ingest.commit()?;
        crate::failpoint::pause("ingest.committed");
        for f in fingerprinted {
            index.insert(f.id, now, f.lang, f.signature, Some(f.happening));
        }
        for f in refingerprinted {
            index.update(f.id, f.lang, f.signature, f.happening);
        }
        Ok(counts)
    }

    /// The near-duplicate index, built from the stored signatures on first use.
    pub(super) fn near_dup_index(&self) -> Result<MutexGuard<'_, near_dup::NearDupIndex>, StoreError> {
        if self.near_dups.get().is_none() {
            let built = self.build_near_dup_index(Utc::now())?;
            // Another thread may have built it meanwhile; both read the same records.
            let _ = self.near_dups.set(Mutex::new(built));
        }
        let index = self.near_dups.get().expect("set above");
        Ok(index.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn build_near_dup_index(&self, now: DateTime<Utc>) -> Result<near_dup::NearDupIndex, StoreError> {
        let window = self.dedup_window();
        let mut index =
            near_dup::NearDupIndex::new(window, chrono::Duration::hours(near_dup::EVENT_WINDOW_HOURS));
        let horizon = now - window;
        // Ids grow with time, so records come oldest first, as the index wants them.
        for item in self.fingerprints.scan_prefix(b"S") {
            let (key, value) = item?;
            let id = id_from(&key[1..], "fingerprints")?;
            let record = match near_dup::decode_record(&value) {
                Some(record) => record,
                // A signature stored alone, before records carried language and time.
                None => match (Signature::from_bytes(&value), self.article(id)?) {
                    (Some(signature), Some(article)) => near_dup::StoredRecord {
                        signature,
                        lang: near_dup::lang_code(article.entry.lang.lang.as_deref()),
                        at: article.fetched,
                        happening: None,
                    },
                    _ => continue,
                },
            };
            if record.at >= horizon {
                index.insert(id, record.at, record.lang, record.signature, record.happening);
            }
        }
        // Buckets kept in the store by earlier versions: the index replaces them.
        let legacy: Vec<sled::IVec> = self
            .fingerprints
            .scan_prefix(b"B")
            .keys()
            .collect::<Result<_, _>>()?;
        for key in legacy {
            self.fingerprints.remove(key)?;
        }
        Ok(index)
    }

    /// Which of these canonical URLs are stored already, or were and went by retention
    /// (their page is not fetched again). A pruned URL listed again at `now` is remembered for
    /// another `keep` from then.
    pub fn known_urls(&self, urls: &[String], now: DateTime<Utc>) -> Result<Vec<bool>, StoreError> {
        urls.iter()
            .map(|u| {
                if self.by_url.contains_key(u.as_bytes())? {
                    return Ok(true);
                }
                match self.pruned_listed(u)? {
                    Some(listed) => {
                        if super::retention::stale(listed, now) {
                            self.check_writable()?;
                            self.pruned_urls.insert(u.as_bytes(), &listed_value(now))?;
                        }
                        Ok(true)
                    }
                    None => Ok(false),
                }
            })
            .collect()
    }

    /// When a feed last listed this URL after retention removed its article.
    pub(super) fn pruned_listed(&self, url: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self
            .pruned_urls
            .get(url.as_bytes())?
            .and_then(|v| listed_from(&v)))
    }

    /// One article by id.
    pub fn article(&self, id: u64) -> Result<Option<Article>, StoreError> {
        self.articles
            .get(id.to_be_bytes())?
            .map(|b| decode("articles", &b))
            .transpose()
    }

    /// One article by URL (canonicalised by the caller).
    pub fn article_by_url(&self, url: &str) -> Result<Option<Article>, StoreError> {
        match self.by_url.get(url.as_bytes())? {
            Some(id) => self.article(id_from(&id, "article_by_url")?),
            None => Ok(None),
        }
    }

    /// Articles newest first, filtered.
    pub fn list(&self, filter: &ArticleFilter) -> Result<Vec<Article>, StoreError> {
        let limit = filter.limit.unwrap_or(usize::MAX);
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        self.scan(filter, |article| {
            out.push(article);
            Ok(out.len() < limit)
        })?;
        Ok(out)
    }

    /// Hands `visit` every article matching `filter` (its `limit` aside), newest first, one
    /// at a time, until it answers `false`: a reader that keeps a few of many never holds
    /// them all.
    pub fn scan(
        &self,
        filter: &ArticleFilter,
        visit: impl FnMut(Article) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        self.scan_where(filter, |_| true, visit)
    }

    /// [`Store::scan`] over the articles whose id `wanted` accepts, asked before each is read.
    pub fn scan_where(
        &self,
        filter: &ArticleFilter,
        wanted: impl Fn(u64) -> bool,
        mut visit: impl FnMut(Article) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        for item in self.by_time.iter().rev() {
            let (key, _) = item?;
            if let Some(since) = filter.since {
                // Keys descend in time, so the first one before `since` ends the scan.
                if time_from_key(&key) < since.timestamp_micros() {
                    break;
                }
            }
            let id = id_from(&key[8..], "article_by_time")?;
            if !wanted(id) {
                continue;
            }
            let Some(article) = self.article(id)? else {
                continue;
            };
            if !filter.admits(&article) {
                continue;
            }
            if !visit(article)? {
                break;
            }
        }
        Ok(())
    }

    /// Number of articles stored.
    pub fn article_count(&self) -> usize {
        self.articles.len()
    }

    /// Counts over every stored article: by language, by feed, by day of publication (or of
    /// fetching, when the feed gave no date), and the number of stories.
    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let mut stats = StoreStats::default();
        for item in self.articles.iter() {
            let (_, value) = item?;
            let article: Article = decode("articles", &value)?;
            stats.articles += 1;
            let lang = article
                .entry
                .lang
                .lang
                .clone()
                .unwrap_or_else(|| "unknown".into());
            *stats.by_language.entry(lang).or_default() += 1;
            *stats.by_feed.entry(article.feed.clone()).or_default() += 1;
            let day = article.entry.published.unwrap_or(article.fetched).date_naive();
            *stats.by_day.entry(day.to_string()).or_default() += 1;
        }
        // Stories of several articles have a record and one member record each; an article
        // alone is a story without records.
        let (mut several, mut members) = (0usize, 0usize);
        for item in self.stories.iter() {
            let (key, _) = item?;
            match key.first() {
                Some(b'S') => several += 1,
                Some(b'M') => members += 1,
                _ => {}
            }
        }
        stats.stories = stats.articles.saturating_sub(members) + several;
        stats.store_bytes = self.db.size_on_disk()?;
        Ok(stats)
    }
}

/// What [`Store::stats`] counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoreStats {
    /// Articles stored.
    pub articles: usize,
    /// Stories they form.
    pub stories: usize,
    /// Bytes the database takes on disk.
    pub store_bytes: u64,
    /// Articles per language (`unknown` when none was detected).
    pub by_language: std::collections::BTreeMap<String, usize>,
    /// Articles per feed.
    pub by_feed: std::collections::BTreeMap<String, usize>,
    /// Articles per day (UTC), `YYYY-MM-DD`.
    pub by_day: std::collections::BTreeMap<String, usize>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::fingerprint;
    use crate::model::{FeedState, LangGuess, LangMethod};

    fn entry(url: &str, title: &str, published: &str) -> Entry {
        Entry {
            url: url.into(),
            link: url.into(),
            title: title.into(),
            text: format!("{title} body"),
            summary: None,
            published: Some(published.parse().unwrap()),
            updated: None,
            authors: vec![],
            topics: vec![],
            links: vec![],
            cited: vec![],
            fingerprint: None,
            event: Default::default(),
            lang: LangGuess {
                lang: Some("en".into()),
                confidence: 1.0,
                method: LangMethod::Text,
            },
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-11-28T12:00:00Z".parse().unwrap()
    }

    /// An article as the pipeline's judges see it.
    fn judged(url: &str, title: &str, text: &str, lang: &str) -> Entry {
        let mut e = entry(url, title, "2026-11-27T08:00:00Z");
        e.text = text.into();
        crate::pipeline::Judges::default().judge_entry(crate::model::Unjudged {
            entry: e,
            lang_hint: Some(lang.into()),
        })
    }

    #[test]
    fn stats_count_articles_stories_languages_feeds_and_days() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let text = "Sixty-five states signed the United Nations Convention against Cybercrime \
            in Hanoi on Saturday, the first global treaty on crime in cyberspace in two decades. \
            The convention was adopted by the General Assembly last December after five years \
            of negotiations in Vienna and New York.";
        let wire = judged(
            "https://wire.example/a",
            "States sign UN cybercrime treaty",
            text,
            "en",
        );
        let copy = judged(
            "https://paper.example/b",
            "UN cybercrime treaty signed",
            text,
            "en",
        );
        let mut other = entry("https://other.example/c", "Autre chose", "2026-11-25T10:00:00Z");
        other.lang.lang = Some("fr".into());
        store.upsert_entries("wire", &[wire], now()).unwrap();
        store.upsert_entries("paper", &[copy], now()).unwrap();
        store.upsert_entries("other", &[other], now()).unwrap();
        let stats = store.stats().unwrap();
        assert_eq!((stats.articles, stats.stories), (3, 2), "{stats:?}");
        assert_eq!(stats.by_language["en"], 2);
        assert_eq!(stats.by_language["fr"], 1);
        assert_eq!(stats.by_feed["paper"], 1);
        assert_eq!(stats.by_day["2026-11-27"], 2);
        assert_eq!(stats.by_day["2026-11-25"], 1);
        assert!(stats.store_bytes > 0);
    }

    #[test]
    fn an_updated_text_is_fingerprinted_again_and_finds_its_story() {
        let dir = tempfile::tempdir().unwrap();
        let wire_text = "Sixty-five states signed the United Nations Convention against Cybercrime \
            in Hanoi on Saturday, the first global treaty on crime in cyberspace in two decades. \
            The convention was adopted by the General Assembly last December after five years \
            of negotiations in Vienna and New York, and enters into force ninety days after the \
            fortieth ratification. Rights groups urged states to apply its safeguards.";
        let wire = judged(
            "https://wire.example/signing",
            "Sixty-five states sign UN cybercrime treaty",
            wire_text,
            "en",
        );
        // A placeholder first, then the paper's copy of the wire text under the same URL.
        let stub = judged(
            "https://paper.example/live",
            "Live: the day in world news",
            "Follow our live coverage of the day's events around the world, updated through the afternoon with reports from our correspondents.",
            "en",
        );
        let mut copy = judged(
            "https://paper.example/live",
            "UN cybercrime treaty signed by 65 states",
            wire_text,
            "en",
        );
        copy.url = stub.url.clone();
        {
            let store = Store::open(dir.path()).unwrap();
            store
                .upsert_entries("wire", std::slice::from_ref(&wire), now())
                .unwrap();
            store
                .upsert_entries("paper", std::slice::from_ref(&stub), now())
                .unwrap();
            let paper = store.article_by_url(&stub.url).unwrap().unwrap().id;
            let wire_id = store.article_by_url(&wire.url).unwrap().unwrap().id;
            assert_ne!(store.story_of(paper).unwrap(), store.story_of(wire_id).unwrap());
            let counts = store
                .upsert_entries("paper", std::slice::from_ref(&copy), now())
                .unwrap();
            assert_eq!(counts.updated, 1);
            assert_eq!(store.story_of(paper).unwrap(), store.story_of(wire_id).unwrap());
            store.flush().unwrap();
        }
        // Reopened, the index is built from the stored records: the new text's.
        let store = Store::open(dir.path()).unwrap();
        let paper = store.article_by_url(&stub.url).unwrap().unwrap().id;
        let signature = crate::fingerprint::fingerprint(&copy.title, wire_text, Some("en")).unwrap();
        let found = store.near_duplicates(Some("en"), &signature).unwrap();
        assert!(found.iter().any(|(id, _)| *id == paper), "{found:?}");
    }

    /// Stores each entry from its own feed, in turn; then the story of a URL.
    fn store_each<'a>(store: &'a Store, entries: &[(&str, &Entry)]) -> impl Fn(&str) -> u64 + 'a {
        for (feed, e) in entries {
            store
                .upsert_entries(feed, std::slice::from_ref(*e), now())
                .unwrap();
        }
        move |url: &str| {
            let id = store.article_by_url(url).unwrap().unwrap().id;
            store.story_of(id).unwrap()
        }
    }

    #[test]
    fn a_long_translation_joins_its_original_by_its_shape() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let en = judged(
            "https://harbour.example/depot",
            "Old tram depot stays open",
            "The city council voted late last night to keep the old tram depot open. \
             Residents had gathered outside for hours. \
             Councillor Lindqvist said the building would become a workshop for young carpenters, \
             a library and a small museum about the tram line that served the harbour district for almost a century. \
             Critics called the plan expensive. \
             The depot was built from red brick and still has its original iron roof. \
             Work should start next spring. \
             Local shops expect more visitors once the museum opens its doors. \
             A public meeting will follow. \
             The vote passed by a wide margin after a long and sometimes heated debate that lasted well past midnight.",
            "en",
        );
        // Translated with the third sentence split in two; it names nothing rare but the
        // councillor.
        let fr = judged(
            "https://quotidien.example/depot",
            "Le vieux dépôt de tramways reste ouvert",
            "Le conseil municipal a voté tard hier soir pour garder ouvert le vieux dépôt de tramways. \
             Des habitants attendaient dehors depuis des heures. \
             La conseillère Lindqvist a dit que le bâtiment abriterait un atelier pour jeunes charpentiers et une bibliothèque. \
             Il accueillera aussi un petit musée de la ligne de tramway qui a desservi le port pendant près d'un siècle. \
             Les critiques jugent le projet coûteux. \
             Le dépôt, en brique rouge, garde encore son toit de fer d'origine. \
             Les travaux commenceront au printemps. \
             Les commerces du quartier attendent plus de visiteurs après l'ouverture du musée. \
             Une réunion publique suivra. \
             Le vote a été acquis à une large majorité après un débat long et parfois vif qui a duré bien après minuit.",
            "fr",
        );
        // Another text naming her, as long, its sentences in another order of lengths.
        let es = judged(
            "https://diario.example/puerto",
            "El puerto amplía su terminal",
            "La autoridad portuaria presentó ayer un plan para ampliar la terminal de pasajeros con dos muelles nuevos y un edificio de llegadas. \
             Costará mucho. \
             La arquitecta Lindqvist dirigirá el proyecto. \
             Las obras durarán tres años y empezarán en cuanto el gobierno regional apruebe la financiación prevista. \
             Habrá más ferris. \
             Los vecinos temen más tráfico en las calles cercanas al puerto durante los meses de verano. \
             Nadie votó en contra. \
             El alcalde dijo que la terminal atraerá a más cruceros y creará empleo en el barrio. \
             Fin del plan.",
            "es",
        );
        assert_eq!(en.event.shape.len() + 1, fr.event.shape.len());
        let story = store_each(&store, &[("harbour", &en), ("quotidien", &fr), ("diario", &es)]);
        assert_eq!(
            story(&fr.url),
            story(&en.url),
            "{:?}",
            en.event.shape_distance(&fr.event)
        );
        assert_ne!(story(&es.url), story(&en.url));
        let fr_id = store.article_by_url(&fr.url).unwrap().unwrap().id;
        let reasons = store.join_reasons(story(&en.url)).unwrap();
        let (_, why) = reasons.iter().find(|(m, _)| *m == fr_id).expect("a member");
        assert!(
            matches!(
                why,
                Some(super::super::JoinReason::Details {
                    translation: true,
                    ..
                })
            ),
            "{why:?}"
        );
    }

    #[test]
    fn a_translation_joins_its_original_and_a_look_alike_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let en = judged(
            "https://wire.example/fires",
            "Forest fires in Morocco burn 7,800 hectares",
            "Forest fires near Agadir have burned 7,800 hectares since Tuesday, officials said. \
             About 1,250 firefighters and 14 aircraft were deployed. \
             The fires forced 3,400 residents to leave their homes on 12 November.",
            "en",
        );
        let fr = judged(
            "https://journal.example/incendies",
            "Au Maroc, des incendies de forêt ravagent 7 800 hectares",
            "Les incendies de forêt près d'Agadir ont brûlé 7 800 hectares depuis mardi, selon les autorités. \
             Quelque 1 250 pompiers et 14 avions ont été mobilisés. \
             Les feux ont contraint 3 400 habitants à quitter leur domicile le 12 novembre.",
            "fr",
        );
        // Another fire, told with the same sentences: another country, other counts.
        let other = judged(
            "https://diario.example/incendios",
            "Los incendios forestales en Túnez arrasan 2.600 hectáreas",
            "Los incendios forestales cerca de Sfax han quemado 2.600 hectáreas desde el martes, según las autoridades. \
             Unos 1.250 bomberos y 14 aviones fueron desplegados. \
             Los incendios obligaron a 900 vecinos a abandonar sus casas el 12 de noviembre.",
            "es",
        );
        let story = store_each(&store, &[("wire", &en), ("journal", &fr), ("diario", &other)]);
        assert_eq!(story(&fr.url), story(&en.url));
        assert_ne!(story(&other.url), story(&en.url));
        // Why: the details both say, each with its weight.
        let en_id = store.article_by_url(&en.url).unwrap().unwrap().id;
        let fr_id = store.article_by_url(&fr.url).unwrap().unwrap().id;
        let reasons = store.join_reasons(story(&en.url)).unwrap();
        let (_, why) = reasons.iter().find(|(m, _)| *m == fr_id).expect("a member");
        match why {
            Some(super::super::JoinReason::Details {
                with,
                translation,
                shared,
                ..
            }) => {
                assert_eq!(*with, en_id);
                assert!(*translation, "three sentences of like lengths");
                let names: Vec<&str> = shared.iter().map(|(d, _)| d.as_str()).collect();
                for detail in [
                    "number:7800",
                    "number:1250",
                    "number:3400",
                    "date:11-24",
                    "date:11-12",
                ] {
                    assert!(names.contains(&detail), "{detail} in {names:?}");
                }
                // Agadir, by its GeoNames id; Morocco adds nothing to its city.
                assert!(
                    names.iter().any(|d| d.starts_with("place:geonames:")),
                    "{names:?}"
                );
                assert!(!names.contains(&"place:MA"));
                assert!(shared.iter().all(|(_, w)| *w > 0.0));
            }
            other => panic!("joined by {other:?}"),
        }
        assert!(
            reasons.iter().any(|(m, r)| *m == en_id && r.is_none()),
            "the founder"
        );
    }

    #[test]
    fn upsert_is_idempotent_and_updates_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = entry("https://a/1", "One", "2026-11-01T00:00:00Z");
        let b = entry("https://a/2", "Two", "2026-11-02T00:00:00Z");
        let c = store.upsert_entries("f", &[a.clone(), b.clone()], now()).unwrap();
        assert_eq!(
            c,
            UpsertCounts {
                new: 2,
                updated: 0,
                unchanged: 0,
                founded: 2,
                ..UpsertCounts::default()
            }
        );
        let c = store.upsert_entries("f", &[a.clone(), b.clone()], now()).unwrap();
        assert_eq!(
            c,
            UpsertCounts {
                new: 0,
                updated: 0,
                unchanged: 2,
                ..UpsertCounts::default()
            }
        );

        let id = store.article_by_url("https://a/1").unwrap().unwrap().id;
        let edited = Entry {
            title: "One, edited".into(),
            published: Some("2026-11-03T00:00:00Z".parse().unwrap()),
            ..a
        };
        let c = store.upsert_entries("f", &[edited], now()).unwrap();
        assert_eq!(
            c,
            UpsertCounts {
                new: 0,
                updated: 1,
                unchanged: 0,
                ..UpsertCounts::default()
            }
        );
        let article = store.article(id).unwrap().unwrap();
        assert_eq!(article.entry.title, "One, edited");
        assert_eq!(article.changed, Some(now()));
        // The time index moved with the new date: still two entries, edited one first.
        let listed = store.list(&ArticleFilter::default()).unwrap();
        assert_eq!(listed.iter().map(|a| a.id).collect::<Vec<_>>().len(), 2);
        assert_eq!(listed[0].entry.title, "One, edited");
    }

    const WIRE: &str = "More than sixty countries signed the United Nations Convention against Cybercrime at a \
        ceremony in Hanoi on Saturday, opening a new chapter in cooperation on electronic evidence. The treaty \
        enters into force ninety days after the fortieth ratification.";

    /// An entry as the judges leave it: language set, fingerprint computed.
    fn article(url: &str, lang: &str, text: &str) -> Entry {
        let mut e = entry(url, "Title", "2026-11-01T00:00:00Z");
        e.text = text.to_string();
        e.lang.lang = Some(lang.into());
        e.fingerprint = fingerprint(&e.title, &e.text, Some(lang));
        e
    }

    #[test]
    fn copies_citations_and_shared_sources_make_one_story() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let original = article("https://wire.example/a", "en", WIRE);
        store.upsert_entries("wire", &[original], now()).unwrap();
        let a = store
            .article_by_url("https://wire.example/a")
            .unwrap()
            .unwrap()
            .id;
        assert_eq!(
            store.story_of(a).unwrap(),
            a,
            "a first article starts its own story"
        );

        // A republished copy with a new headline line under another URL.
        let copy = article(
            "https://paper.example/b",
            "en",
            &format!("UPDATE: {WIRE} Rights groups objected."),
        );
        // A translation that cites the original.
        let mut translation = article(
            "https://vi.example/c",
            "vi",
            "Hơn 60 quốc gia đã ký Công ước tại Hà Nội.",
        );
        translation.cited = vec!["https://wire.example/a".into()];
        // Another outlet citing the same source as the translation... and a later article that
        // the first one turns out to cite.
        let mut sibling = article(
            "https://ar.example/d",
            "ar",
            "وقعت أكثر من ستين دولة على الاتفاقية في هانوي.",
        );
        sibling.cited = vec!["https://source.example/original".into()];
        let mut cousin = article(
            "https://fr.example/e",
            "fr",
            "Plus de soixante États ont signé la convention.",
        );
        cousin.cited = vec!["https://source.example/original".into()];
        let counts = store
            .upsert_entries("mixed", &[copy, translation, sibling, cousin], now())
            .unwrap();
        // The copy and the translation join the wire's story, the cousin the sibling's.
        assert_eq!(
            (
                counts.new,
                counts.joined,
                counts.copies,
                counts.founded,
                counts.merged
            ),
            (4, 3, 1, 1, 0)
        );
        let id = |u: &str| store.article_by_url(u).unwrap().unwrap().id;
        assert_eq!(store.story_of(id("https://paper.example/b")).unwrap(), a);
        assert_eq!(store.story_of(id("https://vi.example/c")).unwrap(), a);
        let d = id("https://ar.example/d");
        assert_eq!(store.story_of(id("https://fr.example/e")).unwrap(), d);
        assert_ne!(store.story_of(d).unwrap(), a);

        // The source itself arrives, and it links to the wire story: the two stories merge
        // into the older one, and the younger id still resolves.
        let mut source = article("https://source.example/original", "en", "A short source note.");
        source.links = vec!["https://wire.example/a".into()];
        let counts = store.upsert_entries("src", &[source], now()).unwrap();
        assert_eq!((counts.joined, counts.founded, counts.merged), (1, 0, 1));
        for url in [
            "https://ar.example/d",
            "https://fr.example/e",
            "https://source.example/original",
        ] {
            assert_eq!(store.story_of(id(url)).unwrap(), a, "{url}");
        }
        let merged = store.story(d).unwrap().unwrap();
        assert_eq!(merged.id, a);
        assert_eq!(merged.size, 6);
        assert_eq!(store.story_members(d).unwrap().len(), 6);
        assert_eq!(store.stories_of(&ArticleFilter::default()).unwrap().len(), 1);
        // A story of one has no record, and is its article's.
        assert_eq!(store.story_members(12345).unwrap(), vec![12345]);
    }

    #[test]
    fn look_alikes_same_site_links_and_other_languages_stay_apart() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let first = article("https://wire.example/a", "en", WIRE);
        // Shares its opening clause, then tells another story.
        let look_alike = article(
            "https://wire.example/b",
            "en",
            "More than sixty countries signed a trade pact in Geneva on Saturday, cutting tariffs on farm goods \
             and machinery. Ministers said talks on services would follow next spring.",
        );
        // Links to the first, but from the same site: a "related" box, not a citation.
        let mut related = article(
            "https://www.wire.example/c",
            "en",
            "Markets rallied as the central bank held rates steady.",
        );
        related.links = vec!["https://wire.example/a".into()];
        // The same words in a record marked as another language are not compared.
        let other_lang = article("https://wire.example/d", "fr", WIRE);
        store
            .upsert_entries("wire", &[first, look_alike, related, other_lang], now())
            .unwrap();
        assert_eq!(store.stories_of(&ArticleFilter::default()).unwrap().len(), 4);
    }

    #[test]
    fn the_near_duplicate_index_is_rebuilt_from_stored_signatures() {
        let dir = tempfile::tempdir().unwrap();
        let first = {
            let store = Store::open(dir.path()).unwrap();
            store
                .upsert_entries("wire", &[article("https://wire.example/a", "en", WIRE)], now())
                .unwrap();
            store.flush().unwrap();
            store
                .article_by_url("https://wire.example/a")
                .unwrap()
                .unwrap()
                .id
        };
        // A new process: the index starts empty and is rebuilt on first use.
        let store = Store::open(dir.path()).unwrap();
        let copy = article(
            "https://reposter.example/b",
            "en",
            &format!("{WIRE} Reporting by staff."),
        );
        store.upsert_entries("reposter", &[copy], now()).unwrap();
        let second = store
            .article_by_url("https://reposter.example/b")
            .unwrap()
            .unwrap()
            .id;
        assert_eq!(store.story_of(second).unwrap(), first);

        // Articles stored longer ago than the window are not found by likeness.
        let later = now() + store.dedup_window() + chrono::Duration::days(1);
        let late = article("https://late.example/c", "en", WIRE);
        store.upsert_entries("late", &[late], later).unwrap();
        let third = store
            .article_by_url("https://late.example/c")
            .unwrap()
            .unwrap()
            .id;
        assert_eq!(store.story_of(third).unwrap(), third);
    }

    #[test]
    fn the_window_is_configurable() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.set_dedup_window(chrono::Duration::days(1));
        store
            .upsert_entries("wire", &[article("https://wire.example/a", "en", WIRE)], now())
            .unwrap();
        let copy = article("https://reposter.example/b", "en", WIRE);
        store
            .upsert_entries("reposter", &[copy], now() + chrono::Duration::days(2))
            .unwrap();
        let second = store
            .article_by_url("https://reposter.example/b")
            .unwrap()
            .unwrap()
            .id;
        assert_eq!(store.story_of(second).unwrap(), second);
    }

    #[test]
    fn a_store_of_the_first_layout_is_read() {
        // Signatures stored alone and buckets kept in sled, as the first version wrote them.
        let dir = tempfile::tempdir().unwrap();
        let first = {
            let store = Store::open(dir.path()).unwrap();
            let original = article("https://wire.example/a", "en", WIRE);
            store
                .upsert_entries("wire", std::slice::from_ref(&original), now())
                .unwrap();
            let id = store
                .article_by_url("https://wire.example/a")
                .unwrap()
                .unwrap()
                .id;
            let signature = fingerprint(&original.title, &original.text, Some("en")).unwrap();
            store
                .fingerprints
                .insert(signature_key(id), signature.to_bytes())
                .unwrap();
            store
                .fingerprints
                .insert(b"Ben\0\x03bucketkey", &id.to_be_bytes())
                .unwrap();
            store.flush().unwrap();
            id
        };
        let store = Store::open(dir.path()).unwrap();
        let copy = article("https://reposter.example/b", "en", WIRE);
        store.upsert_entries("reposter", &[copy], now()).unwrap();
        let second = store
            .article_by_url("https://reposter.example/b")
            .unwrap()
            .unwrap()
            .id;
        assert_eq!(store.story_of(second).unwrap(), first);
        assert_eq!(
            store.fingerprints.scan_prefix(b"B").count(),
            0,
            "old buckets are removed"
        );
    }

    #[test]
    fn another_feed_does_not_overwrite_an_article() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let original = entry("https://a/1", "One", "2026-11-01T00:00:00Z");
        let copy = Entry {
            text: "a shorter summary".into(),
            summary: None,
            ..original.clone()
        };
        store
            .upsert_entries("first", std::slice::from_ref(&original), now())
            .unwrap();
        for _ in 0..2 {
            let c = store
                .upsert_entries("second", std::slice::from_ref(&copy), now())
                .unwrap();
            assert_eq!(
                c,
                UpsertCounts {
                    new: 0,
                    updated: 0,
                    unchanged: 1,
                    ..UpsertCounts::default()
                }
            );
            let c = store
                .upsert_entries("first", std::slice::from_ref(&original), now())
                .unwrap();
            assert_eq!(
                c,
                UpsertCounts {
                    new: 0,
                    updated: 0,
                    unchanged: 1,
                    ..UpsertCounts::default()
                }
            );
        }
        let stored = store.article_by_url("https://a/1").unwrap().unwrap();
        assert_eq!(
            (stored.feed.as_str(), stored.entry.text.as_str()),
            ("first", "One body")
        );
    }

    #[test]
    fn list_filters_and_orders_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut old = entry("https://a/old", "Old", "1969-07-20T20:17:00Z");
        old.lang.lang = Some("fr".into());
        let mid = entry("https://a/mid", "Mid", "2026-10-01T00:00:00Z");
        let new = entry("https://a/new", "New", "2026-11-20T00:00:00Z");
        store.upsert_entries("f", &[mid, old, new], now()).unwrap();
        let titles = |f: &ArticleFilter| -> Vec<String> {
            store
                .list(f)
                .unwrap()
                .into_iter()
                .map(|a| a.entry.title)
                .collect()
        };
        assert_eq!(titles(&ArticleFilter::default()), ["New", "Mid", "Old"]);
        assert_eq!(
            titles(&ArticleFilter {
                lang: Some("fr".into()),
                ..Default::default()
            }),
            ["Old"]
        );
        assert_eq!(
            titles(&ArticleFilter {
                since: Some("2026-09-01T00:00:00Z".parse().unwrap()),
                ..Default::default()
            }),
            ["New", "Mid"]
        );
        assert_eq!(
            titles(&ArticleFilter {
                limit: Some(1),
                ..Default::default()
            }),
            ["New"]
        );
        assert!(titles(&ArticleFilter {
            feed: Some("other".into()),
            ..Default::default()
        })
        .is_empty());
    }

    #[test]
    fn survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            store
                .upsert_entries("f", &[entry("https://a/1", "One", "2026-11-01T00:00:00Z")], now())
                .unwrap();
            store
                .put_feed_state(
                    "f",
                    &FeedState {
                        consecutive_failures: 3,
                        ..Default::default()
                    },
                )
                .unwrap();
            store.flush().unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.article_count(), 1);
        assert_eq!(store.feed_state("f").unwrap().unwrap().consecutive_failures, 3);
    }
}
