//! Framing: `##` + four decimal digits (data length in bytes) + data segment + four hex digits (CRC) + CR LF.
//!
//! [`decode_frame`] reads one complete frame; [`FrameScanner`] cuts frames out of a TCP byte stream.
//! HJ 212-2017 (table "通讯包结构组成") allows a data segment of 0 to 1024 bytes; longer messages are
//! split into packets (`PNUM`/`PNO`). That is the default maximum; the four length digits could say
//! up to 9999, so a receiver may raise it for devices that ignore the limit.

use std::collections::VecDeque;

use super::crc::{crc_hex, crc16, parse_crc};
use super::error::{FrameError, shown};
use super::packet::Packet;

/// The standard's maximum data-segment length.
pub const MAX_DATA_LEN: usize = 1024;
/// What four length digits can say.
pub const LENGTH_DIGITS_MAX: usize = 9999;
/// `##`, length digits, CRC and CR LF around the data segment.
pub const FRAME_OVERHEAD: usize = 2 + 4 + 4 + 2;

/// Decodes exactly one frame, CR LF included, with the standard's maximum data length.
pub fn decode_frame(bytes: &[u8]) -> Result<Packet, FrameError> {
    decode_frame_with_max(bytes, MAX_DATA_LEN)
}

/// Decodes exactly one frame, CR LF included, allowing a data segment up to `max_data_len` bytes.
pub fn decode_frame_with_max(bytes: &[u8], max_data_len: usize) -> Result<Packet, FrameError> {
    let max = max_data_len.min(LENGTH_DIGITS_MAX);
    let failure = match cut(bytes, max) {
        Cut::Frame { len, result } if len == bytes.len() => return result,
        Cut::Frame { len, result } => return result.and(Err(FrameError::TrailingBytes { extra: bytes.len() - len })),
        Cut::Bad(error) => error,
        Cut::Incomplete => FrameError::Truncated,
    };
    // With the whole input in hand, a frame that ends in CR LF at the wrong place says how long it really is.
    if let Some(declared) = bytes.get(2..6).and_then(length_digits)
        && declared <= max
        && bytes.len() >= FRAME_OVERHEAD
        && bytes.ends_with(b"\r\n")
        && bytes.len() != declared + FRAME_OVERHEAD
    {
        return Err(FrameError::LengthMismatch { declared, found: bytes.len() - FRAME_OVERHEAD });
    }
    Err(failure)
}

/// Frames `packet`. Refuses a packet that would not read back as itself, or whose data segment is longer
/// than the standard allows ([`MAX_DATA_LEN`]): split it into `PNUM`/`PNO` packets instead.
pub fn encode(packet: &Packet) -> Result<String, FrameError> {
    let segment = packet.data_segment()?;
    if segment.len() > MAX_DATA_LEN {
        return Err(FrameError::TooLong { declared: segment.len(), max: MAX_DATA_LEN });
    }
    Ok(frame_segment(&segment))
}

/// Frames an already written data segment, which must be at most [`LENGTH_DIGITS_MAX`] bytes.
pub(crate) fn frame_segment(segment: &str) -> String {
    format!("##{:04}{segment}{}\r\n", segment.len(), crc_hex(crc16(segment.as_bytes())))
}

/// What the bytes at the start of a buffer are.
enum Cut {
    /// More bytes are needed to tell.
    Incomplete,
    /// A frame delimited as its length says, `len` bytes long; the result is its packet or why not.
    Frame { len: usize, result: Result<Packet, FrameError> },
    /// Not a frame: the length or terminator is wrong, so its end is unknown.
    Bad(FrameError),
}

fn length_digits(digits: &[u8]) -> Option<usize> {
    if digits.len() != 4 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0, |acc, d| acc * 10 + usize::from(d - b'0')))
}

