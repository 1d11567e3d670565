//! The two compressed wrappings ZooKeeper may give a snapshot
//! (`p/SnapStream`, PROTOCOL.md §6.3): GZIP (`snapshot.<zxid>.gz`) and
//! snappy-java's stream framing (`snapshot.<zxid>.snappy`). Checksums and
//! seals live inside, in the uncompressed stream; this module unwraps them,
//! and wraps a stream written piece by piece (the snapshot writer).
//!
//! snappy-java's framing (`org.xerial.snappy.SnappyOutputStream` /
//! `SnappyInputStream`, 1.1.8) is not the Snappy "framing format" of the
//! `snap` crate's `read::FrameDecoder`: it is a 16-byte header (the magic
//! `82 'S' 'N' 'A' 'P' 'P' 'Y' 00`, then big-endian ints version 1 and
//! minimum compatible version 1), followed by chunks, each a big-endian
//! `int` length and that many bytes of one raw Snappy block (the writer
//! compresses 32 KiB of input per block). A chunk "length" equal to the
//! magic's first four bytes starts another header (concatenated streams).
//! Input without the magic is one raw block (`Snappy.compress` output).

use std::io::Read;

use flate2::read::MultiGzDecoder;

/// snappy-java's stream magic.
pub const SNAPPY_JAVA_MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];

/// snappy-java's whole header: magic, version, minimum compatible version.
pub const SNAPPY_JAVA_HEADER_LEN: usize = 16;

/// The version snappy-java writes, and the oldest it reads.
const SNAPPY_JAVA_VERSION: i32 = 1;

/// Uncompressed bytes per chunk in snappy-java's `SnappyOutputStream`.
pub const SNAPPY_JAVA_BLOCK_SIZE: usize = 32 * 1024;

/// The two bytes every GZIP member starts with.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The most a raw Snappy block can expand: a 3-byte copy emits at most 64
/// bytes, and nothing emits more per input byte. A block declaring more is
/// corrupt, so its length is refused before anything is allocated.
const SNAPPY_MAX_EXPANSION: usize = 22;

/// Why compressed bytes could not be unwrapped. `offset` is the position
/// in the compressed input where the problem was found (for GZIP, where
/// the decoder stopped, which is as near as its errors say).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at compressed offset {offset}: {what}")]
pub struct CompressError {
    /// Offset in the compressed bytes.
    pub offset: u64,
    /// What was wrong.
    pub what: String,
}

impl CompressError {
    fn at(offset: usize, what: impl Into<String>) -> Self {
        Self {
            offset: offset as u64,
            what: what.into(),
        }
    }
}

/// Whether `file` starts like a GZIP stream: the check ZooKeeper runs on a
/// `.gz` snapshot before trying to load it (`isValidGZipStream`).
pub fn has_gzip_magic(file: &[u8]) -> bool {
    file.starts_with(&GZIP_MAGIC)
}

/// Whether `file` starts with snappy-java's magic: the check ZooKeeper runs
/// on a `.snappy` snapshot before trying to load it (`isValidSnappyStream`).
pub fn has_snappy_java_magic(file: &[u8]) -> bool {
    file.starts_with(&SNAPPY_JAVA_MAGIC)
}

/// Decompresses GZIP as `java.util.zip.GZIPInputStream` reads it: one or
/// more members back to back, each with its CRC32 and length checked.
pub fn gunzip(file: &[u8]) -> Result<Vec<u8>, CompressError> {
    if file.is_empty() {
        return Err(CompressError::at(0, "empty GZIP stream"));
    }
    let mut out = Vec::new();
    let mut reader = CountingReader {
        inner: file,
        read: 0,
    };
    let result = MultiGzDecoder::new(&mut reader).read_to_end(&mut out);
    match result {
        Ok(_) => Ok(out),
        Err(e) => Err(CompressError::at(reader.read, format!("GZIP: {e}"))),
    }
}

