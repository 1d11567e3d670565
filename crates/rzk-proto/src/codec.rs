//! Framing of the client port (`PROTOCOL.md` §1.3, §2.1, §4.1): every message
//! is a 4-byte big-endian length and that many bytes, and before its first
//! frame a connection may instead send a four-letter word.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::jute::DEFAULT_MAX_BUFFER;

/// A four-letter admin command, recognised by its 4 ASCII bytes read as the
/// first frame length of a fresh connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FourLetterCommand {
    /// `conf`: configuration.
    Conf,
    /// `cons`: connections.
    Cons,
    /// `crst`: reset connection stats.
    Crst,
    /// `dirs`: data directory sizes.
    Dirs,
    /// `dump`: sessions and ephemerals.
    Dump,
    /// `envi`: environment.
    Envi,
    /// `gtmk`: get trace mask.
    Gtmk,
    /// `hash`: digest history.
    Hash,
    /// `isro`: read-only?
    Isro,
    /// `mntr`: metrics.
    Mntr,
    /// `ruok`: liveness.
    Ruok,
    /// `srst`: reset server stats.
    Srst,
    /// `srvr`: server summary.
    Srvr,
    /// `stat`: summary plus clients.
    Stat,
    /// `stmk`: set trace mask (followed by an 8-byte mask).
    Stmk,
    /// `wchc`: watches by session.
    Wchc,
    /// `wchp`: watches by path.
    Wchp,
    /// `wchs`: watch summary.
    Wchs,
    /// The telnet "interrupt process" sequence `ff f4 ff fd`, which
    /// ZooKeeper recognises and answers with nothing.
    TelnetClose,
}

impl FourLetterCommand {
    /// Every command.
    pub const ALL: &'static [FourLetterCommand] = &[
        Self::Conf,
        Self::Cons,
        Self::Crst,
        Self::Dirs,
        Self::Dump,
        Self::Envi,
        Self::Gtmk,
        Self::Hash,
        Self::Isro,
        Self::Mntr,
        Self::Ruok,
        Self::Srst,
        Self::Srvr,
        Self::Stat,
        Self::Stmk,
        Self::Wchc,
        Self::Wchp,
        Self::Wchs,
        Self::TelnetClose,
    ];

    /// The four bytes on the wire.
    pub const fn bytes(self) -> [u8; 4] {
        match self {
            Self::Conf => *b"conf",
            Self::Cons => *b"cons",
            Self::Crst => *b"crst",
            Self::Dirs => *b"dirs",
            Self::Dump => *b"dump",
            Self::Envi => *b"envi",
            Self::Gtmk => *b"gtmk",
            Self::Hash => *b"hash",
            Self::Isro => *b"isro",
            Self::Mntr => *b"mntr",
            Self::Ruok => *b"ruok",
            Self::Srst => *b"srst",
            Self::Srvr => *b"srvr",
            Self::Stat => *b"stat",
            Self::Stmk => *b"stmk",
            Self::Wchc => *b"wchc",
            Self::Wchp => *b"wchp",
            Self::Wchs => *b"wchs",
            Self::TelnetClose => [0xff, 0xf4, 0xff, 0xfd],
        }
    }

    /// The command's name (`ruok`, …; `telnet-close` for the telnet code),
    /// as used in `4lw.commands.whitelist`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Conf => "conf",
            Self::Cons => "cons",
            Self::Crst => "crst",
            Self::Dirs => "dirs",
            Self::Dump => "dump",
            Self::Envi => "envi",
            Self::Gtmk => "gtmk",
            Self::Hash => "hash",
            Self::Isro => "isro",
            Self::Mntr => "mntr",
            Self::Ruok => "ruok",
            Self::Srst => "srst",
            Self::Srvr => "srvr",
            Self::Stat => "stat",
            Self::Stmk => "stmk",
            Self::Wchc => "wchc",
            Self::Wchp => "wchp",
            Self::Wchs => "wchs",
            Self::TelnetClose => "telnet-close",
        }
    }

    /// The command whose bytes these are, if any.
    pub fn from_bytes(b: [u8; 4]) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.bytes() == b)
    }
}

