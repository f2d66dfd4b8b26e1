//! CSV bytes turned into UTF-8 as they stream: UTF-8 with or without a BOM, GBK as Chinese Excel saves it,
//! or UTF-16 with its byte-order mark. Nothing is replaced: undecodable bytes stop the stream, naming the line.
//!
//! The rule: a BOM decides. Without one, the bytes pass unchanged while they are ASCII (the same in every
//! encoding taken here); at the first non-ASCII byte the next [`BUFFER`] bytes are looked at once: valid
//! UTF-8 means UTF-8 from there on, anything else means GBK. Real GBK Chinese is almost never valid UTF-8
//! for more than a character or two, so a window of this size does not mistake one for the other.

use std::io::{self, Read};

use encoding_rs::{DecoderResult, Encoding, GBK};

use super::error::{EncodingFailure, EncodingProblem};

/// Bytes read from the source at a time, and the window the encoding is decided on.
pub(crate) const BUFFER: usize = 64 * 1024;

enum State {
    /// Nothing read yet: look for a BOM.
    Start,
    /// ASCII so far.
    Ascii,
    Utf8,
    Decode {
        decoder: encoding_rs::Decoder,
        gbk: bool,
        finished: bool,
    },
    Failed(EncodingFailure),
}

/// A `Read` over UTF-8 text decoded from `inner`. It holds two fixed buffers and never more.
pub(crate) struct Utf8Stream<R> {
    inner: R,
    state: State,
    /// Raw bytes: `buf[start..end]` is read but not yet used.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// In UTF-8 mode, `buf[start..checked]` is known to be valid.
    checked: usize,
    /// Decoded text not yet handed out: `out[out_start..out_end]`.
    out: Vec<u8>,
    out_start: usize,
    out_end: usize,
    /// Line feeds handed out so far; the line being read is `lines + 1`.
    lines: u64,
}

impl<R: Read> Utf8Stream<R> {
    pub(crate) fn new(inner: R) -> Self {
        Utf8Stream {
            inner,
            state: State::Start,
            buf: vec![0; BUFFER],
            start: 0,
            end: 0,
            eof: false,
            checked: 0,
            out: Vec::new(),
            out_start: 0,
            out_end: 0,
            lines: 0,
        }
    }

    /// The first raw bytes, at most `n` (fewer at the end of the file), without using them up.
    pub(crate) fn peek_raw(&mut self, n: usize) -> io::Result<&[u8]> {
        let n = n.min(BUFFER);
        while self.end - self.start < n && !self.eof {
            self.fill()?;
        }
        Ok(&self.buf[self.start..self.end.min(self.start + n)])
    }

