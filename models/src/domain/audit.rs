//! The audit log's hash chain, without a database: who acts, the canonical encoding of an entry, its
//! SHA-256, and a verifier that reads entries in id order and names the first one that is broken.
//!
//! Each entry's hash covers its own fields and the previous entry's hash, and the head row records the
//! last id and hash. Changing an entry breaks its hash; removing one breaks the link of the next, or
//! leaves the head pointing past the end; re-numbering or re-ordering breaks the hashes (they cover the id).

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// `prev_hash` of the first entry, and the head's hash while the log is empty.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Starts every canonical encoding, so that a change of encoding can never produce an old hash and the
/// bytes cannot be mistaken for anything else that is hashed.
const ENCODING_TAG: &str = "riverchief-audit-v1\n";

/// Who did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::IntoStaticStr, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ActorKind {
    /// A signed-in person (web session or bearer token).
    User,
    /// A machine using an API key.
    ApiKey,
    /// A scheduled or background job.
    System,
    /// Someone at the server's command line.
    Cli,
}

/// The actor of an entry. `label` is kept even when `id` is set, so the entry still says who it was after
/// the user or key is renamed or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<i32>,
    pub label: String,
}

impl Actor {
    pub fn user(id: i32, username: &str) -> Self {
        Self { kind: ActorKind::User, id: Some(id), label: username.into() }
    }

    pub fn api_key(id: i32, name: &str) -> Self {
        Self { kind: ActorKind::ApiKey, id: Some(id), label: name.into() }
    }

    /// A job, by its `NAME`.
    pub fn system(job: &str) -> Self {
        Self { kind: ActorKind::System, id: None, label: job.into() }
    }

    /// A command-line action, e.g. `create-admin`.
    pub fn cli(what: &str) -> Self {
        Self { kind: ActorKind::Cli, id: None, label: what.into() }
    }
}

/// Everything an entry's hash covers, exactly as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryFields<'a> {
    pub id: i64,
    /// Must already be what the database gives back: whole microseconds (PostgreSQL keeps no more).
    pub at: DateTime<Utc>,
    pub actor_kind: &'a str,
    pub actor_id: Option<i32>,
    pub actor_label: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<&'a str>,
    /// Compact JSON text, hashed byte for byte as stored.
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub prev_hash: &'a str,
}

/// The bytes that are hashed: [`ENCODING_TAG`], then the eleven fields in a fixed order, each written as
/// `-\n` when absent or `+<byte length>:<UTF-8 bytes>\n` when present (numbers in decimal, `at` as
/// RFC 3339 UTC with nine fractional digits). The length prefix makes the encoding unambiguous whatever
/// the fields contain, and `-` versus `+0:` keeps `None` apart from `Some("")`. Simple enough to
/// re-implement in any language to check an exported log independently.
pub fn canonical_encoding(f: &EntryFields<'_>) -> String {
    let mut out = String::from(ENCODING_TAG);
    let id = f.id.to_string();
    let at = f.at.to_rfc3339_opts(SecondsFormat::Nanos, true);
    let actor_id = f.actor_id.map(|i| i.to_string());
    for field in [
        Some(id.as_str()),
        Some(at.as_str()),
        Some(f.actor_kind),
        actor_id.as_deref(),
        Some(f.actor_label),
        Some(f.action),
        Some(f.entity),
        f.entity_id,
        f.before,
        f.after,
        Some(f.prev_hash),
    ] {
        // Writing to a String cannot fail.
        let _ = match field {
            None => out.write_str("-\n"),
            Some(s) => writeln!(out, "+{}:{s}", s.len()),
        };
    }
    out
}

/// Lower-case hex SHA-256 of [`canonical_encoding`].
pub fn entry_hash(fields: &EntryFields<'_>) -> String {
    hex::encode(Sha256::digest(canonical_encoding(fields).as_bytes()))
}

/// The head row: where the chain ends. `last_id` is `None` while the log is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head<'a> {
    pub last_id: Option<i64>,
    pub last_hash: &'a str,
}

