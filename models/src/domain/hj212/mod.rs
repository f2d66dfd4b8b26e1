//! HJ 212-2017 (污染物在线监控（监测）系统数据传输标准): a pure codec for the frames automatic stations
//! and enterprise monitors send over TCP. Bytes in, packets out, and back; no I/O, no clock.

mod cp;
mod crc;
mod error;
mod frame;
mod packet;

pub use cp::{Cp, DataFlag, Item, beijing_to_utc, parse_data_time};
pub use crc::{crc_hex, crc16, parse_crc};
pub use error::FrameError;
pub use frame::{
    FRAME_OVERHEAD, FrameScanner, LENGTH_DIGITS_MAX, MAX_DATA_LEN, decode_frame, decode_frame_with_max, encode,
};
pub use packet::{Flag, Packet, cn, st};
