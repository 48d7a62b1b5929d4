"""Beat tracking for music videos: the tempo of a song and where its beats fall.

numpy only. The audio is decoded by ffmpeg to mono 11 025 Hz floats; an onset-strength
envelope (spectral flux of a log-magnitude STFT) shows where notes start; its autocorrelation
gives the tempo up to an octave; a dynamic-programming beat tracker (Ellis 2007) then places
beats on strong onsets about one period apart, so it follows small tempo drift. Between tempos
an octave apart, the metre decides: the slower one wins only if its beats carry the kick and
snare accents and the beats in between don't (a nearness-to-120-BPM prior breaks ties).
With a known BPM only the phase of a fixed beat grid is searched. ``cut_points`` turns beats
into cut boundaries for the edit.
"""

from __future__ import annotations

import functools
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.errors import InputError, MediaError
from studio.media.ffmpeg import run_ffmpeg
from studio.media.probe import probe
from studio.progress import CancelToken

log = logging.getLogger(__name__)

#: Decoding rate: beats need timing, not treble.
SAMPLE_RATE = 11025
_N_FFT = 512
_HOP = 128
_BANDS = 48
#: Magnitudes are compressed as log(1 + gain * |X|) (audio peak-normalised first).
_LOG_GAIN = 100.0
FRAME_RATE = SAMPLE_RATE / _HOP  # onset-envelope frames per second (about 86)
MIN_BPM, MAX_BPM = 60.0, 200.0
#: Tempos an octave apart are both candidates when the weaker repeats at least this fraction
#: as strongly as the stronger; the metre then decides between them (``_slower_is_the_beat``).
_OCTAVE_TIE = 0.2
#: Accent bands: kick drum and bass below ``_LOW_HZ``, snare and most instruments up to
#: ``_HIGH_HZ``. Hi-hats and cymbals above only subdivide the beat: they get no say in the octave.
_LOW_HZ, _HIGH_HZ = 120.0, 2000.0
#: A band marks the beats when its onsets on them are on average at least this many times its
#: typical level (``_onsets_at``): noise reaches about 1.7, drums 3-10.
_ON_BEAT = 2.5
#: Kicks mark the beats between the slow ones when the median of them reaches this: a kick
#: under a bass note reaches about 2.5, hi-hats about 1 (2.3 for full-range noise bursts).
_KICK_BETWEEN = 2.0
#: The slower of two tempos wins when its beats out-accent the beats in between by more than
#: this ((on - between) / (on + between): 0 is even, 1 is nothing in between) in every band...
_ACCENT_THRESHOLD = 0.2
#: ...plus this much per octave it lies further than the faster one from ``_PREFERRED_BPM``
#: (the prior only tips a near-even metre).
_PRIOR_WEIGHT = 0.1
_PREFERRED_BPM = 120.0
#: The shortest audio worth analysing, and the level (RMS) below which it counts as silent.
MIN_SECONDS = 2.0
_SILENT_RMS = 10 ** (-70 / 20)
#: How strongly the beat tracker holds the tempo (Ellis' "tightness").
_TIGHTNESS = 100.0
#: Seconds by which the envelope peaks *before* a sound starts (the STFT window is centred
#: on its frame and reaches the sound early); measured on click tracks.
_ENVELOPE_LEAD = 0.009
#: Seconds a shot may fall short of ``min_seconds`` (beat-time jitter) and still be kept.
_CUT_SLACK = 0.02


@dataclass(frozen=True)
class Tempo:
    """A song's tempo and beats.

    Attributes:
        bpm: beats per minute (60-200, or the one given).
        beats: beat times in seconds, increasing.
        duration: the audio's length in seconds.
        confidence: 0-1, how periodic the onsets are at this tempo (a click track is near 1,
            noise near 0); below about 0.2 the beats are guesses.
    """

    bpm: float
    beats: list[float]
    duration: float
    confidence: float


