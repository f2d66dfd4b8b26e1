//! What can be wrong with an HJ 212 frame, at any layer: framing, check code, header fields, CP area.

/// Everything `decode_frame`, the `FrameScanner` and `encode` can refuse. Each variant names what is
/// wrong so a receiver can log it with the device's bytes and move on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame does not start with ##")]
    BadHeader,
    #[error("frame ends before it is complete")]
    Truncated,
    #[error("length field {found:?} is not four decimal digits")]
    BadLength { found: String },
    #[error("declared data length {declared} exceeds the maximum {max}")]
    TooLong { declared: usize, max: usize },
    #[error("declared data length {declared} but the frame's CR LF says {found}")]
    LengthMismatch { declared: usize, found: usize },
    #[error("frame is not terminated by CR LF where its length says")]
    MissingCrLf,
    #[error("{extra} bytes follow the frame's CR LF")]
    TrailingBytes { extra: usize },
    #[error("check code {found:?} is not four hex digits")]
    BadCrcDigits { found: String },
    #[error("check code mismatch: the data gives {expected:04X}, the frame says {found:04X}")]
    BadCrc { expected: u16, found: u16 },
    #[error("data segment is not ASCII text")]
    NotText,
    #[error("missing field {0}")]
    MissingField(&'static str),
    #[error("field {0} appears twice")]
    DuplicateField(String),
    #[error("field {field} has an invalid value {value:?}")]
    BadField { field: String, value: String },
    #[error("CP area is not enclosed in && … &&")]
    BadCp,
}

impl FrameError {
    pub(crate) fn bad_field(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self::BadField { field: field.into(), value: value.into() }
    }
}

/// Bytes as they can be shown in a message: printable ASCII kept, everything else escaped.
pub(crate) fn shown(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}