/// What is wrong, as a stable code for programs; the sentences in [`Verification::Broken`] are for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// The entry's contents no longer match its hash.
    Altered,
    /// The entry's `prev_hash` is not the previous entry's hash: the previous entry was rewritten
    /// (hash and all), or this entry's link was.
    Unlinked,
    /// Ids jump: the entries in between were deleted.
    Missing,
    /// An id repeats or goes backwards (only when the input is not in id order).
    OutOfOrder,
    /// The head records entries after the last one present: the newest entries were deleted.
    MissingAtEnd,
    /// Entries exist after the one the head records: they were added without [`append`](crate::audit::append).
    NotInHead,
    /// The head's hash is not the last entry's hash: one of them was rewritten.
    HeadMismatch,
    /// There is no head row, so deletions at the end cannot be ruled out.
    HeadMissing,
}

impl BreakKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Altered => "altered",
            Self::Unlinked => "unlinked",
            Self::Missing => "missing",
            Self::OutOfOrder => "out_of_order",
            Self::MissingAtEnd => "missing_at_end",
            Self::NotInHead => "not_in_head",
            Self::HeadMismatch => "head_mismatch",
            Self::HeadMissing => "head_missing",
        }
    }
}

/// The outcome of checking the whole log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every entry matches its hash and links to the one before, and the head records the last one.
    Intact { entries: u64, head_hash: String },
    /// The first thing found wrong. `entry_id` is the entry concerned; for entries that are missing it is
    /// the first missing id, and 0 means "before the first entry".
    Broken { entry_id: i64, kind: BreakKind, reason_en: String, reason_zh: String },
}

impl Verification {
    pub fn is_intact(&self) -> bool {
        matches!(self, Self::Intact { .. })
    }
}

