//! The data segment of a frame: the header fields `QN ST CN PW MN Flag [PNUM PNO]` and the CP area.
//!
//! Read leniently, as real devices write it: fields in any order, keys in any case, `QN`, `PW` and `Flag`
//! optional, unknown fields kept in [`Packet::extra`]. `ST`, `CN` and `MN` are required; a known field
//! given twice is refused, because a receiver must not guess which device or command was meant.

use super::cp::{Cp, HEADER_KEY, HEADER_VALUE, check_text};
use super::error::FrameError;

/// System codes (`ST`) riverchief meets.
pub mod st {
    /// 地表水质量监测
    pub const SURFACE_WATER: &str = "21";
    /// 水污染源在线监测
    pub const WASTEWATER: &str = "32";
    /// 系统交互 (replies such as 9014)
    pub const INTERACTION: &str = "91";
}

/// Command codes (`CN`) riverchief meets.
pub mod cn {
    /// 实时数据
    pub const REALTIME: &str = "2011";
    /// 分钟数据
    pub const MINUTE: &str = "2051";
    /// 小时数据
    pub const HOURLY: &str = "2061";
    /// 日数据
    pub const DAILY: &str = "2031";
    /// 数据应答
    pub const DATA_ACK: &str = "9014";
}

/// One data segment, decoded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Packet {
    /// Request id `YYYYMMDDhhmmsszzz`, echoed in replies; kept as text.
    pub qn: Option<String>,
    /// System code, see [`st`].
    pub st: String,
    /// Command code, see [`cn`].
    pub cn: String,
    /// Access password.
    pub pw: Option<String>,
    /// Device id.
    pub mn: String,
    pub flag: Option<Flag>,
    /// Number of packets in a split message (`1..`), with `pno`.
    pub pnum: Option<u32>,
    /// This packet's number in a split message (`1..=pnum`).
    pub pno: Option<u32>,
    pub cp: Cp,
    /// Header fields this codec does not know, in the order received.
    pub extra: Vec<(String, String)>,
}

/// The `Flag` byte: bits `V5..V0 D A`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Flag(pub u8);

impl Flag {
    /// Protocol version of HJ 212-2017 in bits V5..V0.
    pub const VERSION_2017: u8 = 1;
    const ACK: u8 = 0b01;
    const SPLIT: u8 = 0b10;

    /// `version` keeps its low six bits.
    pub fn new(version: u8, split: bool, ack_requested: bool) -> Self {
        Self(((version & 0x3F) << 2) | if split { Self::SPLIT } else { 0 } | if ack_requested { Self::ACK } else { 0 })
    }

    pub fn version(self) -> u8 {
        self.0 >> 2
    }

    /// D: the packet carries `PNUM` and `PNO`.
    pub fn is_split(self) -> bool {
        self.0 & Self::SPLIT != 0
    }

    /// A: the receiver must acknowledge.
    pub fn ack_requested(self) -> bool {
        self.0 & Self::ACK != 0
    }

    /// The same flag without the D bit (a reassembled message is no longer split).
    pub fn unsplit(self) -> Self {
        Self(self.0 & !Self::SPLIT)
    }
}

/// The header keys, as the standard spells them.
const KEYS: [&str; 8] = ["QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO"];

