//! Putting split messages (`PNUM`/`PNO`) back together, with bounds so a hostile client cannot make a
//! receiver hold unbounded state.
//!
//! Pure: the caller passes the time with every call, nothing sleeps or reads a clock. One reassembler
//! per connection is the intended use, so one client's sets never evict another's.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use super::error::FrameError;
use super::packet::{Flag, Packet};

/// How much a [`Reassembler`] may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReassemblyLimits {
    /// An incomplete set is dropped this long after its first packet arrived (so a client dripping
    /// packets cannot keep it alive).
    pub timeout: Duration,
    /// Incomplete sets held at once; the oldest is dropped to make room for a new one.
    pub max_sets: usize,
    /// Largest `PNUM` accepted.
    pub max_parts: u32,
    /// CP entries (items plus fields, plus one per packet) held over all sets; the oldest sets are
    /// dropped to make room, and a single set needing more is refused.
    pub max_buffered: usize,
}

impl Default for ReassemblyLimits {
    /// One minute, 64 sets, 64 packets per message (64 KiB of data at the standard's 1024 per packet),
    /// 4096 entries.
    fn default() -> Self {
        Self { timeout: Duration::from_secs(60), max_sets: 64, max_parts: 64, max_buffered: 4096 }
    }
}

/// Why a packet was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReassemblyError {
    #[error("PNUM {pnum} exceeds the limit of {max} packets per message")]
    TooManyParts { pnum: u32, max: u32 },
    #[error("the message needs more than the {max} buffered entries allowed; dropped")]
    TooLarge { max: usize },
    #[error(transparent)]
    BadParts(#[from] FrameError),
}

/// Collects split packets by (MN, QN) until all of `1..=PNUM` are in.
#[derive(Debug)]
pub struct Reassembler {
    limits: ReassemblyLimits,
    sets: HashMap<Key, Pending>,
    buffered: usize,
}

type Key = (String, Option<String>);

#[derive(Debug)]
struct Pending {
    pnum: u32,
    started: Instant,
    parts: BTreeMap<u32, Packet>,
    cost: usize,
}

/// What a packet costs to hold.
fn cost(packet: &Packet) -> usize {
    1 + packet.cp.items.len() + packet.cp.fields.len()
}

impl Default for Reassembler {
    fn default() -> Self {
        Self::new(ReassemblyLimits::default())
    }
}

impl Reassembler {
    pub fn new(limits: ReassemblyLimits) -> Self {
        Self { limits, sets: HashMap::new(), buffered: 0 }
    }

    /// Takes one packet received at `now`. Returns the whole message when `packet` completes it, and a
    /// packet that is not split at once, unchanged. A completed message carries the header of packet 1
    /// without `PNUM`/`PNO` and with the D bit cleared; its CP has the first `DataTime` given and the
    /// items and fields of every packet in `PNO` order, concatenated (a code that appears in two packets
    /// appears twice). A repeated `PNO` is ignored (the first copy is kept); a `PNUM` different from the
    /// pending set's starts the set afresh.
    pub fn push(&mut self, packet: Packet, now: Instant) -> Result<Option<Packet>, ReassemblyError> {
        self.expire(now);
        packet.check_parts()?;
        let (Some(pnum), Some(pno)) = (packet.pnum, packet.pno) else {
            return Ok(Some(packet));
        };
        if pnum > self.limits.max_parts {
            return Err(ReassemblyError::TooManyParts { pnum, max: self.limits.max_parts });
        }
        let key = (packet.mn.clone(), packet.qn.clone());
        if self.sets.get(&key).is_some_and(|set| set.pnum != pnum) {
            self.remove(&key);
        }
        if self.sets.get(&key).is_some_and(|set| set.parts.contains_key(&pno)) {
            return Ok(None);
        }
        let cost = cost(&packet);
        if self.sets.get(&key).map_or(0, |set| set.cost) + cost > self.limits.max_buffered {
            self.remove(&key);
            return Err(ReassemblyError::TooLarge { max: self.limits.max_buffered });
        }
        let new_set = !self.sets.contains_key(&key);
        while self.buffered + cost > self.limits.max_buffered
            || (new_set && self.sets.len() >= self.limits.max_sets.max(1))
        {
            let oldest = self.sets.iter().filter(|(k, _)| **k != key).min_by_key(|(_, set)| set.started);
            match oldest.map(|(k, _)| k.clone()) {
                Some(k) => drop(self.remove(&k)),
                None => break,
            }
        }
        let set = self.sets.entry(key.clone()).or_insert_with(|| Pending {
            pnum,
            started: now,
            parts: BTreeMap::new(),
            cost: 0,
        });
        set.parts.insert(pno, packet);
        set.cost += cost;
        self.buffered += cost;
        if set.parts.len() < pnum as usize {
            return Ok(None);
        }
        Ok(self.remove(&key).and_then(|set| merge(set.parts)))
    }