/// What a client sent: a four-letter word (then the server answers in text
/// and closes) or a frame payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A four-letter word; `stmk` carries its 8-byte trace mask.
    FourLetterWord {
        /// The command.
        command: FourLetterCommand,
        /// The mask that follows `stmk`.
        mask: Option<i64>,
    },
    /// A frame's payload, without the length prefix.
    Frame(Bytes),
}

/// Why the stream could not be framed. The connection must be closed.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// A length prefix below 0 or above the frame limit; ZooKeeper closes the
    /// connection without a reply.
    #[error("frame length {len} out of range (0..={max})")]
    Length {
        /// The length read.
        len: i64,
        /// The configured limit (`jute.maxbuffer`).
        max: usize,
    },
    /// The socket failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The length-prefixed codec of the client port.
///
/// On the server side it recognises four-letter words until the first frame
/// has been read, and never afterwards (a `ruok` sent inside a session is a
/// frame length of 1,920,298,859 and closes the connection, as in
/// ZooKeeper). It never buffers more than one frame of at most `max_frame`
/// bytes plus its prefix, and never reserves room for bytes not yet received.
#[derive(Debug, Clone)]
pub struct FrameCodec {
    max_frame: usize,
    accept_four_letter_words: bool,
}

impl FrameCodec {
    /// The server side: four-letter words accepted before the first frame.
    pub fn server(max_frame: usize) -> Self {
        Self {
            max_frame,
            accept_four_letter_words: true,
        }
    }

    /// The client side: frames only.
    pub fn client(max_frame: usize) -> Self {
        Self {
            max_frame,
            accept_four_letter_words: false,
        }
    }

    /// The frame limit in bytes.
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }
}

impl Default for FrameCodec {
    /// A server-side codec with ZooKeeper's default `jute.maxbuffer`.
    fn default() -> Self {
        Self::server(DEFAULT_MAX_BUFFER)
    }
}

impl Decoder for FrameCodec {
    type Item = Inbound;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Inbound>, FrameError> {
        let Some(prefix) = src.get(..4) else {
            return Ok(None);
        };
        let prefix = [prefix[0], prefix[1], prefix[2], prefix[3]];
        if self.accept_four_letter_words {
            if let Some(command) = FourLetterCommand::from_bytes(prefix) {
                let needed = if command == FourLetterCommand::Stmk {
                    12
                } else {
                    4
                };
                if src.len() < needed {
                    return Ok(None);
                }
                src.advance(4);
                let mask = (needed == 12).then(|| src.get_i64());
                return Ok(Some(Inbound::FourLetterWord { command, mask }));
            }
        }
        let len = i32::from_be_bytes(prefix);
        let len = usize::try_from(len)
            .ok()
            .filter(|l| *l <= self.max_frame)
            .ok_or(FrameError::Length {
                len: len.into(),
                max: self.max_frame,
            })?;
        if src.len() < 4 + len {
            // No reserve for the announced length: memory per connection
            // grows with bytes actually received, not with what a peer claims.
            return Ok(None);
        }
        src.advance(4);
        self.accept_four_letter_words = false;
        Ok(Some(Inbound::Frame(src.split_to(len).freeze())))
    }
}

impl Encoder<Bytes> for FrameCodec {
    type Error = FrameError;

