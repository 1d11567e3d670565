//! Election message framing (`QuorumCnxManager.RecvWorker`, `PROTOCOL.md`
//! §5.2): after the handshake, each message is an int length N with
//! `0 < N <= 524288`, then N bytes.

use bytes::BufMut;

/// The largest election message (`QuorumCnxManager.PACKETMAXSIZE`, 512 KiB).
pub const MAX_ELECTION_MESSAGE: usize = 512 * 1024;

/// A frame length the receiver refuses (it closes the connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("election message length {0} out of range 1..=524288")]
pub struct ElectionFrameLength(pub i64);

/// Reads the frame at the start of `buf`: `Ok(Some((payload, n)))` when
/// its `n` bytes are all there, `Ok(None)` when more are needed, and an
/// error for a length ZooKeeper refuses — checked as soon as the length
/// has arrived, before waiting for the payload.
pub fn decode_election_frame(buf: &[u8]) -> Result<Option<(&[u8], usize)>, ElectionFrameLength> {
    let Some(prefix) = buf.get(..4) else {
        return Ok(None);
    };
    let len = i32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]);
    let n = usize::try_from(len)
        .ok()
        .filter(|n| (1..=MAX_ELECTION_MESSAGE).contains(n))
        .ok_or(ElectionFrameLength(len.into()))?;
    Ok(buf.get(4..4 + n).map(|payload| (payload, 4 + n)))
}

/// Appends `payload` as one frame. Fails, writing nothing, for an empty or
/// over-long payload, which the receiver would refuse.
pub fn encode_election_frame<B: BufMut>(
    payload: &[u8],
    w: &mut B,
) -> Result<(), ElectionFrameLength> {
    if !(1..=MAX_ELECTION_MESSAGE).contains(&payload.len()) {
        return Err(ElectionFrameLength(
            i64::try_from(payload.len()).unwrap_or(i64::MAX),
        ));
    }
    // Fits in an i32: it is at most 512 KiB.
    w.put_i32(payload.len() as i32);
    w.put_slice(payload);
    Ok(())
}