fn cut(buf: &[u8], max: usize) -> Cut {
    if buf.len() < 2 && b"##".starts_with(buf) {
        return Cut::Incomplete;
    }
    if !buf.starts_with(b"##") {
        return Cut::Bad(FrameError::BadHeader);
    }
    let Some(digits) = buf.get(2..6) else {
        return Cut::Incomplete;
    };
    let Some(declared) = length_digits(digits) else {
        return Cut::Bad(FrameError::BadLength { found: shown(digits) });
    };
    if declared > max {
        return Cut::Bad(FrameError::TooLong { declared, max });
    }
    let data_end = 6 + declared;
    // A data segment is one line of text: a line end inside it means the length is wrong. Seeing it early
    // matters, since a device waiting for its acknowledgement sends nothing more to complete the frame.
    if let Some(at) = buf[6..buf.len().min(data_end)].iter().position(|&b| b == b'\r' || b == b'\n') {
        return Cut::Bad(FrameError::LengthMismatch { declared, found: at.saturating_sub(4) });
    }
    let len = data_end + 4 + 2;
    if buf.len() < len {
        return Cut::Incomplete;
    }
    if &buf[data_end + 4..len] != b"\r\n" {
        return Cut::Bad(FrameError::MissingCrLf);
    }
    let data = &buf[6..data_end];
    let crc_digits = &buf[data_end..data_end + 4];
    let result = match parse_crc(crc_digits) {
        None => Err(FrameError::BadCrcDigits { found: shown(crc_digits) }),
        Some(found) if found != crc16(data) => Err(FrameError::BadCrc { expected: crc16(data), found }),
        Some(_) => std::str::from_utf8(data).map_err(|_| FrameError::NotText).and_then(Packet::parse),
    };
    Cut::Frame { len, result }
}

/// Cuts frames out of a byte stream, as a TCP receiver gets it.
///
/// [`push`](FrameScanner::push) what was read, then take results with [`next`](Iterator::next) until it
/// says `None`. Bytes before a `##` are skipped silently; a partial frame waits for more bytes. A frame
/// whose length or terminator is wrong is reported and the scan resumes one byte after its `##`, so a
/// frame it swallowed is still found; a frame delimited correctly but failing its check code or its
/// fields is reported and skipped whole. A declared length above the maximum is refused as soon as the
/// length digits arrive.
///
/// Memory: the byte buffer never holds more than one maximal frame ([`FRAME_OVERHEAD`] + maximum data
/// length) — bytes are taken from each push only as far as that room allows, and complete frames are
/// decoded at once. The decoded results of a push wait in a queue until taken, so a caller that reads
/// the socket in bounded chunks and drains after each push keeps the whole scanner bounded.
#[derive(Debug)]
pub struct FrameScanner {
    buf: Vec<u8>,
    max_data_len: usize,
    ready: VecDeque<Result<Packet, FrameError>>,
}

impl Default for FrameScanner {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameScanner {
    /// A scanner with the standard's maximum data length, [`MAX_DATA_LEN`].
    pub fn new() -> Self {
        Self::with_max_data_len(MAX_DATA_LEN)
    }

    /// A scanner allowing data segments up to `max_data_len` bytes (at most [`LENGTH_DIGITS_MAX`]).
    pub fn with_max_data_len(max_data_len: usize) -> Self {
        let max_data_len = max_data_len.min(LENGTH_DIGITS_MAX);
        Self { buf: Vec::with_capacity(max_data_len + FRAME_OVERHEAD), max_data_len, ready: VecDeque::new() }
    }

    /// The longest frame this scanner accepts, and so the most bytes it buffers.
    pub fn max_frame_len(&self) -> usize {
        self.max_data_len + FRAME_OVERHEAD
    }

    /// Bytes held waiting for the rest of a frame.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Results decoded and not yet taken.
    pub fn pending(&self) -> usize {
        self.ready.len()
    }

    /// Takes bytes as read from the connection; decoded frames and errors are then ready from `next`.
    pub fn push(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            // After `scan` the buffer is always shorter than one maximal frame, so there is room.
            let room = self.max_frame_len().saturating_sub(self.buf.len()).max(1);
            let (now, later) = bytes.split_at(room.min(bytes.len()));
            self.buf.extend_from_slice(now);
            bytes = later;
            self.scan();
        }
    }

