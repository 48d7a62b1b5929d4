"""The encoders' options, the probe (a real tiny encode each, cached once per FFmpeg) and the
choice of encoder ("auto", a named one that doesn't open, one that failed mid-render)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from studio.encoder_kinds import ENCODER_CHOICES, ENCODERS, X264
from studio.errors import InputError
from studio.media import encoders
from studio.media.segments import Handles, SegmentSpec, _graph, encoder_args, segment_key
from studio.media.settings import LOSSLESS_ENCODER, RenderSettings
from tests.media.support import write_picture, write_tone

#: What every x264 segment was encoded with before encoders could be chosen: the pieces
#: already in creators' caches must keep their names and their bytes.
X264_ARGS_BEFORE = [
    "-c:v", "libx264", "-preset", "superfast", "-x264-params", "b-adapt=0", "-crf", "23",
    "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", "60", "-keyint_min", "60",
    "-sc_threshold", "0", "-colorspace", "bt709", "-color_primaries", "bt709",
    "-color_trc", "bt709", "-color_range", "tv", "-c:a", "flac", "-ar", "48000", "-ac", "2",
    "-map_metadata", "-1", "-map_chapters", "-1",
]


@pytest.fixture
def ffmpeg_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The codec of every real test encode the probe makes, in order."""
    runs: list[str] = []
    real = encoders.capture_ffmpeg

    def counting(args: list[str], *, timeout: float = 60.0) -> tuple[int, str, bytes]:
        if "-c:v" in args:  # not the list of the build's encoders (once per process)
            runs.append(args[args.index("-c:v") + 1])
        return real(args, timeout=timeout)

    monkeypatch.setattr(encoders, "capture_ffmpeg", counting)
    return runs


def _in_build() -> int:
    """How many of Studio's encoders this FFmpeg has (the others need no test encode)."""
    return sum(encoders.recipe(n).codec in encoders.codecs_in_build() for n in ENCODERS)


def _spec(tmp_path: Path, settings: RenderSettings) -> SegmentSpec:
    picture = write_picture(tmp_path / "picture.png")
    voice = write_tone(tmp_path / "voice.wav", 1.0)
    return SegmentSpec(visual_path=picture, visual_kind="image", audio_path=voice,
                       duration=1.0, settings=settings)


def test_x264_segments_are_encoded_and_named_as_before(tmp_path: Path) -> None:
    settings = RenderSettings(resolution="720p")
    assert encoder_args(settings) == X264_ARGS_BEFORE
    assert "encoder" not in settings.to_json()
    spec = _spec(tmp_path, settings)
    assert segment_key(spec) == segment_key(replace(spec, settings=replace(settings,
                                                                          encoder=X264)))
    nvenc = replace(spec, settings=replace(settings, encoder="nvenc"))
    assert segment_key(nvenc) != segment_key(spec), "no video mixes encoders"
    assert nvenc.settings.to_json()["encoder"] == "nvenc"
    assert RenderSettings.from_json(nvenc.settings.to_json()).encoder == "nvenc"


@pytest.mark.parametrize("name", [*ENCODERS, LOSSLESS_ENCODER])
def test_every_encoders_arguments_build_with_the_shared_structure(name: str) -> None:
    args = encoder_args(RenderSettings(fps=25, encoder=name), threads=1)
    chosen = encoders.recipe(name)
    assert args[args.index("-c:v") + 1] == chosen.codec
    assert args[args.index("-g") + 1] == "50", "a keyframe every GOP_SECONDS"
    for tag in ("-colorspace", "-color_primaries", "-color_trc"):
        assert args[args.index(tag) + 1] == "bt709"
    if name != LOSSLESS_ENCODER:
        assert args[args.index("-profile:v") + 1] == "high"
    assert ("-pix_fmt" in args) == (chosen.filter_tail == ""), "hardware frames or a format"
    assert all("{" not in part for part in args)


def test_vaapis_upload_ends_the_segments_picture_not_its_handles(tmp_path: Path) -> None:
    spec = _spec(tmp_path, RenderSettings(resolution="720p", encoder="vaapi"))
    plain = _graph("[0:v]null[v]", spec, Handles())
    assert "[0:v]null,format=nv12,hwupload[v];" in plain
    cut = _graph("[0:v]null[v]", spec, Handles(head=3, head_path=tmp_path / "h.mp4"))
    assert "setpts=PTS-STARTPTS,format=nv12,hwupload[v]" in cut
    assert cut.count("hwupload") == 1, "handles are x264, made from software frames"
    assert "-vaapi_device" in encoder_args(spec.settings)