/// "entry 3" or "entries 3–5", in English and Chinese.
fn span(from: i64, to: i64) -> (String, String) {
    if from == to {
        (format!("entry {from}"), format!("第 {from} 条记录"))
    } else {
        (format!("entries {from}–{to}"), format!("第 {from}–{to} 条记录"))
    }
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// Checks entries one at a time, in id order, so the caller can stream millions of them from the database.
/// Feed every entry with [`push`](Self::push), then call [`finish`](Self::finish) with the head row.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    /// Id and hash of the last entry accepted; `None` and [`GENESIS`] before the first.
    last_id: Option<i64>,
    last_hash: String,
    entries: u64,
    broken: Option<Verification>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self { last_id: None, last_hash: GENESIS.into(), entries: 0, broken: None }
    }

    /// Id of the last entry accepted, for reading the next page after it.
    pub fn last_id(&self) -> Option<i64> {
        self.last_id
    }

    pub fn is_broken(&self) -> bool {
        self.broken.is_some()
    }

    /// Checks the next entry and its stored `hash`. Returns `false` once the chain is broken: later
    /// entries are then ignored, since only the first break is reported.
    pub fn push(&mut self, entry: &EntryFields<'_>, hash: &str) -> bool {
        if self.broken.is_some() {
            return false;
        }
        let id = entry.id;
        let last = self.last_id.unwrap_or(0);
        // Ids are gapless (append takes the next one from the head), so a jump means deleted entries.
        if id <= last {
            self.broken = Some(broken(
                id,
                BreakKind::OutOfOrder,
                format!("entry {id} comes after entry {last}: entries are out of order or repeated"),
                format!("第 {id} 条记录排在第 {last} 条之后：记录顺序错乱或重复"),
            ));
        } else if id > last + 1 {
            let (en, zh) = span(last + 1, id - 1);
            let (en_where, zh_where) = match self.last_id {
                Some(l) => {
                    (format!("the log jumps from entry {l} to entry {id}"), format!("日志从第 {l} 条跳到第 {id} 条"))
                }
                None => (format!("the log starts at entry {id}"), format!("日志从第 {id} 条开始")),
            };
            self.broken = Some(broken(
                last + 1,
                BreakKind::Missing,
                format!("{en} missing: {en_where}"),
                format!("{zh}缺失：{zh_where}"),
            ));
        } else if entry_hash(entry) != hash {
            self.broken = Some(broken(
                id,
                BreakKind::Altered,
                format!("entry {id} was altered: its contents do not match its hash"),
                format!("第 {id} 条记录被篡改：内容与其哈希不符"),
            ));
        } else if entry.prev_hash != self.last_hash {
            let (en_prev, zh_prev) = match self.last_id {
                Some(l) => (format!("entry {l}"), format!("第 {l} 条记录")),
                None => ("the start of the log".to_string(), "日志起点".to_string()),
            };
            self.broken = Some(broken(
                id,
                BreakKind::Unlinked,
                format!(
                    "entry {id} does not link to {en_prev} (it expects hash {}…, found {}…): \
                     the earlier entry was replaced or removed",
                    short(entry.prev_hash),
                    short(&self.last_hash)
                ),
                format!("第 {id} 条记录与{zh_prev}衔接不上：前面的记录被替换或删除"),
            ));
        } else {
            self.last_id = Some(id);
            self.last_hash = hash.into();
            self.entries += 1;
        }
        self.broken.is_none()
    }

    /// The verdict, given the head row (`None` when it is missing).
    pub fn finish(self, head: Option<Head<'_>>) -> Verification {
        if let Some(b) = self.broken {
            return b;
        }
        let last = self.last_id.unwrap_or(0);
        let Some(head) = head else {
            return broken(
                last + 1,
                BreakKind::HeadMissing,
                "the audit head row is missing, so entries deleted from the end cannot be ruled out".into(),
                "审计日志链头记录缺失，无法排除末尾记录被删除".into(),
            );
        };
        let head_last = head.last_id.unwrap_or(0);
        let (ends_en, ends_zh) = match self.last_id {
            Some(l) => (format!("the log ends at entry {l}"), format!("日志止于第 {l} 条")),
            None => ("the log is empty".to_string(), "日志为空".to_string()),
        };
        if head_last > last {
            let (en, zh) = span(last + 1, head_last);
            broken(
                last + 1,
                BreakKind::MissingAtEnd,
                format!("{en} missing at the end: the head records entry {head_last} as the last, but {ends_en}"),
                format!("末尾{zh}缺失：链头记载最后一条为第 {head_last} 条，但{ends_zh}"),
            )
        } else if head_last < last {
            let (en, zh) = span(head_last + 1, last);
            broken(
                head_last + 1,
                BreakKind::NotInHead,
                format!("{en} not recorded in the head (it ends at entry {head_last}): added outside the audit log"),
                format!("{zh}未登记在链头（链头止于第 {head_last} 条）：并非经审计日志正常追加"),
            )
        } else if head.last_hash != self.last_hash {
            broken(
                last,
                BreakKind::HeadMismatch,
                format!(
                    "the head's hash for entry {last} differs from the entry's own: the entry or the head was rewritten"
                ),
                format!("链头记载的第 {last} 条记录哈希与该记录不符：记录或链头被改写"),
            )
        } else {
            Verification::Intact { entries: self.entries, head_hash: self.last_hash }
        }
    }
}

fn broken(entry_id: i64, kind: BreakKind, reason_en: String, reason_zh: String) -> Verification {
    Verification::Broken { entry_id, kind, reason_en, reason_zh }
}

