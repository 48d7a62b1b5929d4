"""AAC made in chunks that are cached and spliced, so a change re-encodes only its own part.

FFmpeg's AAC encoder has no threads, and coding a whole video's sound was the slowest step of a
one-scene change. So the sound is cut into chunks where its scenes start (a change to a scene
leaves the chunks before it untouched), each chunk is encoded on its own and cached under the
hash of the very samples it was made from, and the chunks' packets are joined into one stream.

Joining separately encoded AAC is more than concatenation: each packet is half of an overlapped
transform, and the encoder carries state (window shapes, bit allocation) from packet to packet,
so a packet decodes cleanly only after the packet its own encoder put before it. Each chunk is
therefore encoded with a run-up of the sound before it (``PREROLL`` packets) and a run-out after
it (``POSTROLL``), so both encoders of a seam code the packets around it; by then their states
have converged and they make byte-identical packets. The stream passes from one chunk to the
next at such an identical packet, where a decoder cannot tell the encoders apart: the joined
sound decodes exactly as each chunk does on its own. (Should no packet near a seam match, the
pass is at the seam itself: an error at the level of the coding noise, for one 21 ms frame.)

The joined packets go into MP4 by stream copy; FFmpeg's ``setts`` bitstream filter gives them
the timing the encoder's own MP4 has (one packet of priming, the last packet cut to the sound's
end), so the result decodes to exactly the sound's samples.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from studio.errors import MediaError
from studio.media import settings as encoding
from studio.media.ffmpeg import atomic_output, ffmpeg_exe, run_ffmpeg
from studio.media.segment_cache import SegmentCache
from studio.progress import CancelToken, ProgressFn, run_concurrently, scaled

log = logging.getLogger(__name__)

#: Samples an AAC packet codes; the encoder puts one packet of priming before the first.
FRAME = 1024
#: Packets of the sound before a chunk that its encoder codes first (and that are thrown away),
#: so its state matches the previous chunk's encoder by the seam. Measured on a minute of voice
#: over music (docs/benchmarks.md, "The sound in chunks"): seams with no identical packet within
#: reach were 30 in 55 at 4 before / 2 after, 15 at 8 / 4, 5 at 16 / 4, 3 at 24 / 8; from 8 on,
#: the whole sound is as good as one encode's, unmatched seams included.
PREROLL = 16
#: Packets of the sound after a chunk that its encoder codes too, so the packets up to the seam
#: are coded as in a continuous stream (each spans two frames, and the encoder looks ahead).
POSTROLL = 4
#: A chunk is at least this long: shorter scenes share a chunk with the ones after them (each
#: chunk costs an FFmpeg start and ``PREROLL + POSTROLL`` extra packets).
MIN_CHUNK_SECONDS = 3.0
#: Bump when chunks are made differently, so old cached chunks are not reused.
CHUNK_FORMAT = "studio-aac-chunk-1"
#: Sample layout of the PCM files this module reads: 32-bit float, interleaved stereo.
_CHANNELS = 2
_SAMPLE_BYTES = 4 * _CHANNELS
_ADTS_HEADER = 7


@dataclass(frozen=True)
class Chunk:
    """One chunk of the sound, in AAC packets of the whole stream (packet 0 is the priming).

    Attributes:
        first: the first packet of the joined stream this chunk nominally provides.
        end: one past its last; the actual switch to the next chunk may be a few packets off.
        input_start: the first sample its encoder codes (a whole packet before ``first``, by
            ``PREROLL`` packets of run-up); the encoder's packet ``q`` is the stream's packet
            ``input_start // FRAME + q``.
        input_end: one past the last sample its encoder codes.
    """

    first: int
    end: int
    input_start: int
    input_end: int

    @property
    def offset(self) -> int:
        """The stream's packet number of this chunk's encoder's first packet."""
        return self.input_start // FRAME


def packet_count(samples: int) -> int:
    """Packets the AAC encoder makes for ``samples`` samples (its priming packet included)."""
    return math.ceil(samples / FRAME) + 1