def test_auto_is_x264_here_and_the_probe_runs_once(
    tmp_path: Path, ffmpeg_runs: list[str]
) -> None:
    status = encoders.encoder_status(tmp_path)
    assert list(status) == list(ENCODERS)
    assert status[X264].works, status[X264].reason
    # FACTS.md: no GPU on this machine, so no hardware encoder opens; each says why
    assert [n for n, s in status.items() if s.works] == [X264]
    assert all(s.reason for n, s in status.items() if n != X264)
    assert status["videotoolbox"].reason == "this FFmpeg build has no h264_videotoolbox"
    assert len(ffmpeg_runs) == _in_build() == 5, "one tiny test encode per encoder built in"
    assert encoders.resolve("auto", tmp_path) == X264
    assert encoders.resolve(None, tmp_path) == X264
    assert encoders.available_encoders(tmp_path) == (X264,)
    assert len(ffmpeg_runs) == _in_build(), "answered from the cache"
    document = json.loads((tmp_path / encoders.PROBE_FILE).read_text(encoding="utf-8"))
    assert document["format"] == encoders.PROBE_FORMAT
    assert document["ffmpeg"] == encoders.ffmpeg_identity()


def test_another_ffmpeg_is_probed_again(
    tmp_path: Path, ffmpeg_runs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    encoders.encoder_status(tmp_path)
    real = encoders.ffmpeg_identity()
    monkeypatch.setattr(encoders, "ffmpeg_identity", lambda: [real[0], 1, 2])
    encoders.encoder_status(tmp_path)
    assert len(ffmpeg_runs) == 2 * _in_build()


def test_a_damaged_cache_is_probed_again(tmp_path: Path, ffmpeg_runs: list[str]) -> None:
    (tmp_path / encoders.PROBE_FILE).write_text("{not json", encoding="utf-8")
    assert encoders.resolve("auto", tmp_path) == X264
    assert len(ffmpeg_runs) == _in_build()


def test_x264_asked_for_probes_nothing(tmp_path: Path, ffmpeg_runs: list[str]) -> None:
    choice = encoders.choose("x264", tmp_path)
    assert (choice.encoder, choice.note, ffmpeg_runs) == (X264, None, [])
    assert choice.message == "Encoder: x264 (software, every computer)"


def test_a_named_encoder_that_doesnt_open_is_x264_with_the_reason(tmp_path: Path) -> None:
    choice = encoders.choose("NVENC", tmp_path)
    assert choice.encoder == X264
    assert choice.note is not None and "NVIDIA NVENC doesn't work on this computer" in choice.note
    assert "libcuda" in choice.note, "FFmpeg's own first complaint"
    assert choice.message.endswith("encoder: x264 (software, every computer)")


def test_an_unknown_encoder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="doesn't know the encoder"):
        encoders.choose("h265", tmp_path)
    with pytest.raises(InputError):
        RenderSettings(encoder="auto")  # settings hold a concrete encoder
    assert set(ENCODER_CHOICES) - {"auto"} == set(ENCODERS)


def test_an_encoder_failed_mid_render_is_passed_by(tmp_path: Path) -> None:
    encoders.record_result("qsv", works=True, reason="", cache_dir=tmp_path)
    assert encoders.resolve("auto", tmp_path) == "qsv", "the best that works"
    encoders.mark_failed("qsv", "Error submitting frame", tmp_path)
    status = encoders.encoder_status(tmp_path)["qsv"]
    assert not status.works and "failed during a render: Error submitting frame" in status.reason
    assert encoders.resolve("auto", tmp_path) == X264


def test_an_unwritable_cache_only_means_probing_again(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    assert encoders.resolve("auto", blocked / "cache") == X264


def test_forgetting_the_answer_probes_again(tmp_path: Path, ffmpeg_runs: list[str]) -> None:
    encoders.encoder_status(tmp_path)
    assert encoders.cached_status(tmp_path) is not None
    encoders.forget(tmp_path)
    assert encoders.cached_status(tmp_path) is None
    encoders.encoder_status(tmp_path)
    assert len(ffmpeg_runs) == 2 * _in_build()


def test_a_cache_that_is_a_fifo_is_probed_again_not_read(
    tmp_path: Path, ffmpeg_runs: list[str]
) -> None:
    import os

    os.mkfifo(tmp_path / encoders.PROBE_FILE)  # a read of it would wait for a writer forever
    assert encoders.resolve("auto", tmp_path) == X264
    assert len(ffmpeg_runs) == _in_build()


def test_forgetting_a_cache_that_is_a_folder_or_under_a_file_is_no_failure(
    tmp_path: Path,
) -> None:
    (tmp_path / encoders.PROBE_FILE).mkdir()
    encoders.forget(tmp_path)  # logged, not raised: the next question probes again
    (tmp_path / "file").write_text("not a folder")
    encoders.forget(tmp_path / "file")
    assert encoders.resolve("auto", tmp_path / "file") == X264
