//! What a receiver sends back: the 9014 data acknowledgement (数据应答) for an upload that asks for one.

use super::cp::Cp;
use super::error::FrameError;
use super::frame::encode;
use super::packet::{Flag, Packet, cn, st};

/// Whether the sender asked to be acknowledged (Flag bit A). A packet without `Flag` did not.
pub fn wants_ack(packet: &Packet) -> bool {
    packet.flag.is_some_and(Flag::ack_requested)
}

/// The 9014 acknowledgement of `request`: ST=91, the same QN, PW and MN, `Flag=4` (version 1, no
/// acknowledgement of the acknowledgement), an empty CP. Each packet of a split message is acknowledged
/// on its own.
pub fn data_ack(request: &Packet) -> Packet {
    Packet {
        qn: request.qn.clone(),
        st: st::INTERACTION.to_string(),
        cn: cn::DATA_ACK.to_string(),
        pw: request.pw.clone(),
        mn: request.mn.clone(),
        flag: Some(Flag::new(Flag::VERSION_2017, false, false)),
        pnum: None,
        pno: None,
        cp: Cp::default(),
        extra: Vec::new(),
    }
}

/// [`data_ack`], framed. Fails only for a hand-built request whose QN, PW or MN could not be written
/// (a `;` or a line end in it); a decoded request always has an acknowledgement.
pub fn data_ack_frame(request: &Packet) -> Result<String, FrameError> {
    encode(&data_ack(request))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::hj212::frame::decode_frame;

    #[test]
    fn an_upload_asking_for_an_ack_gets_the_exact_9014_frame() {
        let request = decode_frame(
            b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n",
        )
        .expect("the standard's example");
        assert!(wants_ack(&request));
        // Length 0087 and CRC 71C0 were computed once with a few lines of Python following STANDARDS.md §4.
        assert_eq!(
            data_ack_frame(&request).expect("encodable"),
            "##0087QN=20160801085857223;ST=91;CN=9014;PW=100000;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&71C0\r\n"
        );
    }

    #[test]
    fn only_the_a_bit_asks_for_an_ack() {
        let mut p = Packet { st: "21".into(), cn: "2061".into(), mn: "RC0001".into(), ..Packet::default() };
        assert!(!wants_ack(&p));
        p.flag = Some(Flag(4));
        assert!(!wants_ack(&p));
        p.flag = Some(Flag(7));
        assert!(wants_ack(&p));
        assert!(!wants_ack(&data_ack(&p)), "an acknowledgement is not acknowledged");
    }

    #[test]
    fn a_request_without_qn_or_pw_is_acknowledged_without_them() {
        let p = Packet {
            st: "21".into(),
            cn: "2061".into(),
            mn: "RC0001".into(),
            flag: Some(Flag(5)),
            ..Packet::default()
        };
        // Length 0038 and CRC 8701 computed once in Python.
        assert_eq!(data_ack_frame(&p).as_deref(), Ok("##0038ST=91;CN=9014;MN=RC0001;Flag=4;CP=&&&&8701\r\n"));
    }
}