/// Compresses `data` as one GZIP member (what `GZIPOutputStream` writes,
/// though not byte for byte: deflate output differs between
/// implementations, and both read each other's).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// Decompresses snappy-java's stream framing exactly as `SnappyInputStream`
/// reads it (see the module docs), checking each block's integrity.
///
/// As in snappy-java: input that does not start with the full 16-byte
/// header is a single raw Snappy block; one to three bytes left after the
/// last chunk are ignored; a concatenated header with a bad magic ends the
/// stream. Unlike snappy-java, a chunk cut short by the end of the input
/// is an error naming its offset (snappy-java says "failed to read chunk").
pub fn snappy_java_decode(file: &[u8]) -> Result<Vec<u8>, CompressError> {
    if file.is_empty() {
        return Err(CompressError::at(
            0,
            "cannot decompress an empty snappy stream",
        ));
    }
    if file.len() < SNAPPY_JAVA_HEADER_LEN || !file.starts_with(&SNAPPY_JAVA_MAGIC) {
        // snappy-java only compares the magic's first min(8, len) bytes; a
        // short input that is a prefix of the magic is still "raw" to it,
        // and so fails to decompress as a raw block here too.
        return raw_block(file, 0);
    }
    let mut out = Vec::new();
    let mut at = SNAPPY_JAVA_HEADER_LEN;
    let magic_head = i32::from_be_bytes([
        SNAPPY_JAVA_MAGIC[0],
        SNAPPY_JAVA_MAGIC[1],
        SNAPPY_JAVA_MAGIC[2],
        SNAPPY_JAVA_MAGIC[3],
    ]);
    while let Some(len_bytes) = file.get(at..at + 4) {
        let len = i32::from_be_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
        if len == magic_head {
            let Some(header) = file.get(at..at + SNAPPY_JAVA_HEADER_LEN) else {
                return Err(CompressError::at(
                    at,
                    "insufficient header size in a concatenated block",
                ));
            };
            if !header.starts_with(&SNAPPY_JAVA_MAGIC) {
                // snappy-java's `hasNextChunk` returns "no more data" here.
                return Ok(out);
            }
            let version = i32::from_be_bytes([header[8], header[9], header[10], header[11]]);
            if version < SNAPPY_JAVA_VERSION {
                return Err(CompressError::at(
                    at,
                    format!("compressed with an incompatible codec version {version}"),
                ));
            }
            at += SNAPPY_JAVA_HEADER_LEN;
            continue;
        }
        let chunk_at = at + 4;
        let len = usize::try_from(len)
            .map_err(|_| CompressError::at(at, format!("negative chunk length {len}")))?;
        let Some(chunk) = file.get(chunk_at..chunk_at + len) else {
            return Err(CompressError::at(
                at,
                format!(
                    "chunk of {len} bytes cut short: {} bytes left",
                    file.len() - chunk_at
                ),
            ));
        };
        out.extend_from_slice(&raw_block(chunk, chunk_at)?);
        at = chunk_at + len;
    }
    Ok(out)
}

/// Wraps `data` in snappy-java's stream framing, as `SnappyOutputStream`
/// does with its default block size: the header, then one chunk per 32 KiB
/// of input. An empty input gives the header alone.
pub fn snappy_java_encode(data: &[u8]) -> Result<Vec<u8>, CompressError> {
    let mut out = Vec::with_capacity(SNAPPY_JAVA_HEADER_LEN + data.len() / 2);
    let mut enc = SnappyJavaEncoder::new();
    enc.write(data, &mut out)?;
    enc.finish(&mut out)?;
    Ok(out)
}

/// snappy-java's stream framing written piece by piece, for a stream too
/// large to hold whole (a snapshot): the output is the same bytes
/// [`snappy_java_encode`] gives for all the input at once, however the
/// input was split.
///
/// Like `SnappyOutputStream`, it compresses each 32 KiB of input as one
/// block as soon as the block is full, and the last, shorter block when
/// the stream is finished; the header comes first even for an empty
/// stream.
pub struct SnappyJavaEncoder {
    raw: snap::raw::Encoder,
    /// Input not yet compressed (less than one block).
    block: Vec<u8>,
    /// Room for one compressed block.
    compressed: Vec<u8>,
    header_written: bool,
}

impl std::fmt::Debug for SnappyJavaEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnappyJavaEncoder")
            .field("pending", &self.block.len())
            .field("header_written", &self.header_written)
            .finish()
    }
}