    fn scan(&mut self) {
        loop {
            match self.buf.windows(2).position(|w| w == b"##") {
                Some(mut start) => {
                    // In a run of `#`, the header is the last two.
                    while self.buf.get(start + 2) == Some(&b'#') {
                        start += 1;
                    }
                    self.buf.drain(..start);
                }
                None => {
                    // Keep a final `#`: it may be the first half of the next header.
                    let keep = usize::from(self.buf.last() == Some(&b'#'));
                    self.buf.drain(..self.buf.len() - keep);
                    return;
                }
            }
            match cut(&self.buf, self.max_data_len) {
                Cut::Incomplete => return,
                Cut::Frame { len, result } => {
                    self.ready.push_back(result);
                    self.buf.drain(..len);
                }
                Cut::Bad(error) => {
                    self.ready.push_back(Err(error));
                    self.buf.drain(..1);
                }
            }
        }
    }
}

impl Iterator for FrameScanner {
    type Item = Result<Packet, FrameError>;

    /// The next decoded frame or error; `None` until more bytes are pushed.
    fn next(&mut self) -> Option<Self::Item> {
        self.ready.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Code;
    use crate::domain::hj212::cp::{DataFlag, Item};
    use crate::domain::reading::QualityFlag;

    /// The example frame printed in HJ 212-2017; 101 bytes of data (counted by hand and in Python), CRC 1C80.
    const STANDARD_EXAMPLE: &[u8] = b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n";

    /// An hourly (2061) upload with four items and three kinds of flag. Length 0239 and CRC 5780 were
    /// computed once with a few lines of Python following STANDARDS.md §4, not by this code.
    const HOURLY: &[u8] = b"##0239QN=20260512090000123;ST=21;CN=2061;PW=123456;MN=RC0001;Flag=5;CP=&&DataTime=20260512080000;w21003-Min=0.41,w21003-Avg=0.52,w21003-Max=0.63,w21003-Flag=N;w01018-Avg=12.5,w01018-Flag=M;w01001-Avg=7.4,w01001-Flag=N;w21011-Avg=,w21011-Flag=D&&5780\r\n";

    /// Two short frames, independently computed in Python: no QN, no Flag, lower-case CRC in the second.
    const NO_QN: &[u8] = b"##0062ST=21;CN=2011;PW=123456;MN=RC0002;Flag=4;CP=&&w01001-Rtd=7.2&&7340\r\n";
    const NO_FLAG_LOWER_CRC: &[u8] = b"##0052QN=20260512090000456;ST=21;CN=2011;MN=RC0003;CP=&&&&c841\r\n";

    fn frames(scanner: &mut FrameScanner) -> Vec<Result<Packet, FrameError>> {
        scanner.by_ref().collect()
    }

    #[test]
    fn the_standards_example_frame_decodes() {
        assert_eq!(STANDARD_EXAMPLE.len(), 101 + FRAME_OVERHEAD);
        let p = decode_frame(STANDARD_EXAMPLE).expect("the standard's own frame");
        assert_eq!(p.cn, "1062");
        assert_eq!(p.cp.field("RtdInterval"), Some("30"));
        assert_eq!(encode(&p).expect("encodable").as_bytes(), STANDARD_EXAMPLE);
    }

    #[test]
    fn an_hourly_frame_decodes_with_its_items_and_flags() {
        let p = decode_frame(HOURLY).expect("valid");
        assert_eq!(p.cn, "2061");
        let t = p.cp.data_time.expect("DataTime");
        assert_eq!(t.to_string(), "2026-05-12 08:00:00");
        let codes: Vec<_> = p.cp.items.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes, ["w21003", "w01018", "w01001", "w21011"]);
        assert_eq!(
            p.cp.items[0],
            Item {
                code: "w21003".into(),
                min: Some(0.41),
                avg: Some(0.52),
                max: Some(0.63),
                flag: Some(DataFlag::Known(QualityFlag::Normal)),
                ..Item::default()
            }
        );
        assert_eq!(p.cp.items[1].flag, Some(DataFlag::Known(QualityFlag::Maintenance)));
        assert_eq!((p.cp.items[3].avg, p.cp.items[3].flag.clone()), (None, Some(DataFlag::Known(QualityFlag::Fault))));
        let valid: Vec<_> =
            p.cp.items.iter().filter(|i| i.is_valid_for_evaluation()).map(|i| i.code.as_str()).collect();
        assert_eq!(valid, ["w21003", "w01001"]);
    }