impl Packet {
    /// Parses a data segment (the text between the length digits and the check code).
    pub fn parse(segment: &str) -> Result<Packet, FrameError> {
        let mut header: [Option<&str>; 8] = [None; 8];
        let mut cp = None;
        let mut extra = Vec::new();
        let mut rest = segment;
        while !rest.is_empty() {
            if rest.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("CP=&&")) {
                if cp.is_some() {
                    return Err(FrameError::DuplicateField("CP".into()));
                }
                let body = &rest[5..];
                let end = cp_end(body).ok_or(FrameError::BadCp)?;
                cp = Some(Cp::parse(&body[..end])?);
                rest = &body[end + 2..];
                rest = rest.strip_prefix(';').unwrap_or(rest);
                continue;
            }
            let (field, next) = rest.split_once(';').unwrap_or((rest, ""));
            rest = next;
            if field.is_empty() {
                continue;
            }
            let Some((key, value)) = field.split_once('=') else {
                return Err(FrameError::bad_field("data segment", field));
            };
            if key.eq_ignore_ascii_case("CP") {
                return Err(FrameError::BadCp);
            }
            match KEYS.iter().position(|k| k.eq_ignore_ascii_case(key)) {
                Some(i) if header[i].is_some() => return Err(FrameError::DuplicateField(KEYS[i].into())),
                Some(i) => header[i] = Some(value),
                None => extra.push((key.to_string(), value.to_string())),
            }
        }
        let [qn, st, cn, pw, mn, flag, pnum, pno] = header.map(|v| v.filter(|v| !v.is_empty()));
        let required =
            |v: Option<&str>, name: &'static str| v.map(str::to_string).ok_or(FrameError::MissingField(name));
        let packet = Packet {
            qn: qn.map(str::to_string),
            st: required(st, "ST")?,
            cn: required(cn, "CN")?,
            pw: pw.map(str::to_string),
            mn: required(mn, "MN")?,
            flag: flag.map(|v| digits(v).map(Flag).ok_or_else(|| FrameError::bad_field("Flag", v))).transpose()?,
            pnum: pnum.map(|v| digits(v).ok_or_else(|| FrameError::bad_field("PNUM", v))).transpose()?,
            pno: pno.map(|v| digits(v).ok_or_else(|| FrameError::bad_field("PNO", v))).transpose()?,
            cp: cp.unwrap_or_default(),
            extra,
        };
        packet.check_parts()?;
        Ok(packet)
    }

    /// `PNUM` and `PNO` come together, with `1 <= PNO <= PNUM`.
    pub(crate) fn check_parts(&self) -> Result<(), FrameError> {
        match (self.pnum, self.pno) {
            (None, None) => Ok(()),
            (Some(_), None) => Err(FrameError::MissingField("PNO")),
            (None, Some(_)) => Err(FrameError::MissingField("PNUM")),
            (Some(0), Some(_)) => Err(FrameError::bad_field("PNUM", "0")),
            (Some(pnum), Some(pno)) if pno == 0 || pno > pnum => Err(FrameError::bad_field("PNO", pno.to_string())),
            _ => Ok(()),
        }
    }

    /// Writes the data segment: `QN ST CN PW MN Flag PNUM PNO`, the extra fields, then `CP=&&…&&`.
    /// Refuses a packet that would not read back as itself (see [`Cp::encode_body`]); absent and empty
    /// optional fields are both left out.
    pub fn data_segment(&self) -> Result<String, FrameError> {
        for (value, name) in [(&self.st, "ST"), (&self.cn, "CN"), (&self.mn, "MN")] {
            if value.is_empty() {
                return Err(FrameError::MissingField(name));
            }
        }
        self.check_parts()?;
        let mut fields: Vec<(&str, String)> = Vec::new();
        let mut text = |name: &'static str, value: Option<&String>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                fields.push((name, v.clone()));
            }
        };
        text("QN", self.qn.as_ref());
        text("ST", Some(&self.st));
        text("CN", Some(&self.cn));
        text("PW", self.pw.as_ref());
        text("MN", Some(&self.mn));
        if let Some(flag) = self.flag {
            fields.push(("Flag", flag.0.to_string()));
        }
        if let (Some(pnum), Some(pno)) = (self.pnum, self.pno) {
            fields.push(("PNUM", pnum.to_string()));
            fields.push(("PNO", pno.to_string()));
        }
        let mut out = String::new();
        for (name, value) in &fields {
            check_text(name, value, HEADER_VALUE)?;
            out.push_str(&format!("{name}={value};"));
        }
        for (key, value) in &self.extra {
            check_text(key, key, HEADER_KEY)?;
            check_text(key, value, HEADER_VALUE)?;
            let reserved = KEYS.iter().chain(&["CP"]).any(|k| k.eq_ignore_ascii_case(key));
            if key.is_empty() || reserved {
                return Err(FrameError::bad_field(key.as_str(), value.as_str()));
            }
            out.push_str(&format!("{key}={value};"));
        }
        out.push_str(&format!("CP=&&{}&&", self.cp.encode_body()?));
        Ok(out)
    }
}