impl Default for SnappyJavaEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl SnappyJavaEncoder {
    /// A stream with nothing written yet.
    pub fn new() -> Self {
        Self {
            raw: snap::raw::Encoder::new(),
            block: Vec::with_capacity(SNAPPY_JAVA_BLOCK_SIZE),
            compressed: vec![0; snap::raw::max_compress_len(SNAPPY_JAVA_BLOCK_SIZE)],
            header_written: false,
        }
    }

    /// Takes `data` into the stream, appending to `out` the header (the
    /// first time) and every block it fills.
    pub fn write(&mut self, mut data: &[u8], out: &mut Vec<u8>) -> Result<(), CompressError> {
        self.header(out);
        while !data.is_empty() {
            let take = (SNAPPY_JAVA_BLOCK_SIZE - self.block.len()).min(data.len());
            self.block.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.block.len() == SNAPPY_JAVA_BLOCK_SIZE {
                self.emit_block(out)?;
            }
        }
        Ok(())
    }

    /// Ends the stream: appends the header if nothing was written, and
    /// the last block if input is left.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), CompressError> {
        self.header(out);
        if !self.block.is_empty() {
            self.emit_block(out)?;
        }
        Ok(())
    }

    fn header(&mut self, out: &mut Vec<u8>) {
        if !self.header_written {
            out.extend_from_slice(&SNAPPY_JAVA_MAGIC);
            out.extend_from_slice(&SNAPPY_JAVA_VERSION.to_be_bytes());
            out.extend_from_slice(&SNAPPY_JAVA_VERSION.to_be_bytes());
            self.header_written = true;
        }
    }

    fn emit_block(&mut self, out: &mut Vec<u8>) -> Result<(), CompressError> {
        let n = self
            .raw
            .compress(&self.block, &mut self.compressed)
            .map_err(|e| CompressError::at(out.len(), format!("snappy block: {e}")))?;
        // A compressed block of at most 32 KiB input is far below i32::MAX.
        let len =
            i32::try_from(n).map_err(|_| CompressError::at(out.len(), "snappy block too large"))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&self.compressed[..n]);
        self.block.clear();
        Ok(())
    }
}

/// Decompresses one raw Snappy block found at `offset` of the input.
fn raw_block(block: &[u8], offset: usize) -> Result<Vec<u8>, CompressError> {
    let declared = snap::raw::decompress_len(block)
        .map_err(|e| CompressError::at(offset, format!("snappy block: {e}")))?;
    if declared > block.len().saturating_mul(SNAPPY_MAX_EXPANSION) {
        return Err(CompressError::at(
            offset,
            format!(
                "snappy block of {} bytes declares {declared} uncompressed bytes, more than it can hold",
                block.len()
            ),
        ));
    }
    snap::raw::Decoder::new()
        .decompress_vec(block)
        .map_err(|e| CompressError::at(offset, format!("snappy block: {e}")))
}

/// Counts the compressed bytes a decoder has pulled, to say where it failed.
struct CountingReader<'a> {
    inner: &'a [u8],
    read: usize,
}