    /// Writes `payload` with its length prefix. A payload over the frame
    /// limit is refused, since the peer would close the connection on it.
    fn encode(&mut self, payload: Bytes, dst: &mut BytesMut) -> Result<(), FrameError> {
        if payload.len() > self.max_frame {
            return Err(FrameError::Length {
                len: i64::try_from(payload.len()).unwrap_or(i64::MAX),
                max: self.max_frame,
            });
        }
        dst.reserve(4 + payload.len());
        // Lossless: the length is at most max_frame, which fits the check above;
        // a max_frame beyond i32::MAX would be a configuration error upstream.
        dst.put_i32(i32::try_from(payload.len()).unwrap_or(i32::MAX));
        dst.extend_from_slice(&payload);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(codec: &mut FrameCodec, bytes: &[u8]) -> Result<Vec<Inbound>, FrameError> {
        let mut buf = BytesMut::from(bytes);
        let mut out = Vec::new();
        while let Some(item) = codec.decode(&mut buf)? {
            out.push(item);
        }
        Ok(out)
    }

    #[test]
    fn four_letter_word_only_before_the_first_frame() {
        let mut c = FrameCodec::default();
        let items = decode_all(&mut c, b"ruok").unwrap();
        assert_eq!(
            items,
            vec![Inbound::FourLetterWord {
                command: FourLetterCommand::Ruok,
                mask: None
            }]
        );
        let mut c = FrameCodec::default();
        let mut bytes = vec![0, 0, 0, 1, 9];
        bytes.extend_from_slice(b"ruok");
        let e = decode_all(&mut c, &bytes).unwrap_err();
        assert!(
            matches!(
                e,
                FrameError::Length {
                    len: 1_920_298_859,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn stmk_waits_for_its_mask() {
        let mut c = FrameCodec::default();
        let mut buf = BytesMut::from(&b"stmk\0\0\0"[..]);
        assert!(c.decode(&mut buf).unwrap().is_none());
        buf.extend_from_slice(&[0, 0, 0, 0, 0x32]);
        assert_eq!(
            c.decode(&mut buf).unwrap(),
            Some(Inbound::FourLetterWord {
                command: FourLetterCommand::Stmk,
                mask: Some(0x32)
            })
        );
    }

    #[test]
    fn frames_split_anywhere_reassemble() {
        let mut enc = FrameCodec::client(100);
        let mut wire = BytesMut::new();
        enc.encode(Bytes::from_static(b"hello"), &mut wire).unwrap();
        enc.encode(Bytes::new(), &mut wire).unwrap();
        for split in 0..wire.len() {
            let mut c = FrameCodec::server(100);
            let mut buf = BytesMut::from(&wire[..split]);
            let mut got = Vec::new();
            while let Some(i) = c.decode(&mut buf).unwrap() {
                got.push(i);
            }
            buf.extend_from_slice(&wire[split..]);
            while let Some(i) = c.decode(&mut buf).unwrap() {
                got.push(i);
            }
            assert_eq!(
                got,
                vec![
                    Inbound::Frame(Bytes::from_static(b"hello")),
                    Inbound::Frame(Bytes::new())
                ]
            );
        }
    }

    #[test]
    fn lengths_over_the_limit_or_negative_are_refused_without_buffering() {
        let mut c = FrameCodec::server(DEFAULT_MAX_BUFFER);
        let e = decode_all(&mut c, &0x0010_0000u32.to_be_bytes()).unwrap_err();
        assert!(matches!(e, FrameError::Length { len: 1_048_576, .. }));
        let mut c = FrameCodec::server(DEFAULT_MAX_BUFFER);
        assert!(decode_all(&mut c, &[0xff, 0xff, 0xff, 0xfe]).is_err());
        let mut c = FrameCodec::server(DEFAULT_MAX_BUFFER);
        let ok = decode_all(&mut c, &0x000f_ffffu32.to_be_bytes()).unwrap();
        assert!(
            ok.is_empty(),
            "a frame at the limit is awaited, not refused"
        );
    }

    #[test]
    fn names_match_the_whitelist_spelling() {
        for c in FourLetterCommand::ALL {
            if *c != FourLetterCommand::TelnetClose {
                assert_eq!(c.name().as_bytes(), c.bytes());
            }
        }
    }
}