/// Verifies a whole chain held in memory: entries in id order, each with its stored hash.
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = (EntryFields<'a>, &'a str)>,
    head: Option<Head<'_>>,
) -> Verification {
    let mut verifier = ChainVerifier::new();
    for (fields, hash) in entries {
        if !verifier.push(&fields, hash) {
            break;
        }
    }
    verifier.finish(head)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// An owned entry, so tests can change fields and re-link.
    #[derive(Clone)]
    struct Entry {
        id: i64,
        at: DateTime<Utc>,
        actor_kind: String,
        actor_id: Option<i32>,
        actor_label: String,
        action: String,
        entity: String,
        entity_id: Option<String>,
        before: Option<String>,
        after: Option<String>,
        prev_hash: String,
        hash: String,
    }

    impl Entry {
        fn fields(&self) -> EntryFields<'_> {
            EntryFields {
                id: self.id,
                at: self.at,
                actor_kind: &self.actor_kind,
                actor_id: self.actor_id,
                actor_label: &self.actor_label,
                action: &self.action,
                entity: &self.entity,
                entity_id: self.entity_id.as_deref(),
                before: self.before.as_deref(),
                after: self.after.as_deref(),
                prev_hash: &self.prev_hash,
            }
        }

        fn rehash(&mut self) {
            self.hash = entry_hash(&self.fields());
        }
    }

    fn at(n: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_795_000_000 + n, 123_456_000).single().expect("valid instant")
    }

    /// A properly linked chain of `n` entries, ids 1..=n, as `append` would build it.
    fn chain(n: i64) -> Vec<Entry> {
        let mut out: Vec<Entry> = Vec::new();
        for id in 1..=n {
            let prev_hash = out.last().map_or(GENESIS.to_string(), |e| e.hash.clone());
            let mut e = Entry {
                id,
                at: at(id),
                actor_kind: "user".into(),
                actor_id: Some(7),
                actor_label: "zhang.wei".into(),
                action: "readings.submit".into(),
                entity: "readings".into(),
                entity_id: Some(format!("{}", 100 + id)),
                before: None,
                after: Some(format!(r#"{{"cod":{id}.5}}"#)),
                prev_hash,
                hash: String::new(),
            };
            e.rehash();
            out.push(e);
        }
        out
    }

    fn head_of(entries: &[Entry]) -> (Option<i64>, String) {
        entries.last().map_or((None, GENESIS.to_string()), |e| (Some(e.id), e.hash.clone()))
    }

    fn verify(entries: &[Entry], head: (Option<i64>, String)) -> Verification {
        verify_chain(
            entries.iter().map(|e| (e.fields(), e.hash.as_str())),
            Some(Head { last_id: head.0, last_hash: &head.1 }),
        )
    }

    fn break_of(v: &Verification) -> (i64, BreakKind) {
        match v {
            Verification::Broken { entry_id, kind, reason_en, reason_zh } => {
                assert!(!reason_en.is_empty() && !reason_zh.is_empty());
                (*entry_id, *kind)
            }
            Verification::Intact { .. } => panic!("expected a broken chain, got {v:?}"),
        }
    }

    #[test]
    fn the_encoding_is_pinned_so_existing_chains_keep_verifying() {
        let e = &chain(1)[0];
        let expected = format!(
            "riverchief-audit-v1\n+1:1\n+30:2026-11-18T11:06:41.123456000Z\n+4:user\n+1:7\n+9:zhang.wei\n\
             +15:readings.submit\n+8:readings\n+3:101\n-\n+11:{{\"cod\":1.5}}\n+64:{GENESIS}\n"
        );
        assert_eq!(canonical_encoding(&e.fields()), expected);
        // Computed outside Rust (Python's hashlib over the same bytes, built from the doc comment's rules).
        assert_eq!(e.hash, "43b3d60842f5b674b017f2a52aae461df17a6a14cfb7a02c59e3e99a5fdc537f");
    }

    #[test]
    fn changing_any_single_field_changes_the_hash() {
        let base = chain(1).remove(0);
        let h = |f: &dyn Fn(&mut Entry)| {
            let mut e = base.clone();
            f(&mut e);
            entry_hash(&e.fields())
        };
        let variants: Vec<(&str, String)> = vec![
            ("id", h(&|e| e.id = 2)),
            ("at", h(&|e| e.at += chrono::TimeDelta::microseconds(1))),
            ("actor_kind", h(&|e| e.actor_kind = "cli".into())),
            ("actor_id", h(&|e| e.actor_id = Some(8))),
            ("actor_id none", h(&|e| e.actor_id = None)),
            ("actor_label", h(&|e| e.actor_label = "zhang.wel".into())),
            ("action", h(&|e| e.action = "readings.delete".into())),
            ("entity", h(&|e| e.entity = "reading".into())),
            ("entity_id", h(&|e| e.entity_id = Some("102".into()))),
            ("entity_id none", h(&|e| e.entity_id = None)),
            ("entity_id empty", h(&|e| e.entity_id = Some(String::new()))),
            ("before empty", h(&|e| e.before = Some(String::new()))),
            ("before", h(&|e| e.before = Some("null".into()))),
            ("after", h(&|e| e.after = Some(r#"{"cod":1.6}"#.into()))),
            ("after none", h(&|e| e.after = None)),
            ("prev_hash", h(&|e| e.prev_hash = "1".repeat(64))),
        ];
        let mut seen = std::collections::HashSet::from([base.hash.clone()]);
        for (name, hash) in variants {
            assert!(seen.insert(hash), "changing {name} left the hash equal to another variant's");
        }
    }

    #[test]
    fn none_and_empty_text_hash_differently_and_content_cannot_slide_between_fields() {
        let mut a = chain(1).remove(0);
        a.entity_id = None;
        a.before = Some(String::new());
        let mut b = a.clone();
        b.entity_id = Some(String::new());
        b.before = None;
        assert_ne!(entry_hash(&a.fields()), entry_hash(&b.fields()));

        let mut c = a.clone();
        c.action = "user.create".into();
        c.entity = "users".into();
        let mut d = c.clone();
        d.action = "user.".into();
        d.entity = "createusers".into();
        assert_ne!(entry_hash(&c.fields()), entry_hash(&d.fields()));
    }

    #[test]
    fn an_untouched_chain_and_an_empty_log_are_intact() {
        let entries = chain(4);
        let head = head_of(&entries);
        assert_eq!(verify(&entries, head.clone()), Verification::Intact { entries: 4, head_hash: head.1 });
        assert_eq!(verify(&[], (None, GENESIS.into())), Verification::Intact { entries: 0, head_hash: GENESIS.into() });
    }

    #[test]
    fn an_altered_field_is_reported_at_that_entry_and_not_later() {
        let mut entries = chain(5);
        let head = head_of(&entries);
        entries[2].after = Some(r#"{"cod":0.5}"#.into());
        // A second, later alteration must not hide the first.
        entries[3].actor_label = "li.na".into();
        assert_eq!(break_of(&verify(&entries, head)), (3, BreakKind::Altered));
    }

    #[test]
    fn an_entry_rewritten_with_a_fresh_hash_is_caught_by_the_next_entry_link() {
        let mut entries = chain(4);
        let head = head_of(&entries);
        entries[1].after = Some(r#"{"cod":0.1}"#.into());
        entries[1].rehash();
        assert_eq!(break_of(&verify(&entries, head)), (3, BreakKind::Unlinked));
    }

    #[test]
    fn a_deleted_middle_entry_is_reported_as_missing() {
        let mut entries = chain(5);
        let head = head_of(&entries);
        entries.remove(2);
        assert_eq!(break_of(&verify(&entries, head)), (3, BreakKind::Missing));
    }

    #[test]
    fn a_deleted_middle_entry_with_the_rest_renumbered_breaks_the_next_entry() {
        let mut entries = chain(5);
        entries.remove(2);
        for e in &mut entries[2..] {
            e.id -= 1;
        }
        let head = head_of(&entries);
        // Renumbering changes what entry 3 (formerly 4) hashes to.
        assert_eq!(break_of(&verify(&entries, head)), (3, BreakKind::Altered));
    }

    #[test]
    fn a_deleted_middle_entry_with_everything_after_it_rebuilt_breaks_the_link() {
        // The strongest forgery without the head: entry 3 removed, 4 and 5 renumbered and re-hashed.
        // Their links still hold, so only the first survivor's link to entry 2 can show it.
        let mut entries = chain(5);
        entries.remove(2);
        for e in &mut entries[2..] {
            e.id -= 1;
            e.rehash();
        }
        let (_, head_hash) = head_of(&chain(5));
        assert_eq!(break_of(&verify(&entries, (Some(5), head_hash))), (3, BreakKind::Unlinked));
    }

    #[test]
    fn a_deleted_last_entry_is_reported_as_missing_at_the_end() {
        let mut entries = chain(4);
        let head = head_of(&entries);
        entries.pop();
        assert_eq!(break_of(&verify(&entries, head.clone())), (4, BreakKind::MissingAtEnd));
        assert_eq!(break_of(&verify(&[], head)), (1, BreakKind::MissingAtEnd));
    }

    #[test]
    fn a_swapped_pair_is_reported_at_the_first_of_the_two() {
        // Rows keep their ids (the primary key) but exchange everything else.
        let entries = chain(4);
        let head = head_of(&entries);
        let mut swapped = entries.clone();
        swapped[1] = Entry { id: 2, ..entries[2].clone() };
        swapped[2] = Entry { id: 3, ..entries[1].clone() };
        assert_eq!(break_of(&verify(&swapped, head.clone())), (2, BreakKind::Altered));

        // Whole entries exchanged, ids included, and read in the order given.
        let mut reordered = entries.clone();
        reordered.swap(1, 2);
        assert_eq!(break_of(&verify(&reordered, head)), (2, BreakKind::Missing));
    }

    #[test]
    fn a_repeated_id_is_out_of_order() {
        let entries = chain(3);
        let head = head_of(&entries);
        let repeated = vec![entries[0].clone(), entries[1].clone(), entries[1].clone(), entries[2].clone()];
        assert_eq!(break_of(&verify(&repeated, head)), (2, BreakKind::OutOfOrder));
    }

    #[test]
    fn the_head_must_be_present_and_agree_with_the_end_of_the_chain() {
        let entries = chain(3);
        let fields: Vec<_> = entries.iter().map(|e| (e.fields(), e.hash.as_str())).collect();
        assert_eq!(break_of(&verify_chain(fields.clone(), None)), (4, BreakKind::HeadMissing));

        let behind = verify(&entries, (Some(2), entries[1].hash.clone()));
        assert_eq!(break_of(&behind), (3, BreakKind::NotInHead));

        let wrong_hash = verify(&entries, (Some(3), "f".repeat(64)));
        assert_eq!(break_of(&wrong_hash), (3, BreakKind::HeadMismatch));
    }

    #[test]
    fn a_forged_first_entry_must_start_from_genesis() {
        let mut entries = chain(2);
        entries[0].prev_hash = "a".repeat(64);
        entries[0].rehash();
        let head = head_of(&entries);
        assert_eq!(break_of(&verify(&entries, head)), (1, BreakKind::Unlinked));
    }

    #[test]
    fn verification_stops_at_the_first_break() {
        let mut entries = chain(3);
        entries[0].action = "x".into();
        let mut v = ChainVerifier::new();
        assert!(!v.push(&entries[0].fields(), &entries[0].hash));
        assert!(v.is_broken());
        assert!(!v.push(&entries[1].fields(), &entries[1].hash));
        assert_eq!(v.last_id(), None);
    }

    #[test]
    fn actor_kinds_round_trip_through_their_names() {
        use crate::domain::Code;
        use strum::VariantArray;
        for k in ActorKind::VARIANTS.iter().copied() {
            assert_eq!(ActorKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ActorKind::ApiKey.as_str(), "api_key");
        assert_eq!(ActorKind::parse("admin"), None);
        assert_eq!(
            Actor::system("escalate_alerts"),
            Actor { kind: ActorKind::System, id: None, label: "escalate_alerts".into() }
        );
    }
}
