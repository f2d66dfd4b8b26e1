//! HJ 212-2017 (污染物在线监控（监测）系统数据传输标准): a pure codec for the frames automatic stations
//! and enterprise monitors send over TCP. Bytes in, packets out, and back; no I/O, no clock.
//!
//! - [`FrameScanner`] cuts frames out of a byte stream; [`decode_frame`] reads one; [`encode`] writes one.
//! - [`Packet`] is the data segment (`QN ST CN PW MN Flag [PNUM PNO] CP`), [`Cp`] its CP area, grouped
//!   into one [`Item`] per pollutant code.
//! - [`wants_ack`] and [`data_ack_frame`] answer an upload with the 9014 acknowledgement.
//! - [`Reassembler`] puts split messages (`PNUM`/`PNO`) back together.
//! - [`codes::lookup`] knows the water pollutant codes, their default units and GB 3838 keys.
//!
//! ```
//! use models::domain::hj212::{FrameScanner, codes, data_ack_frame, wants_ack};
//!
//! let mut scanner = FrameScanner::new();
//! scanner.push(b"noise##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;");
//! assert_eq!(scanner.next(), None); // waiting for the rest of the frame
//! scanner.push(b"Flag=5;CP=&&RtdInterval=30&&1C80\r\n");
//! let packet = scanner.next().expect("a frame").expect("a valid frame");
//! assert_eq!(packet.cp.field("RtdInterval"), Some("30"));
//! if wants_ack(&packet) {
//!     let reply = data_ack_frame(&packet).expect("a decoded packet can be acknowledged");
//!     assert!(reply.starts_with("##0087QN=20160801085857223;ST=91;CN=9014;"));
//! }
//! assert_eq!(codes::lookup("w20142").map(|c| c.unit), Some("ug/L"));
//! ```

pub mod codes;
mod cp;
mod crc;
mod error;
mod frame;
mod packet;
mod reassembly;
mod reply;

pub use cp::{Cp, DataFlag, Item, beijing_to_utc, parse_data_time};
pub use crc::{crc_hex, crc16, parse_crc};
pub use error::FrameError;
pub use frame::{
    FRAME_OVERHEAD, FrameScanner, LENGTH_DIGITS_MAX, MAX_DATA_LEN, decode_frame, decode_frame_with_max, encode,
};
pub use packet::{Flag, Packet, cn, st};
pub use reassembly::{Reassembler, ReassemblyError, ReassemblyLimits};
pub use reply::{data_ack, data_ack_frame, wants_ack};