def detect_tempo(
    path: Path, *, bpm: float | None = None, cancel: CancelToken | None = None
) -> Tempo:
    """The tempo and beats of the audio in ``path`` (any file ffmpeg reads, video included).

    With ``bpm``, the tempo is taken as given and only the beat grid's phase is found.

    Raises:
        InputError: the file can't be read, has no sound, is shorter than 2 s or silent, or
            ``bpm`` is outside 20-400.
        Cancelled: ``cancel`` fired.
    """
    path = Path(path)
    if bpm is not None and not 20.0 <= bpm <= 400.0:
        raise InputError(
            f"{bpm:g} BPM is not a usable tempo",
            where=str(path),
            fix="Give a tempo between 20 and 400 BPM, or leave it empty to detect it",
        )
    samples = _decode(path, cancel)
    duration = samples.size / SAMPLE_RATE
    if duration < MIN_SECONDS:
        raise InputError(
            f"The music is too short to find its beat ({duration:.1f} s)",
            where=str(path),
            fix=f"Use a piece at least {MIN_SECONDS:g} seconds long",
        )
    if float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) < _SILENT_RMS:
        raise InputError(
            "The music is silent",
            where=str(path),
            fix="Choose a file with audible music, or check it plays in a media player",
        )
    flux = _band_flux(samples, cancel)
    envelope = _onset_strength(flux.sum(axis=1))
    if bpm is None:
        periods, confidence = _candidate_periods(envelope)
        period, beats = _choose_octave(envelope, _accent_bands(flux), periods, cancel)
        found = _bpm_from_beats(beats, period)
    else:
        period = FRAME_RATE * 60.0 / bpm
        confidence = _periodicity(envelope, period)
        beats = _beat_grid(envelope, period, duration)
        found = float(bpm)
    log.info(
        "tempo of %s: %.2f BPM, %d beats, confidence %.2f", path.name, found, len(beats), confidence
    )
    return Tempo(
        round(found, 3), [round(b, 4) for b in beats], round(duration, 4), round(confidence, 3)
    )


def cut_points(tempo: Tempo, *, beats_per_cut: int = 4, min_seconds: float = 1.0) -> list[float]:
    """Cut boundaries on every ``beats_per_cut``-th beat, from 0.0 to ``tempo.duration``.

    A boundary that would make a shot shorter than ``min_seconds`` is dropped (the shot merges
    with the next; a short last shot merges with the one before).

    Raises:
        InputError: ``beats_per_cut`` < 1 or ``min_seconds`` < 0.
    """
    if beats_per_cut < 1 or min_seconds < 0:
        raise InputError(
            "Cuts need at least one beat each and a minimum length of 0 s or more",
            where=f"beats_per_cut={beats_per_cut}, min_seconds={min_seconds}",
        )
    end = tempo.duration
    points = [0.0]
    # Detected beats wobble by a few ms: a shot of exactly min_seconds must not be dropped.
    shortest = min_seconds - _CUT_SLACK
    for beat in tempo.beats[::beats_per_cut]:
        if beat - points[-1] >= shortest and end - beat > 0:
            points.append(beat)
    while len(points) > 1 and end - points[-1] < shortest:
        points.pop()
    points.append(end)
    return points


def _decode(path: Path, cancel: CancelToken | None) -> np.ndarray:
    """The file's first audio stream as mono float32 samples at ``SAMPLE_RATE``.

    ffmpeg writes raw floats to a temporary file: ``run_ffmpeg`` keeps its stdout for
    progress, and this way the decode can be cancelled.
    """
    info = probe(path)
    if not info.has_audio:
        raise InputError(
            "This file has no sound",
            where=str(path),
            fix="Choose a music file (MP3, M4A, WAV, OGG, FLAC) or a video with sound",
        )
    with tempfile.TemporaryDirectory(prefix="studio-tempo-") as folder:
        raw = Path(folder) / "audio.f32"
        args = [
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-vn",
            "-sn",
            "-dn",
            "-ac",
            "1",
            "-ar",
            str(SAMPLE_RATE),
            "-f",
            "f32le",
            str(raw),
        ]
        try:
            run_ffmpeg(
                args,
                duration=info.duration,
                progress=None,
                cancel=cancel,
                stage="Reading the music",
                where=str(path),
            )
        except MediaError as exc:
            raise InputError(
                f"Studio can't decode this music: {exc.what}",
                where=str(path),
                fix="Open it in a media player to check it, or export it again",
            ) from exc
        samples = np.fromfile(raw, dtype="<f4")
    return np.nan_to_num(samples.astype(np.float32, copy=False))