    #[test]
    fn frames_without_qn_or_flag_and_with_a_lower_case_crc_decode() {
        let p = decode_frame(NO_QN).expect("no QN");
        assert_eq!((p.qn, p.flag.map(|f| f.0)), (None, Some(4)));
        let p = decode_frame(NO_FLAG_LOWER_CRC).expect("no Flag, lower-case CRC");
        assert_eq!((p.qn.as_deref(), p.flag), (Some("20260512090000456"), None));
    }

    #[test]
    fn a_wrong_check_code_is_reported_with_both_values() {
        let mut bad = STANDARD_EXAMPLE.to_vec();
        let at = bad.len() - 6;
        bad[at..at + 4].copy_from_slice(b"1C81");
        assert_eq!(decode_frame(&bad), Err(FrameError::BadCrc { expected: 0x1C80, found: 0x1C81 }));
        bad[at..at + 4].copy_from_slice(b"1CX0");
        assert_eq!(decode_frame(&bad), Err(FrameError::BadCrcDigits { found: "1CX0".into() }));
    }

    #[test]
    fn length_digits_must_be_four_decimal_digits() {
        for digits in [&b"01a1"[..], b"+101", b" 101", b"0x65"] {
            let mut bad = STANDARD_EXAMPLE.to_vec();
            bad[2..6].copy_from_slice(digits);
            assert_eq!(
                decode_frame(&bad),
                Err(FrameError::BadLength { found: String::from_utf8_lossy(digits).into() })
            );
        }
    }

    #[test]
    fn a_declared_length_that_does_not_match_says_what_it_found() {
        let mut short = STANDARD_EXAMPLE.to_vec();
        short[2..6].copy_from_slice(b"0100");
        assert_eq!(decode_frame(&short), Err(FrameError::LengthMismatch { declared: 100, found: 101 }));
        let mut long = STANDARD_EXAMPLE.to_vec();
        long[2..6].copy_from_slice(b"0102");
        assert_eq!(decode_frame(&long), Err(FrameError::LengthMismatch { declared: 102, found: 101 }));
    }

    #[test]
    fn a_truncated_frame_or_a_missing_line_end_is_reported() {
        for cut_at in [0, 1, 5, 50, STANDARD_EXAMPLE.len() - 1] {
            assert_eq!(decode_frame(&STANDARD_EXAMPLE[..cut_at]), Err(FrameError::Truncated), "{cut_at}");
        }
        let mut no_crlf = STANDARD_EXAMPLE.to_vec();
        no_crlf.truncate(no_crlf.len() - 2);
        no_crlf.extend_from_slice(b"\n\r");
        assert_eq!(decode_frame(&no_crlf), Err(FrameError::MissingCrLf));
        assert_eq!(decode_frame(b"#0101"), Err(FrameError::BadHeader));
        let mut trailing = STANDARD_EXAMPLE.to_vec();
        trailing.extend_from_slice(b"xy");
        assert_eq!(decode_frame(&trailing), Err(FrameError::TrailingBytes { extra: 2 }));
    }

    #[test]
    fn a_declared_length_above_the_maximum_is_refused() {
        assert_eq!(decode_frame(b"##1025QN="), Err(FrameError::TooLong { declared: 1025, max: 1024 }));
        assert_eq!(decode_frame_with_max(b"##0101QN=", 100), Err(FrameError::TooLong { declared: 101, max: 100 }));
        assert!(decode_frame_with_max(STANDARD_EXAMPLE, 101).is_ok());
    }

    #[test]
    fn a_frame_whose_fields_are_wrong_names_the_field() {
        // Length 0042 and CRC 0780 computed once in Python.
        assert_eq!(
            decode_frame(b"##0042QN=20260512090000456;ST=21;CN=2011;CP=&&&&0780\r\n"),
            Err(FrameError::MissingField("MN"))
        );
    }

    #[test]
    fn encoding_refuses_a_data_segment_longer_than_the_standard_allows() {
        let mut p = decode_frame(STANDARD_EXAMPLE).expect("valid");
        p.cp.fields.push(("Note".into(), "x".repeat(MAX_DATA_LEN)));
        assert!(matches!(encode(&p), Err(FrameError::TooLong { max: MAX_DATA_LEN, .. })));
    }