    /// The bytes held in memory: fixed, whatever the size of the file.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.buf.capacity() + self.out.capacity()
    }

    /// Reads once more into the buffer, moving the unused bytes to its front. False at the end of the file.
    fn fill(&mut self) -> io::Result<bool> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.checked = self.checked.saturating_sub(self.start);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            return Ok(true);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn fail(&mut self, line: u64, problem: EncodingProblem) -> io::Error {
        let failure = EncodingFailure { line, problem };
        self.state = State::Failed(failure);
        io::Error::new(io::ErrorKind::InvalidData, failure)
    }

    /// Hands `n` bytes of `buf` from `start` out to `dst`, refusing NUL bytes.
    fn hand_out_raw(&mut self, dst: &mut [u8], n: usize) -> io::Result<usize> {
        let bytes = &self.buf[self.start..self.start + n];
        if let Some(nul) = bytes.iter().position(|&b| b == 0) {
            let line = self.lines + count_lines(&bytes[..nul]) + 1;
            return Err(self.fail(line, EncodingProblem::Nul));
        }
        dst[..n].copy_from_slice(bytes);
        self.lines += count_lines(bytes);
        self.start += n;
        Ok(n)
    }

    fn read_ascii(&mut self, dst: &mut [u8]) -> io::Result<Option<usize>> {
        if self.start == self.end && !self.fill()? {
            return Ok(Some(0));
        }
        let available = &self.buf[self.start..self.end];
        let ascii = available.iter().position(|b| !b.is_ascii()).unwrap_or(available.len());
        if ascii > 0 {
            return self.hand_out_raw(dst, ascii.min(dst.len())).map(Some);
        }
        // The first non-ASCII byte: decide on a full window from here.
        while !(self.eof || (self.start == 0 && self.end == self.buf.len())) {
            self.fill()?;
        }
        self.state = if looks_utf8(&self.buf[self.start..self.end], self.eof) {
            self.checked = self.start;
            State::Utf8
        } else {
            State::Decode { decoder: GBK.new_decoder_without_bom_handling(), gbk: true, finished: false }
        };
        Ok(None)
    }

    fn read_utf8(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.checked > self.start {
                let n = (self.checked - self.start).min(dst.len());
                return self.hand_out_raw(dst, n);
            }
            if self.start == self.end && !self.fill()? {
                return Ok(0);
            }
            match std::str::from_utf8(&self.buf[self.start..self.end]) {
                Ok(_) => self.checked = self.end,
                Err(e) if e.valid_up_to() > 0 => self.checked = self.start + e.valid_up_to(),
                // A character cut by the end of the buffer: read on.
                Err(e) if e.error_len().is_none() && !self.eof => {
                    self.fill()?;
                }
                Err(_) => return Err(self.fail(self.lines + 1, EncodingProblem::NotUtf8)),
            }
        }
    }

    /// Decodes the next stretch of raw bytes into `out`; false when the text has ended.
    fn decode_more(&mut self) -> io::Result<bool> {
        if self.start == self.end && !self.eof {
            self.fill()?;
        }
        let State::Decode { decoder, gbk, finished } = &mut self.state else {
            return Ok(false);
        };
        if *finished {
            return Ok(false);
        }
        if self.out.is_empty() {
            self.out = vec![0; 2 * BUFFER];
        }
        let last = self.eof;
        let (result, read, written) =
            decoder.decode_to_utf8_without_replacement(&self.buf[self.start..self.end], &mut self.out, last);
        let gbk = *gbk;
        self.start += read;
        self.out_start = 0;
        self.out_end = written;
        if last && matches!(result, DecoderResult::InputEmpty) {
            *finished = true;
        }
        let text = &self.out[..written];
        if let Some(at) = text.iter().position(|&b| b == 0) {
            let line = self.lines + count_lines(&text[..at]) + 1;
            return Err(self.fail(line, EncodingProblem::Nul));
        }
        // GBK's user-defined areas decode to the Private Use Area; no bureau's file holds those, and Big5 or
        // other text mistaken for GBK lands there often.
        if gbk && let Some(at) = private_use(text) {
            let line = self.lines + count_lines(&text[..at]) + 1;
            return Err(self.fail(line, EncodingProblem::NotGbk));
        }
        if let DecoderResult::Malformed(..) = result {
            let line = self.lines + count_lines(text) + 1;
            let problem = if gbk { EncodingProblem::NotGbk } else { EncodingProblem::NotUtf16 };
            return Err(self.fail(line, problem));
        }
        Ok(written > 0 || !last)
    }
}

impl<R: Read> Read for Utf8Stream<R> {
    fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        if dst.is_empty() {
            return Ok(0);
        }
        loop {
            if self.out_start < self.out_end {
                let n = (self.out_end - self.out_start).min(dst.len());
                let bytes = &self.out[self.out_start..self.out_start + n];
                dst[..n].copy_from_slice(bytes);
                self.lines += count_lines(bytes);
                self.out_start += n;
                return Ok(n);
            }
            match &self.state {
                State::Failed(failure) => {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, *failure));
                }
                State::Start => {
                    while self.end - self.start < 3 && !self.eof {
                        self.fill()?;
                    }
                    self.state = match Encoding::for_bom(&self.buf[self.start..self.end]) {
                        Some((encoding, bom)) => {
                            self.start += bom;
                            if encoding == encoding_rs::UTF_8 {
                                self.checked = self.start;
                                State::Utf8
                            } else {
                                let decoder = encoding.new_decoder_without_bom_handling();
                                State::Decode { decoder, gbk: false, finished: false }
                            }
                        }
                        None => State::Ascii,
                    };
                }
                State::Ascii => {
                    if let Some(n) = self.read_ascii(dst)? {
                        return Ok(n);
                    }
                }
                State::Utf8 => return self.read_utf8(dst),
                State::Decode { .. } => {
                    if !self.decode_more()? {
                        return Ok(0);
                    }
                }
            }
        }
    }
}