impl Read for CountingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn snappy_java_header_is_magic_then_two_versions() {
        let enc = snappy_java_encode(b"").unwrap();
        assert_eq!(
            enc,
            [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1]
        );
        assert_eq!(snappy_java_decode(&enc).unwrap(), b"");
        assert!(has_snappy_java_magic(&enc));
    }

    #[test]
    fn snappy_java_chunks_hold_32k_each() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let enc = snappy_java_encode(&data).unwrap();
        // Walk the chunks: 100000 bytes make 4 chunks of at most 32 KiB.
        let mut at = SNAPPY_JAVA_HEADER_LEN;
        let mut chunks = 0;
        while at < enc.len() {
            let len = i32::from_be_bytes(enc[at..at + 4].try_into().unwrap()) as usize;
            let block = &enc[at + 4..at + 4 + len];
            assert!(snap::raw::decompress_len(block).unwrap() <= SNAPPY_JAVA_BLOCK_SIZE);
            at += 4 + len;
            chunks += 1;
        }
        assert_eq!(chunks, 4);
        assert_eq!(snappy_java_decode(&enc).unwrap(), data);
    }

    #[test]
    fn without_the_header_the_input_is_one_raw_block() {
        let raw = snap::raw::Encoder::new()
            .compress_vec(b"raw snappy")
            .unwrap();
        assert_eq!(snappy_java_decode(&raw).unwrap(), b"raw snappy");
    }

    #[test]
    fn concatenated_streams_read_as_one() {
        let mut enc = snappy_java_encode(b"first ").unwrap();
        enc.extend_from_slice(&snappy_java_encode(b"second").unwrap());
        assert_eq!(snappy_java_decode(&enc).unwrap(), b"first second");
    }

    #[test]
    fn a_short_tail_after_the_last_chunk_is_ignored_like_snappy_java() {
        let mut enc = snappy_java_encode(b"data").unwrap();
        enc.extend_from_slice(&[0, 0, 1]);
        assert_eq!(snappy_java_decode(&enc).unwrap(), b"data");
    }

    #[test]
    fn cut_and_corrupt_chunks_name_their_offset() {
        let enc = snappy_java_encode(&[7u8; 1000]).unwrap();
        let e = snappy_java_decode(&enc[..enc.len() - 1]).unwrap_err();
        assert_eq!(e.offset, 16, "{e}");
        assert!(e.what.contains("cut short"), "{e}");

        let mut bad = enc.clone();
        bad[16..20].copy_from_slice(&(-5i32).to_be_bytes());
        let e = snappy_java_decode(&bad).unwrap_err();
        assert_eq!(e.offset, 16);

        let mut bad = enc;
        let last = bad.len() - 1;
        bad[last] ^= 0xff;
        assert!(snappy_java_decode(&bad).is_err());

        let e = snappy_java_decode(b"").unwrap_err();
        assert_eq!(e.offset, 0);
    }

    #[test]
    fn a_block_declaring_too_much_is_refused_before_allocating() {
        // Varint 0xffffffff (4 GiB - 1) followed by a literal: a lie.
        let mut block = vec![0xff, 0xff, 0xff, 0xff, 0x0f];
        block.extend_from_slice(&[0x00, b'x']);
        let e = snappy_java_decode(&block).unwrap_err();
        assert!(e.what.contains("more than it can hold"), "{e}");
    }

    #[test]
    fn gzip_round_trips_and_checks_its_crc() {
        let data = b"some snapshot stream".repeat(50);
        let gz = gzip(&data);
        assert!(has_gzip_magic(&gz));
        assert_eq!(gunzip(&gz).unwrap(), data);

        // Two members read as one stream, as GZIPInputStream reads them.
        let mut two = gzip(b"ab");
        two.extend_from_slice(&gzip(b"cd"));
        assert_eq!(gunzip(&two).unwrap(), b"abcd");

        let mut bad = gz.clone();
        let crc_at = bad.len() - 8;
        bad[crc_at] ^= 1;
        assert!(gunzip(&bad).is_err());
        assert!(gunzip(&gz[..gz.len() - 3]).is_err());
        assert!(gunzip(b"").is_err());
    }

    proptest! {
        #[test]
        fn snappy_java_round_trips(data in proptest::collection::vec(any::<u8>(), 0..70_000)) {
            prop_assert_eq!(snappy_java_decode(&snappy_java_encode(&data).unwrap()).unwrap(), data);
        }

        #[test]
        fn written_in_pieces_the_stream_is_the_one_written_whole(
            data in proptest::collection::vec(any::<u8>(), 0..100_000),
            cuts in proptest::collection::vec(0usize..40_000, 0..12),
        ) {
            let mut enc = SnappyJavaEncoder::new();
            let mut out = Vec::new();
            let mut rest = &data[..];
            for cut in cuts {
                let (piece, more) = rest.split_at(cut.min(rest.len()));
                enc.write(piece, &mut out).unwrap();
                rest = more;
            }
            enc.write(rest, &mut out).unwrap();
            enc.finish(&mut out).unwrap();
            prop_assert_eq!(&out, &snappy_java_encode(&data).unwrap());
            prop_assert_eq!(snappy_java_decode(&out).unwrap(), data);
        }

        #[test]
        fn decoders_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = snappy_java_decode(&data);
            let _ = gunzip(&data);
            let mut framed = SNAPPY_JAVA_MAGIC.to_vec();
            framed.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1]);
            framed.extend_from_slice(&data);
            let _ = snappy_java_decode(&framed);
        }
    }
}