def plan_chunks(samples: int, boundaries: Sequence[int], *, rate: int = encoding.AUDIO_RATE
                ) -> list[Chunk]:
    """Cut a sound of ``samples`` samples into chunks ending before each of ``boundaries``.

    ``boundaries`` are sample positions from which the sound may change independently of what
    comes before it (where scenes start, less any filter's look-ahead). A chunk's encoder never
    reads past the next boundary, so a change after it leaves the chunk's input, and its cache
    entry, as they were. Boundaries closer than ``MIN_CHUNK_SECONDS`` to the previous chunk's
    start are skipped.
    """
    total = packet_count(samples)
    minimum = math.ceil(MIN_CHUNK_SECONDS * rate / FRAME)
    seams = [0]
    for boundary in sorted(boundaries):
        seam = boundary // FRAME - POSTROLL
        if seam - seams[-1] >= minimum and seam <= total - 2:
            seams.append(seam)
    seams.append(total)
    chunks = []
    for first, end in zip(seams, seams[1:], strict=False):
        last = end == total
        chunks.append(Chunk(
            first=first,
            end=end,
            input_start=max(0, first - PREROLL) * FRAME,
            input_end=samples if last else min(samples, (end + POSTROLL) * FRAME),
        ))
    return chunks


def encode_chunked(
    pcm: Path,
    samples: int,
    out_path: Path,
    *,
    boundaries: Sequence[int] = (),
    cache: Path | None = None,
    jobs: int = 2,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> list[Path]:
    """Encode ``pcm`` (raw 48 kHz float stereo, ``samples`` long) to AAC in MP4 at ``out_path``.

    The chunks (see ``plan_chunks``) are looked up in ``cache`` by the hash of their samples and
    encoded, ``jobs`` at a time, only if missing; without a cache they live in a temporary
    folder. Returns the chunk files the result was made from (for the caller to keep).

    Raises:
        Cancelled: ``cancel`` fired (nothing is left at ``out_path``; finished chunks stay
            cached).
        MediaError: ffmpeg failed.
    """
    report = progress or (lambda _f, _s: None)
    cancel = cancel or CancelToken()
    chunks = plan_chunks(samples, boundaries)
    with tempfile.TemporaryDirectory(prefix="studio-aac-") as work:
        folder = SegmentCache(Path(cache) if cache is not None else Path(work)).ensure()
        files = [folder.chunk(_chunk_key(pcm, chunk)) for chunk in chunks]
        packets: list[list[bytes] | None] = [_cached_packets(f, c) for f, c in zip(
            files, chunks, strict=True)]
        missing = [i for i, p in enumerate(packets) if p is None]
        if missing:
            log.info("encoding %d of %d sound chunks", len(missing), len(chunks))
            run_concurrently(
                [(float(chunks[i].input_end - chunks[i].input_start),
                  partial(_encode_chunk, pcm, chunks[i], files[i], Path(work)))
                 for i in missing],
                progress=scaled(report, 0.0, 0.95),
                cancel=cancel,
                finish_others=True,  # what is encoded stays cached for the next try
                max_workers=jobs,
            )
            for i in missing:
                packets[i] = _cached_packets(files[i], chunks[i])
                if packets[i] is None:
                    raise MediaError("FFmpeg's sound encoder made an unreadable chunk",
                                     where=str(files[i]))
        stream = splice(chunks, [p for p in packets if p is not None])
        joined = Path(work) / "sound.aac"
        joined.write_bytes(b"".join(stream))
        last = samples + FRAME - (len(stream) - 1) * FRAME  # the last packet's samples
        timing = (f"setts=time_base=1/{encoding.AUDIO_RATE}:prescale=1:pts=PTS-{FRAME}"
                  f":dts=DTS-{FRAME}:duration=if(eq(N\\,{len(stream) - 1})\\,{last}\\,DURATION)")
        with atomic_output(Path(out_path)) as partial_path:
            run_ffmpeg(["-f", "aac", "-i", str(joined), "-c:a", "copy", "-bsf:a", timing,
                        "-map_metadata", "-1", "-f", "mp4", str(partial_path)],
                       duration=None, progress=None, cancel=cancel,
                       stage="Encoding the sound", where=str(out_path))
    report(1.0, "Encoding the sound")
    return files if cache is not None else []


def splice(chunks: Sequence[Chunk], packets: Sequence[Sequence[bytes]]) -> list[bytes]:
    """The joined stream: each chunk's packets, passing to the next at an identical packet.

    Raises:
        MediaError: the chunks don't add up to the whole stream (a chunk is short).
    """
    stream: list[bytes] = []
    position = 0
    for index, chunk in enumerate(chunks):
        own = packets[index]
        end = chunk.end
        if index + 1 < len(chunks):
            end = switch_point(chunk, own, chunks[index + 1], packets[index + 1])
        taken = own[position - chunk.offset:end - chunk.offset]
        if len(taken) != end - position:
            raise MediaError("A chunk of the sound is shorter than planned",
                             fix="Render again (the sound is re-encoded)")
        stream.extend(taken)
        position = end
    return stream


def switch_point(before: Chunk, first_packets: Sequence[bytes], after: Chunk,
                  second_packets: Sequence[bytes]) -> int:
    """The packet at which the stream passes from ``before``'s encoder to ``after``'s.

    The nearest packet to the seam that both encoders coded byte for byte the same, looking
    from the run-up's third packet (the after-encoder's priming and first packet are never
    used) to the run-out's second-last (the before-encoder's last packets see its input end).
    """
    seam = after.first
    low = max(after.offset + 2, before.first + 1)
    high = min(before.offset + len(first_packets) - 2, after.offset + len(second_packets))
    for candidate in sorted(range(low, high + 1), key=lambda q: (abs(q - seam), q)):
        if (first_packets[candidate - before.offset]
                == second_packets[candidate - after.offset]):
            return candidate
    log.info("no identical AAC packet near the seam at packet %d: joined there", seam)
    return seam


def _chunk_key(pcm: Path, chunk: Chunk) -> str:
    """A name for the chunk's packets: the hash of its samples and of how they are encoded."""
    digest = hashlib.sha256()
    settings = [CHUNK_FORMAT, encoding.AUDIO_CODEC, *encoding.AUDIO_ENCODER_OPTIONS,
                encoding.AUDIO_BITRATE, encoding.AUDIO_RATE, Path(ffmpeg_exe()).name]
    digest.update(json.dumps(settings).encode("ascii"))
    with open(pcm, "rb") as source:
        source.seek(chunk.input_start * _SAMPLE_BYTES)
        remaining = (chunk.input_end - chunk.input_start) * _SAMPLE_BYTES
        while remaining > 0:
            block = source.read(min(remaining, 1 << 22))
            if not block:
                break
            digest.update(block)
            remaining -= len(block)
    return digest.hexdigest()[:32]


def _cached_packets(path: Path, chunk: Chunk) -> list[bytes] | None:
    """The chunk's packets from ``path``; None if the file is missing, damaged or short."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        packets = adts_packets(data)
    except MediaError:
        log.warning("damaged sound chunk %s: encoding it again", path.name)
        return None
    if len(packets) != packet_count(chunk.input_end - chunk.input_start):
        log.warning("sound chunk %s has %d packets, not %d: encoding it again", path.name,
                    len(packets), packet_count(chunk.input_end - chunk.input_start))
        return None
    return packets


def adts_packets(data: bytes) -> list[bytes]:
    """Split an ADTS stream (AAC with a 7- or 9-byte header per packet) into its packets.

    Raises:
        MediaError: the data is not a whole ADTS stream.
    """
    packets = []
    position = 0
    while position < len(data):
        header = data[position:position + _ADTS_HEADER]
        if len(header) < _ADTS_HEADER or header[0] != 0xFF or header[1] & 0xF6 != 0xF0:
            raise MediaError("Not an AAC (ADTS) stream", where=f"byte {position}")
        length = ((header[3] & 0x03) << 11) | (header[4] << 3) | (header[5] >> 5)
        if length < _ADTS_HEADER or position + length > len(data):
            raise MediaError("A cut-off AAC (ADTS) stream", where=f"byte {position}")
        packets.append(data[position:position + length])
        position += length
    return packets


def _encode_chunk(pcm: Path, chunk: Chunk, out: Path, work: Path, *, progress: ProgressFn,
                  cancel: CancelToken) -> None:
    """Encode the chunk's samples of ``pcm`` to ADTS at ``out`` (atomically)."""
    cancel.raise_if_cancelled()  # a chunk still queued when another failed or was cancelled
    source = work / f"{out.stem}.f32"
    with open(pcm, "rb") as whole:
        whole.seek(chunk.input_start * _SAMPLE_BYTES)
        source.write_bytes(whole.read((chunk.input_end - chunk.input_start) * _SAMPLE_BYTES))
    try:
        with atomic_output(out) as partial_path:
            run_ffmpeg(
                ["-f", "f32le", "-ar", str(encoding.AUDIO_RATE), "-ac", str(_CHANNELS),
                 "-i", str(source), "-c:a", encoding.AUDIO_CODEC,
                 *encoding.AUDIO_ENCODER_OPTIONS, "-b:a", encoding.AUDIO_BITRATE,
                 "-f", "adts", str(partial_path)],
                duration=(chunk.input_end - chunk.input_start) / encoding.AUDIO_RATE,
                progress=progress, cancel=cancel, stage="Encoding the sound", where=str(out),
                background=True,
            )
    finally:
        source.unlink(missing_ok=True)