/// Where the CP area closes: the first `&&` that ends the segment or is followed by `;`.
fn cp_end(body: &str) -> Option<usize> {
    let b = body.as_bytes();
    (0..b.len().saturating_sub(1))
        .find(|&i| b[i] == b'&' && b[i + 1] == b'&' && matches!(b.get(i + 2), None | Some(b';')))
}

/// A decimal number written with digits only (no sign, no spaces).
fn digits<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STANDARD_EXAMPLE: &str =
        "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&";

    #[test]
    fn the_standards_example_reads_field_by_field() {
        let p = Packet::parse(STANDARD_EXAMPLE).expect("valid");
        assert_eq!(p.qn.as_deref(), Some("20160801085857223"));
        assert_eq!((p.st.as_str(), p.cn.as_str()), ("32", "1062"));
        assert_eq!(p.pw.as_deref(), Some("100000"));
        assert_eq!(p.mn, "010000A8900016F000169DC0");
        assert_eq!(p.flag, Some(Flag(5)));
        assert_eq!((p.pnum, p.pno), (None, None));
        assert_eq!(p.cp.fields, [("RtdInterval".to_string(), "30".to_string())]);
        assert!(p.extra.is_empty());
        assert_eq!(p.data_segment().expect("encodable"), STANDARD_EXAMPLE);
    }

    #[test]
    fn flag_bits_are_version_split_and_ack() {
        let five = Flag(5);
        assert_eq!((five.version(), five.is_split(), five.ack_requested()), (1, false, true));
        let seven = Flag(7);
        assert_eq!((seven.version(), seven.is_split(), seven.ack_requested()), (1, true, true));
        assert!(!Flag(4).ack_requested());
        assert_eq!(Flag::new(Flag::VERSION_2017, true, false), Flag(6));
        assert_eq!(Flag(7).unsplit(), Flag(5));
        // HJ/T 212-2005 devices send version 0.
        assert_eq!(Flag(1).version(), 0);
    }

    #[test]
    fn qn_pw_and_flag_may_be_absent_and_fields_may_come_in_any_order() {
        let p = Packet::parse("mn=A1;CN=2011;st=21;CP=&&DataTime=20260512080000;w01001-Rtd=7.1&&").expect("valid");
        assert_eq!((p.qn, p.pw, p.flag), (None, None, None));
        assert_eq!((p.st.as_str(), p.cn.as_str(), p.mn.as_str()), ("21", "2011", "A1"));
        assert_eq!(p.cp.item("w01001").and_then(|i| i.rtd), Some(7.1));
    }

    #[test]
    fn unknown_header_fields_are_kept() {
        let p = Packet::parse("ST=21;CN=2011;MN=A1;Vendor=x;CP=&&&&").expect("valid");
        assert_eq!(p.extra, [("Vendor".to_string(), "x".to_string())]);
    }

    #[test]
    fn missing_st_cn_or_mn_is_named() {
        assert_eq!(Packet::parse("CN=2011;MN=A1;CP=&&&&"), Err(FrameError::MissingField("ST")));
        assert_eq!(Packet::parse("ST=21;MN=A1;CP=&&&&"), Err(FrameError::MissingField("CN")));
        assert_eq!(Packet::parse("ST=21;CN=2011;MN=;CP=&&&&"), Err(FrameError::MissingField("MN")));
    }

    #[test]
    fn a_known_field_twice_is_refused() {
        assert_eq!(Packet::parse("ST=21;CN=2011;MN=A1;MN=A2;CP=&&&&"), Err(FrameError::DuplicateField("MN".into())));
        assert_eq!(Packet::parse("ST=21;CN=2011;MN=A1;CP=&&&&;CP=&&&&"), Err(FrameError::DuplicateField("CP".into())));
    }

    #[test]
    fn a_field_without_a_value_is_named() {
        assert_eq!(
            Packet::parse("ST=21;CN=2011;MN=A1;garbage;CP=&&&&"),
            Err(FrameError::bad_field("data segment", "garbage"))
        );
    }

    #[test]
    fn a_cp_area_must_be_closed() {
        assert_eq!(Packet::parse("ST=21;CN=2011;MN=A1;CP=&&DataTime=20260512080000"), Err(FrameError::BadCp));
        assert_eq!(Packet::parse("ST=21;CN=2011;MN=A1;CP=DataTime=20260512080000"), Err(FrameError::BadCp));
    }

    #[test]
    fn the_cp_area_may_come_before_other_fields() {
        let p = Packet::parse("ST=21;CP=&&RtdInterval=30&&;CN=1062;MN=A1").expect("valid");
        assert_eq!(p.cn, "1062");
        assert_eq!(p.cp.field("RtdInterval"), Some("30"));
    }

    #[test]
    fn a_packet_without_cp_has_an_empty_one() {
        assert_eq!(Packet::parse("ST=21;CN=9014;MN=A1").expect("valid").cp, Cp::default());
    }

    #[test]
    fn bad_numbers_in_the_header_are_named() {
        let with = |extra: &str| Packet::parse(&format!("ST=21;CN=2061;MN=A1;{extra};CP=&&&&"));
        assert_eq!(with("Flag=x"), Err(FrameError::bad_field("Flag", "x")));
        assert_eq!(with("Flag=256"), Err(FrameError::bad_field("Flag", "256")));
        assert_eq!(with("Flag=+5"), Err(FrameError::bad_field("Flag", "+5")));
        assert_eq!(with("PNUM=2;PNO=x"), Err(FrameError::bad_field("PNO", "x")));
        assert_eq!(with("PNUM=2;PNO=3"), Err(FrameError::bad_field("PNO", "3")));
        assert_eq!(with("PNUM=2;PNO=0"), Err(FrameError::bad_field("PNO", "0")));
        assert_eq!(with("PNUM=0;PNO=1"), Err(FrameError::bad_field("PNUM", "0")));
        assert_eq!(with("PNUM=2"), Err(FrameError::MissingField("PNO")));
        assert_eq!(with("Flag=7;PNUM=2;PNO=2").map(|p| (p.pnum, p.pno)), Ok((Some(2), Some(2))));
    }

    #[test]
    fn encoding_refuses_what_would_not_read_back() {
        let good = Packet { st: "21".into(), cn: "2011".into(), mn: "A1".into(), ..Packet::default() };
        assert_eq!(good.data_segment().as_deref(), Ok("ST=21;CN=2011;MN=A1;CP=&&&&"));
        assert_eq!(Packet { mn: String::new(), ..good.clone() }.data_segment(), Err(FrameError::MissingField("MN")));
        assert!(Packet { mn: "A;1".into(), ..good.clone() }.data_segment().is_err());
        assert!(Packet { qn: Some("1\r\n2".into()), ..good.clone() }.data_segment().is_err());
        // `=` and `&` are harmless in a header value, so a device's odd password is echoed as it came.
        let odd = Packet { pw: Some("a=b&c".into()), ..good.clone() };
        assert_eq!(Packet::parse(&odd.data_segment().expect("encodable")), Ok(odd));
        assert!(Packet { extra: vec![("mn".into(), "A2".into())], ..good.clone() }.data_segment().is_err());
        assert!(Packet { pnum: Some(2), ..good.clone() }.data_segment().is_err());
    }
}