    /// Drops the sets started `timeout` or longer before `now`; returns how many.
    pub fn expire(&mut self, now: Instant) -> usize {
        let timeout = self.limits.timeout;
        let stale: Vec<Key> = self
            .sets
            .iter()
            .filter(|(_, set)| now.saturating_duration_since(set.started) >= timeout)
            .map(|(k, _)| k.clone())
            .collect();
        for key in &stale {
            self.remove(key);
        }
        stale.len()
    }

    /// Incomplete sets held.
    pub fn pending_sets(&self) -> usize {
        self.sets.len()
    }

    /// Entries held over all sets (see [`ReassemblyLimits::max_buffered`]).
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    fn remove(&mut self, key: &Key) -> Option<Pending> {
        let set = self.sets.remove(key)?;
        self.buffered -= set.cost;
        Some(set)
    }
}

/// Packets `1..=PNUM`, complete, as one packet.
fn merge(parts: BTreeMap<u32, Packet>) -> Option<Packet> {
    let mut parts = parts.into_values();
    let mut whole = parts.next()?;
    for part in parts {
        whole.cp.data_time = whole.cp.data_time.or(part.cp.data_time);
        whole.cp.items.extend(part.cp.items);
        whole.cp.fields.extend(part.cp.fields);
    }
    whole.pnum = None;
    whole.pno = None;
    whole.flag = whole.flag.map(Flag::unsplit);
    Some(whole)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::hj212::cp::Item;
    use crate::domain::hj212::frame::decode_frame;

    /// An hourly upload split in two (Flag=7: version 1, split, ack). Lengths and CRCs computed once with
    /// a few lines of Python following STANDARDS.md §4.
    const PART_1: &[u8] = b"##0135QN=20260512090000789;ST=21;CN=2061;PW=123456;MN=RC0001;Flag=7;PNUM=2;PNO=1;CP=&&DataTime=20260512080000;w21003-Avg=0.52,w21003-Flag=N&&F501\r\n";
    const PART_2: &[u8] = b"##0135QN=20260512090000789;ST=21;CN=2061;PW=123456;MN=RC0001;Flag=7;PNUM=2;PNO=2;CP=&&DataTime=20260512080000;w01018-Avg=12.5,w01018-Flag=N&&D341\r\n";

    fn part(mn: &str, qn: &str, pnum: u32, pno: u32, items: usize) -> Packet {
        Packet {
            qn: Some(qn.into()),
            st: "21".into(),
            cn: "2061".into(),
            mn: mn.into(),
            flag: Some(Flag(7)),
            pnum: Some(pnum),
            pno: Some(pno),
            cp: crate::domain::hj212::cp::Cp {
                items: (0..items)
                    .map(|i| Item { code: format!("w{pno}{i:04}"), rtd: Some(1.0), ..Item::default() })
                    .collect(),
                ..Default::default()
            },
            ..Packet::default()
        }
    }

    fn secs(t0: Instant, s: u64) -> Instant {
        t0 + Duration::from_secs(s)
    }

    #[test]
    fn a_two_packet_hourly_upload_is_put_back_together() {
        let (first, second) = (decode_frame(PART_1).expect("part 1"), decode_frame(PART_2).expect("part 2"));
        let t0 = Instant::now();
        let mut r = Reassembler::default();
        assert_eq!(r.push(first, t0), Ok(None));
        assert_eq!(r.pending_sets(), 1);
        let whole = r.push(second, secs(t0, 1)).expect("accepted").expect("complete");
        let codes: Vec<_> = whole.cp.items.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes, ["w21003", "w01018"]);
        assert_eq!(whole.cp.data_time.map(|t| t.to_string()).as_deref(), Some("2026-05-12 08:00:00"));
        assert_eq!((whole.pnum, whole.pno, whole.flag), (None, None, Some(Flag(5))));
        assert_eq!((whole.qn.as_deref(), whole.mn.as_str()), (Some("20260512090000789"), "RC0001"));
        assert_eq!((r.pending_sets(), r.buffered()), (0, 0));
    }

    #[test]
    fn packets_out_of_order_merge_in_pno_order() {
        let t0 = Instant::now();
        let mut r = Reassembler::default();
        assert_eq!(r.push(decode_frame(PART_2).expect("part 2"), t0), Ok(None));
        let whole = r.push(decode_frame(PART_1).expect("part 1"), t0).expect("accepted").expect("complete");
        assert_eq!(whole.cp.items[0].code, "w21003");
    }

    #[test]
    fn a_repeated_packet_is_ignored() {
        let t0 = Instant::now();
        let mut r = Reassembler::default();
        assert_eq!(r.push(part("A", "q", 3, 1, 1), t0), Ok(None));
        assert_eq!(r.push(part("A", "q", 3, 1, 5), t0), Ok(None));
        assert_eq!(r.buffered(), 2, "the first copy is kept, the second not counted");
        assert_eq!(r.push(part("A", "q", 3, 2, 1), t0), Ok(None));
        let whole = r.push(part("A", "q", 3, 3, 1), t0).expect("accepted").expect("complete");
        assert_eq!(whole.cp.items.len(), 3);
    }

    #[test]
    fn sets_are_kept_apart_by_device_and_request() {
        let t0 = Instant::now();
        let mut r = Reassembler::default();
        assert_eq!(r.push(part("A", "q1", 2, 1, 1), t0), Ok(None));
        assert_eq!(r.push(part("B", "q1", 2, 2, 1), t0), Ok(None));
        assert_eq!(r.push(part("A", "q2", 2, 2, 1), t0), Ok(None));
        assert_eq!(r.pending_sets(), 3);
        assert!(r.push(part("A", "q1", 2, 2, 1), t0).expect("accepted").is_some());
    }

    #[test]
    fn an_incomplete_set_expires_after_the_timeout_from_its_first_packet() {
        let t0 = Instant::now();
        let mut r = Reassembler::default();
        assert_eq!(r.push(part("A", "q", 3, 1, 1), t0), Ok(None));
        assert_eq!(r.push(part("A", "q", 3, 2, 1), secs(t0, 59)), Ok(None));
        assert_eq!(r.expire(secs(t0, 59)), 0);
        assert_eq!(r.expire(secs(t0, 60)), 1);
        assert_eq!((r.pending_sets(), r.buffered()), (0, 0));
        // The last packet, too late, starts a new set instead of completing the old one.
        assert_eq!(r.push(part("A", "q", 3, 3, 1), secs(t0, 61)), Ok(None));
        assert_eq!(r.pending_sets(), 1);
    }

    #[test]
    fn packets_not_split_pass_through_and_a_single_part_completes_at_once() {
        let t0 = Instant::now();
        let mut r = Reassembler::default();
        let plain = Packet { pnum: None, pno: None, flag: Some(Flag(5)), ..part("A", "q", 1, 1, 2) };
        assert_eq!(r.push(plain.clone(), t0), Ok(Some(plain.clone())));
        let single = r.push(part("A", "q", 1, 1, 2), t0).expect("accepted").expect("complete");
        assert_eq!(single, plain);
    }

    #[test]
    fn the_number_of_pending_sets_is_bounded_and_the_oldest_goes_first() {
        let t0 = Instant::now();
        let limits = ReassemblyLimits { max_sets: 3, ..ReassemblyLimits::default() };
        let mut r = Reassembler::new(limits);
        for i in 0..10 {
            assert_eq!(r.push(part("A", &format!("q{i}"), 2, 1, 1), secs(t0, i)), Ok(None));
            assert!(r.pending_sets() <= 3);
        }
        // q9 is still pending, q0 was evicted: its second part starts a new set.
        assert!(r.push(part("A", "q9", 2, 2, 1), secs(t0, 10)).expect("accepted").is_some());
        assert_eq!(r.push(part("A", "q0", 2, 2, 1), secs(t0, 10)), Ok(None));
    }

    #[test]
    fn buffered_entries_are_bounded_and_an_oversized_message_is_refused() {
        let t0 = Instant::now();
        let limits = ReassemblyLimits { max_buffered: 100, ..ReassemblyLimits::default() };
        let mut r = Reassembler::new(limits);
        for i in 0..20 {
            assert_eq!(r.push(part("A", &format!("q{i}"), 2, 1, 30), secs(t0, i)), Ok(None));
            assert!(r.buffered() <= 100, "{}", r.buffered());
        }
        assert_eq!(r.push(part("B", "big", 4, 1, 60), t0), Ok(None));
        assert_eq!(r.push(part("B", "big", 4, 2, 60), t0), Err(ReassemblyError::TooLarge { max: 100 }));
        assert!(r.buffered() <= 100);
        assert_eq!(r.push(part("B", "big", 4, 3, 1), t0), Ok(None), "the refused set was dropped");
    }

    #[test]
    fn a_pnum_above_the_limit_or_inconsistent_parts_are_refused() {
        let t0 = Instant::now();
        let mut r = Reassembler::default();
        assert_eq!(r.push(part("A", "q", 65, 1, 1), t0), Err(ReassemblyError::TooManyParts { pnum: 65, max: 64 }));
        assert_eq!(
            r.push(part("A", "q", 2, 3, 1), t0),
            Err(ReassemblyError::BadParts(FrameError::bad_field("PNO", "3")))
        );
        assert_eq!(r.pending_sets(), 0);
    }

    #[test]
    fn a_changed_pnum_starts_the_set_afresh() {
        let t0 = Instant::now();
        let mut r = Reassembler::default();
        assert_eq!(r.push(part("A", "q", 3, 1, 1), t0), Ok(None));
        assert_eq!(r.push(part("A", "q", 2, 2, 1), t0), Ok(None));
        assert_eq!(r.buffered(), 2);
        let whole = r.push(part("A", "q", 2, 1, 1), t0).expect("accepted").expect("complete");
        assert_eq!(whole.cp.items.len(), 2);
    }
}