def onset_envelope(samples: np.ndarray, cancel: CancelToken | None = None) -> np.ndarray:
    """Onset strength per frame (``FRAME_RATE`` per second): the positive spectral flux of a
    log-magnitude STFT pooled into log-spaced bands, with its slow trend removed.

    The bands give a kick drum's few low bins as much say as a hi-hat's hundreds of high ones.

    Frame ``i`` describes the audio around ``i / FRAME_RATE`` seconds.
    """
    return _onset_strength(_band_flux(samples, cancel).sum(axis=1))


def _band_flux(samples: np.ndarray, cancel: CancelToken | None) -> np.ndarray:
    """Positive spectral flux per frame and band (frames x bands) of the log-magnitude STFT."""
    peak = float(np.max(np.abs(samples))) or 1.0
    padded = np.pad(samples / peak, _N_FFT // 2).astype(np.float32)
    frames = 1 + (padded.size - _N_FFT) // _HOP
    window = np.hanning(_N_FFT).astype(np.float32)
    bands = _band_matrix()
    spectrum = np.empty((frames, bands.shape[1]), dtype=np.float32)
    chunk = 4096  # frames per FFT batch: bounded memory for long songs
    for start in range(0, frames, chunk):
        if cancel is not None:
            cancel.raise_if_cancelled()
        stop = min(frames, start + chunk)
        index = np.arange(start, stop)[:, None] * _HOP + np.arange(_N_FFT)[None, :]
        magnitude = np.abs(np.fft.rfft(padded[index] * window, axis=1)).astype(np.float32)
        spectrum[start:stop] = np.log1p(_LOG_GAIN * (magnitude @ bands))
    flux = np.zeros_like(spectrum)
    flux[1:] = np.maximum(np.diff(spectrum, axis=0), 0.0)
    return flux


def _onset_strength(flux: np.ndarray) -> np.ndarray:
    """Summed flux per frame with its slow trend (half a second) removed."""
    trend = _moving_average(flux, round(FRAME_RATE * 0.5))
    return np.maximum(flux - trend, 0.0)


def _accent_bands(flux: np.ndarray) -> list[np.ndarray]:
    """Onset strength of the kick (low) and snare (mid) bands, from ``_band_flux`` output."""
    centres = _band_centres()
    low = centres < _LOW_HZ
    mid = (centres >= _LOW_HZ) & (centres < _HIGH_HZ)
    return [_onset_strength(flux[:, band].sum(axis=1)) for band in (low, mid)]


@functools.cache
def _band_matrix() -> np.ndarray:
    """(FFT bins x bands) weights averaging the bins of each log-spaced band, 30 Hz-5 kHz."""
    freqs = np.fft.rfftfreq(_N_FFT, 1 / SAMPLE_RATE)
    edges = np.geomspace(30.0, 5000.0, _BANDS + 1)
    band = np.searchsorted(edges, freqs, side="right") - 1
    matrix = np.zeros((freqs.size, _BANDS), dtype=np.float32)
    inside = (band >= 0) & (band < _BANDS)
    matrix[np.nonzero(inside)[0], band[inside]] = 1.0
    counts = matrix.sum(axis=0)
    matrix = matrix[:, counts > 0]
    return matrix / matrix.sum(axis=0)


@functools.cache
def _band_centres() -> np.ndarray:
    """The mean frequency (Hz) of each band of ``_band_matrix``."""
    freqs = np.fft.rfftfreq(_N_FFT, 1 / SAMPLE_RATE)
    return np.asarray(freqs @ _band_matrix())


def _moving_average(values: np.ndarray, width: int) -> np.ndarray:
    width = max(1, width | 1)
    kernel = np.ones(width, dtype=np.float32) / width
    return np.convolve(np.pad(values, width // 2, mode="edge"), kernel, mode="valid")


def _gaussian_smooth(values: np.ndarray, sigma: float) -> np.ndarray:
    """``values`` convolved with a Gaussian of ``sigma`` samples (same length)."""
    offsets = np.arange(-int(4 * sigma), int(4 * sigma) + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    return np.convolve(values, kernel / kernel.sum(), mode="same")


def _autocorrelation(envelope: np.ndarray) -> np.ndarray:
    """The envelope's autocorrelation (mean removed), normalised so lag 0 is 1.

    The envelope is smoothed first: sharp onsets a fractional period apart would otherwise
    line up better at twice the period than at the period itself.
    """
    smoothed = _gaussian_smooth(envelope, 2.0)
    centred = smoothed - smoothed.mean()
    size = 1 << int(np.ceil(np.log2(2 * centred.size)))
    spectrum = np.fft.rfft(centred, size)
    ac = np.fft.irfft(spectrum * np.conj(spectrum), size)[: centred.size]
    # Unbiased: each lag is averaged over the frames it overlaps.
    ac = ac / np.arange(centred.size, 0, -1)
    return ac / ac[0] if ac[0] > 0 else np.zeros_like(ac)


def _candidate_periods(envelope: np.ndarray) -> tuple[list[float], float]:
    """Candidate beat periods in frames (fractional, shortest first) and the tempo's confidence.

    The most periodic lag in 60-200 BPM is a candidate; so are its double and half tempo if
    they repeat at least ``_OCTAVE_TIE`` as strongly (a backbeat makes the two-beat period the
    most regular; eighth-note hi-hats make the half period strong).
    """
    ac = _autocorrelation(envelope)
    shortest = int(np.floor(FRAME_RATE * 60 / MAX_BPM))
    longest = min(int(np.ceil(FRAME_RATE * 60 / MIN_BPM)), ac.size - 2)
    lags = np.arange(shortest, longest + 1)
    best = int(lags[np.argmax(ac[lags])])
    tied = [best]
    for factor in (0.5, 2.0):
        centre = round(best * factor)
        near = np.arange(centre - 1, centre + 2)
        near = near[(near >= shortest) & (near <= longest)]
        if near.size:
            lag = int(near[np.argmax(ac[near])])
            if ac[lag] >= _OCTAVE_TIE * ac[best]:
                tied.append(lag)
    periods = sorted(lag + _parabolic_offset(ac, lag) for lag in tied)
    # Confidence: how regular the music is at this tempo or its octave (a backbeat's two-beat
    # period is as much evidence for the tempo as the beat itself).
    return periods, float(np.clip(ac[best], 0.0, 1.0))


def _choose_octave(
    envelope: np.ndarray,
    bands: list[np.ndarray],
    periods: list[float],
    cancel: CancelToken | None,
) -> tuple[float, list[float]]:
    """The beat period among ``periods`` (octaves apart, shortest first) and its beats.

    Starting from the fastest, a tempo gives way to the one an octave slower while the slower
    one's beats are the accented ones (``_slower_is_the_beat``).
    """
    period = periods[0]
    beats = _track_beats(envelope, period, cancel)
    for slower in periods[1:]:
        if not _slower_is_the_beat(bands, beats, period, slower):
            break
        period = slower
        beats = _track_beats(envelope, period, cancel)
    return period, beats


def _slower_is_the_beat(
    bands: list[np.ndarray], beats: list[float], period: float, slower: float
) -> bool:
    """Whether every other one of ``beats`` (tracked ``period`` frames apart) is the real beat.

    ``bands`` are the kick and snare onset strengths (``_accent_bands``). The alternate beats
    are the real ones when every band with onsets on the beats accents the same set of them
    clearly more (a kick on every slow beat under eighth-note hi-hats), and no kick or bass
    note marks the set in between. They are not when some band is as strong in between: kick
    and snare alternating (a backbeat), a kick on every beat, or drum and bass's snare on 2 and
    4 with kicks in between. Near-even evidence goes to the tempo nearer ``_PREFERRED_BPM``.
    """
    prior = _octaves_off(slower) < _octaves_off(period)
    frames = np.rint((np.asarray(beats) - _ENVELOPE_LEAD) * FRAME_RATE).astype(np.int64)
    if frames.size < 4:
        return prior
    # Beat numbers from the gaps, so a skipped beat doesn't swap the alternate sets.
    numbers = np.concatenate([[0], np.cumsum(np.maximum(1, np.rint(np.diff(frames) / period)))])
    odd = numbers % 2 == 1
    strengths = [_onsets_at(band, frames) for band in bands]
    marking = [strength for strength in strengths if strength.mean() >= _ON_BEAT]
    if not marking or odd.all() or not odd.any():
        return prior  # nothing but noise marks the beats
    accents = np.array([_accent(strength[~odd], strength[odd]) for strength in marking])
    # The slow beats may be the even or the odd ones; every band must agree on which.
    on_even, on_odd = float(accents.min()), float(-accents.max())
    between = odd if on_even >= on_odd else ~odd
    kick = strengths[0]
    if kick.mean() >= _ON_BEAT and np.median(kick[between]) >= _KICK_BETWEEN:
        return False  # kicks land between the slow beats too: they are beats
    bias = _PRIOR_WEIGHT * (_octaves_off(slower) - _octaves_off(period))
    return max(on_even, on_odd) > _ACCENT_THRESHOLD + bias


def _onsets_at(band: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """The band's onset at each frame, as a multiple of its typical level.

    Both are peaks within a frame: the band's onset may sit a frame off the summed envelope's.
    """
    near = np.clip(frames[:, None] + np.arange(-1, 2)[None, :], 0, band.size - 1)
    typical = float(np.maximum.reduce([band[:-2], band[1:-1], band[2:]]).mean())
    return np.asarray(band[near].max(axis=1)) / (typical or 1.0)


def _accent(on: np.ndarray, between: np.ndarray) -> float:
    """How much stronger ``on`` is than ``between`` on average: -1 to 1, 0 when even."""
    on_mean, between_mean = float(on.mean()), float(between.mean())
    total = on_mean + between_mean
    return (on_mean - between_mean) / total if total > 0 else 0.0


def _octaves_off(period: float) -> float:
    """How many octaves the tempo of ``period`` frames lies from ``_PREFERRED_BPM``."""
    return abs(float(np.log2(FRAME_RATE * 60 / period / _PREFERRED_BPM)))


def _periodicity(envelope: np.ndarray, period: float) -> float:
    """How strongly the envelope repeats every ``period`` (or two) frames, 0-1."""
    ac = _autocorrelation(envelope)
    lags = [lag for lag in (round(period), round(2 * period)) if lag < ac.size]
    return float(np.clip(max((ac[lag] for lag in lags), default=0.0), 0.0, 1.0))


def _parabolic_offset(values: np.ndarray, i: int) -> float:
    """The sub-sample offset (-0.5..0.5) of the peak at ``i`` from a parabola through 3 points."""
    if i <= 0 or i >= values.size - 1:
        return 0.0
    left, mid, right = float(values[i - 1]), float(values[i]), float(values[i + 1])
    curve = left - 2 * mid + right
    if curve >= 0:
        return 0.0
    return float(np.clip(0.5 * (left - right) / curve, -0.5, 0.5))


def _track_beats(envelope: np.ndarray, period: float, cancel: CancelToken | None) -> list[float]:
    """Beat times (s) by dynamic programming: strong onsets about ``period`` frames apart."""
    std = float(envelope.std()) or 1.0
    local = _gaussian_smooth(envelope / std, max(1.0, period / 32))
    back = np.arange(-int(round(2 * period)), -int(round(period / 2)) + 1)
    penalty = -_TIGHTNESS * np.log(-back / period) ** 2
    frames = local.size
    score = np.zeros(frames)
    link = np.full(frames, -1, dtype=np.int64)
    for t in range(frames):
        if cancel is not None and t % 4096 == 0:
            cancel.raise_if_cancelled()
        candidates = t + back
        valid = candidates >= 0
        if not valid.any():
            score[t] = local[t]
            continue
        options = score[candidates[valid]] + penalty[valid]
        best = int(np.argmax(options))
        if options[best] > 0:  # else this beat starts the chain (nothing worth following)
            score[t] = local[t] + options[best]
            link[t] = candidates[valid][best]
        else:
            score[t] = local[t]
    # The last beat: the best-scoring frame of the final period (a later off-beat onset
    # scores lower, as reaching it costs a tempo penalty).
    window = min(frames, int(np.ceil(period)))
    beat = frames - window + int(np.argmax(score[frames - window :]))
    chain = []
    while beat >= 0:
        chain.append(beat)
        beat = int(link[beat])
    chain.reverse()
    chain = _trim_weak(chain, local)
    return [_refine(envelope, frame) / FRAME_RATE + _ENVELOPE_LEAD for frame in chain]


def _trim_weak(chain: list[int], local: np.ndarray) -> list[int]:
    """Drop leading and trailing beats on near-silence (before the music starts, after it ends)."""
    if not chain:
        return chain
    strength = local[chain]
    floor = 0.5 * float(np.sqrt(np.mean(strength**2)))
    keep = np.nonzero(strength >= floor)[0]
    if keep.size == 0:
        return chain
    return chain[keep[0] : keep[-1] + 1]


def _refine(envelope: np.ndarray, frame: int) -> float:
    """``frame`` moved to the envelope's nearest peak (within 2 frames), to a fraction of one."""
    lo, hi = max(0, frame - 2), min(envelope.size, frame + 3)
    peak = lo + int(np.argmax(envelope[lo:hi]))
    return peak + _parabolic_offset(envelope, peak)


def _bpm_from_beats(beats: list[float], period: float) -> float:
    """The tempo the beats keep: a least-squares fit of beat time against beat number.

    Beat numbers come from rounding the gaps to whole periods, so a skipped beat doesn't bend
    the fit. Falls back to ``period`` with fewer than four beats.
    """
    guess = period / FRAME_RATE
    if len(beats) < 4:
        return 60.0 / guess
    times = np.asarray(beats)
    gaps = np.diff(times)
    step = float(np.median(gaps))
    numbers = np.concatenate([[0], np.cumsum(np.maximum(1, np.rint(gaps / step)))])
    slope = float(np.polyfit(numbers, times, 1)[0])
    return 60.0 / slope if slope > 0 else 60.0 / guess


def _beat_grid(envelope: np.ndarray, period: float, duration: float) -> list[float]:
    """A fixed grid ``period`` frames apart, shifted to sit on the strongest onsets."""
    frame_times = np.arange(envelope.size) / FRAME_RATE + _ENVELOPE_LEAD
    seconds = period / FRAME_RATE
    phases = np.arange(0.0, seconds, 0.25 / FRAME_RATE)
    counts = np.arange(int(duration / seconds) + 1)
    grid = phases[:, None] + counts[None, :] * seconds
    strength = np.interp(grid, frame_times, envelope, left=0.0, right=0.0).sum(axis=1)
    phase = float(phases[int(np.argmax(strength))])
    return [float(t) for t in phase + counts * seconds if t < duration]