    #[test]
    fn the_scanner_skips_garbage_before_and_between_frames() {
        let mut s = FrameScanner::new();
        let mut stream = b"\x00\xffnoise#".to_vec();
        stream.extend_from_slice(STANDARD_EXAMPLE);
        stream.extend_from_slice(b"\r\n# more noise \x01");
        stream.extend_from_slice(HOURLY);
        s.push(&stream);
        let got = frames(&mut s);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].as_ref().map(|p| p.cn.as_str()), Ok("1062"));
        assert_eq!(got[1].as_ref().map(|p| p.cn.as_str()), Ok("2061"));
        assert_eq!(s.buffered(), 0);
    }

    #[test]
    fn two_frames_in_one_push_come_out_in_order() {
        let mut s = FrameScanner::new();
        s.push(&[NO_QN, NO_FLAG_LOWER_CRC].concat());
        let mns: Vec<_> = frames(&mut s).into_iter().map(|r| r.expect("valid").mn).collect();
        assert_eq!(mns, ["RC0002", "RC0003"]);
    }

    #[test]
    fn a_frame_delivered_a_byte_at_a_time_comes_out_once_complete() {
        let mut s = FrameScanner::new();
        for (i, byte) in HOURLY.iter().enumerate() {
            assert_eq!(s.next(), None, "nothing before byte {i}");
            s.push(std::slice::from_ref(byte));
        }
        assert_eq!(frames(&mut s), [decode_frame(HOURLY)]);
        assert_eq!(s.buffered(), 0);
    }

    #[test]
    fn the_scanner_resynchronises_after_each_kind_of_bad_frame() {
        let mut bad_crc = STANDARD_EXAMPLE.to_vec();
        let at = bad_crc.len() - 6;
        bad_crc[at..at + 4].copy_from_slice(b"0000");
        let mut bad_digits = STANDARD_EXAMPLE.to_vec();
        bad_digits[2..6].copy_from_slice(b"01x1");
        let mut no_crlf = STANDARD_EXAMPLE.to_vec();
        no_crlf.truncate(no_crlf.len() - 2);
        let mut too_long = STANDARD_EXAMPLE.to_vec();
        too_long[2..6].copy_from_slice(b"0150");
        let mut too_short = STANDARD_EXAMPLE.to_vec();
        too_short[2..6].copy_from_slice(b"0090");
        let truncated = &HOURLY[..100];
        for (bad, error) in [
            (&bad_crc[..], FrameError::BadCrc { expected: 0x1C80, found: 0 }),
            (&bad_digits[..], FrameError::BadLength { found: "01x1".into() }),
            (&no_crlf[..], FrameError::MissingCrLf),
            (&too_long[..], FrameError::LengthMismatch { declared: 150, found: 101 }),
            (&too_short[..], FrameError::MissingCrLf),
            // The CR LF of the next frame, 166 bytes into the declared data, leaves 162 before a CRC.
            (truncated, FrameError::LengthMismatch { declared: 239, found: 162 }),
        ] {
            let mut s = FrameScanner::new();
            s.push(&[bad, NO_QN].concat());
            let got = frames(&mut s);
            assert_eq!(got.first(), Some(&Err(error.clone())), "{error:?}: {got:?}");
            assert_eq!(got.last().and_then(|r| r.as_ref().ok()).map(|p| p.mn.as_str()), Some("RC0002"), "{error:?}");
            assert_eq!(got.iter().filter(|r| r.is_ok()).count(), 1, "{error:?}");
        }
    }

    #[test]
    fn an_oversized_declared_length_is_refused_before_its_data_arrives() {
        let mut s = FrameScanner::new();
        s.push(b"##9999");
        assert_eq!(s.next(), Some(Err(FrameError::TooLong { declared: 9999, max: MAX_DATA_LEN })));
        assert!(s.buffered() <= 1);
        s.push(&vec![b'A'; 20_000]);
        assert_eq!(s.next(), None);
        assert_eq!(s.buffered(), 0);
        s.push(NO_QN);
        assert_eq!(s.next().map(|r| r.map(|p| p.mn)), Some(Ok("RC0002".to_string())));
    }

    #[test]
    fn a_partial_frame_waits_for_the_rest() {
        let mut s = FrameScanner::new();
        s.push(&HOURLY[..150]);
        assert_eq!(s.next(), None);
        assert_eq!(s.buffered(), 150);
        s.push(&HOURLY[150..]);
        assert_eq!(frames(&mut s), [decode_frame(HOURLY)]);
    }

    #[test]
    fn a_scanner_with_a_larger_maximum_accepts_longer_frames() {
        let mut p = decode_frame(NO_QN).expect("valid");
        p.cp.fields.push(("Note".into(), "x".repeat(1500)));
        let frame = frame_segment(&p.data_segment().expect("encodable"));
        let mut standard = FrameScanner::new();
        standard.push(frame.as_bytes());
        assert!(matches!(standard.next(), Some(Err(FrameError::TooLong { .. }))));
        let mut roomy = FrameScanner::with_max_data_len(2048);
        roomy.push(frame.as_bytes());
        assert_eq!(roomy.next(), Some(Ok(p)));
        assert_eq!(FrameScanner::with_max_data_len(50_000).max_frame_len(), LENGTH_DIGITS_MAX + FRAME_OVERHEAD);
    }

    mod properties {
        use super::*;
        use crate::domain::hj212::cp::Cp;
        use crate::domain::hj212::packet::Flag;
        use chrono::NaiveDate;
        use proptest::collection::{btree_set, vec};
        use proptest::prelude::*;

        /// Printable ASCII without the data segment's separators `; = & ,`.
        fn text(len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
            vec(proptest::char::range(' ', '~'), len.start..len.end + 4)
                .prop_map(|cs| cs.into_iter().filter(|c| !";=&,".contains(*c)).collect::<String>())
                .prop_filter("length", move |s| len.contains(&s.len()))
        }

        fn name() -> impl Strategy<Value = String> {
            "[A-Za-z][A-Za-z0-9]{0,8}"
        }

        fn number() -> impl Strategy<Value = Option<f64>> {
            proptest::option::of(prop_oneof![-1e6f64..1e6, -1.0f64..1.0, Just(0.0)])
        }

        fn data_flag() -> impl Strategy<Value = Option<DataFlag>> {
            let known = prop_oneof![
                Just(QualityFlag::Normal),
                Just(QualityFlag::Stopped),
                Just(QualityFlag::Maintenance),
                Just(QualityFlag::ManualSet),
                Just(QualityFlag::Fault),
                Just(QualityFlag::Calibrating),
                Just(QualityFlag::OverRange),
                Just(QualityFlag::CommunicationFailure),
            ]
            .prop_map(DataFlag::Known);
            let unknown = "[A-Z]{1,3}"
                .prop_filter("not a standard letter", |s| QualityFlag::parse(s).is_none())
                .prop_map(DataFlag::Unknown);
            proptest::option::of(prop_oneof![known, unknown])
        }

        fn item(code: String) -> impl Strategy<Value = Item> {
            (number(), number(), number(), number(), number(), data_flag()).prop_map(
                move |(rtd, avg, min, max, cou, flag)| Item { code: code.clone(), rtd, avg, min, max, cou, flag },
            )
        }

        fn cp() -> impl Strategy<Value = Cp> {
            let time = proptest::option::of((2000i32..2100, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60, 0u32..60))
                .prop_map(|t| {
                    t.and_then(|(y, mo, d, h, mi, s)| {
                        NaiveDate::from_ymd_opt(y, mo, d).and_then(|d| d.and_hms_opt(h, mi, s))
                    })
                });
            let items =
                btree_set("[a-z][0-9]{5}", 0..4).prop_flat_map(|codes| codes.into_iter().map(item).collect::<Vec<_>>());
            let fields =
                vec((name().prop_filter("not DataTime", |n| !n.eq_ignore_ascii_case("DataTime")), text(0..12)), 0..4);
            (time, items, fields).prop_map(|(data_time, items, fields)| Cp { data_time, items, fields })
        }

        fn packet() -> impl Strategy<Value = Packet> {
            let parts = proptest::option::of((1u32..50).prop_flat_map(|n| (Just(n), 1..=n)));
            let known = ["QN", "ST", "CN", "PW", "MN", "FLAG", "PNUM", "PNO", "CP"];
            let extra = vec(
                (
                    name().prop_filter("not a known key", move |k| !known.contains(&k.to_uppercase().as_str())),
                    text(1..10),
                ),
                0..3,
            );
            (
                (
                    proptest::option::of(text(1..20)),
                    text(1..6),
                    text(1..6),
                    proptest::option::of(text(1..10)),
                    text(1..25),
                ),
                proptest::option::of(any::<u8>().prop_map(Flag)),
                parts,
                cp(),
                extra,
            )
                .prop_map(|((qn, st, cn, pw, mn), flag, parts, cp, extra)| Packet {
                    qn,
                    st,
                    cn,
                    pw,
                    mn,
                    flag,
                    pnum: parts.map(|p| p.0),
                    pno: parts.map(|p| p.1),
                    cp,
                    extra,
                })
        }

        /// Arbitrary bytes, half of them turned into the framing characters and digits, so that they look
        /// like frames often enough. (A mapping, because `prop_oneof!` per byte is slow.)
        fn biased_bytes(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<u8>> {
            vec(any::<u8>(), len).prop_map(|bytes| {
                let framing = |b: u8| match b % 8 {
                    0 => b'#',
                    1 => b'\r',
                    2 => b'\n',
                    3 => b'0' + (b / 8) % 10,
                    _ => b,
                };
                bytes.into_iter().map(|b| if b & 0x80 == 0 { framing(b) } else { b }).collect()
            })
        }

        /// Bytes that look like the start of a frame often enough to reach past the header checks.
        fn frame_like_bytes() -> impl Strategy<Value = Vec<u8>> {
            (proptest::option::of(0..=LENGTH_DIGITS_MAX), biased_bytes(0..300)).prop_map(|(declared, tail)| {
                let mut bytes = declared.map(|n| format!("##{n:04}").into_bytes()).unwrap_or_default();
                bytes.extend(tail);
                bytes
            })
        }

        proptest! {
            #[test]
            fn random_bytes_never_panic_decode_frame(bytes in frame_like_bytes()) {
                let _ = decode_frame(&bytes);
                let _ = decode_frame_with_max(&bytes, 10);
            }

            #[test]
            fn random_bytes_never_panic_the_scanner_nor_overfill_it(
                bytes in vec(frame_like_bytes(), 1..8), max in prop_oneof![Just(MAX_DATA_LEN), 0usize..64]
            ) {
                let mut s = FrameScanner::with_max_data_len(max);
                for chunk in &bytes {
                    s.push(chunk);
                    prop_assert!(s.buffered() < s.max_frame_len(), "{} of {}", s.buffered(), s.max_frame_len());
                    let _ = s.by_ref().count();
                }
            }

            #[test]
            fn encoded_packets_decode_to_themselves(p in packet()) {
                match encode(&p) {
                    Ok(frame) => prop_assert_eq!(decode_frame(frame.as_bytes()), Ok(p)),
                    Err(e) => prop_assert!(matches!(e, FrameError::TooLong { .. }), "{e:?}"),
                }
            }

            #[test]
            fn frames_among_garbage_in_any_chunking_all_come_out_in_order(
                packets in vec(packet(), 1..4),
                garbage in vec(biased_bytes(0..40), 4),
                chunks in vec(1usize..80, 1..20),
            ) {
                let packets: Vec<Packet> = packets.into_iter().filter(|p| encode(p).is_ok()).collect();
                let mut stream = garbage[0].clone();
                for (i, p) in packets.iter().enumerate() {
                    stream.extend_from_slice(encode(p).expect("filtered").as_bytes());
                    stream.extend_from_slice(&garbage[(i + 1) % garbage.len()]);
                }
                let mut s = FrameScanner::new();
                let mut got = Vec::new();
                let mut rest = &stream[..];
                for size in chunks.iter().cycle() {
                    if rest.is_empty() {
                        break;
                    }
                    let (now, later) = rest.split_at((*size).min(rest.len()));
                    s.push(now);
                    rest = later;
                    prop_assert!(s.buffered() < s.max_frame_len());
                    got.extend(s.by_ref().filter_map(Result::ok));
                }
                prop_assert_eq!(got, packets);
            }
        }
    }
}