fn count_lines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Valid UTF-8, allowing a character cut off by the end of the window when the file goes on.
fn looks_utf8(window: &[u8], eof: bool) -> bool {
    match std::str::from_utf8(window) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && !eof,
    }
}

/// The offset of the first character in U+E000..=U+F8FF in UTF-8 `text`, if any.
fn private_use(text: &[u8]) -> Option<usize> {
    text.windows(2).position(|w| w[0] == 0xEE || (w[0] == 0xEF && (0x80..=0xA3).contains(&w[1])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<String, EncodingFailure> {
        let mut text = String::new();
        Utf8Stream::new(bytes).read_to_string(&mut text).map_err(|e| {
            *e.get_ref().and_then(|inner| inner.downcast_ref::<EncodingFailure>()).expect("an encoding failure")
        })?;
        Ok(text)
    }

    fn gbk(text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = GBK.encode(text);
        assert!(!unmappable);
        bytes.into_owned()
    }

    /// Reads through a reader that hands out a few bytes at a time, as sockets and pipes may.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(dst.len()).min(self.0.len());
            dst[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn utf8_passes_through_and_its_bom_is_dropped() {
        assert_eq!(decode("断面,值\n甲,1\n".as_bytes()).expect("utf-8"), "断面,值\n甲,1\n");
        assert_eq!(decode("\u{feff}断面,值\n".as_bytes()).expect("utf-8"), "断面,值\n");
        assert_eq!(decode(b"").expect("empty"), "");
    }

    #[test]
    fn gbk_is_decoded() {
        let text = "断面,氨氮\n赣江南昌段,0.52\n";
        assert_eq!(decode(&gbk(text)).expect("gbk"), text);
    }

    #[test]
    fn gbk_after_a_long_ascii_stretch_is_decided_where_it_starts() {
        let text = format!("{}\n断面\n", "a,b\n".repeat(50_000));
        assert_eq!(decode(&gbk(&text)).expect("gbk"), text);
    }

    #[test]
    fn characters_cut_by_small_reads_survive() {
        for text in ["断面,值\n甲,1\n", "\u{feff}河长,乡镇\n张三,新建区\n"] {
            for step in [1, 2, 3, 5] {
                let mut out = String::new();
                Utf8Stream::new(Trickle(text.as_bytes(), step)).read_to_string(&mut out).expect("utf-8");
                assert_eq!(out, text.trim_start_matches('\u{feff}'));
                let bytes = gbk(text.trim_start_matches('\u{feff}'));
                let mut out = String::new();
                Utf8Stream::new(Trickle(&bytes, step)).read_to_string(&mut out).expect("gbk");
                assert_eq!(out, text.trim_start_matches('\u{feff}'));
            }
        }
    }

    #[test]
    fn utf16_with_a_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "断面\t值\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode(&bytes).expect("utf-16"), "断面\t值\n");
    }

    #[test]
    fn bytes_neither_utf8_nor_gbk_are_refused_naming_the_line() {
        // 0xFF never starts a GBK character.
        let failure = decode(b"a,b\n1,2\n3,\xFF\xFF\n").expect_err("refused");
        assert_eq!(failure, EncodingFailure { line: 3, problem: EncodingProblem::NotGbk });
        // Big5 for 水質 lands in GBK's user-defined area.
        let failure = decode(b"x\n\xA4\xF4\xBD\xE8\n").expect_err("refused");
        assert_eq!(failure.problem, EncodingProblem::NotGbk);
    }

    #[test]
    fn utf8_that_turns_invalid_later_is_refused_naming_the_line() {
        let mut bytes = "断面\n".repeat(30_000).into_bytes();
        bytes.extend_from_slice(b"\xB6\xCF\n");
        let failure = decode(&bytes).expect_err("refused");
        assert_eq!(failure, EncodingFailure { line: 30_001, problem: EncodingProblem::NotUtf8 });
    }

    #[test]
    fn nul_bytes_are_refused() {
        let failure = decode(b"a\0,\0b\0").expect_err("refused");
        assert_eq!(failure, EncodingFailure { line: 1, problem: EncodingProblem::Nul });
    }
}
