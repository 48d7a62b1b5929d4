"""Tests for Studio's logging set-up: where the file goes, rotation, levels, key masking."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio import logs
from studio.cli import main

KEY = "gsk_" + "A1b2C3d4E5f6G7h8I9j0" * 2


@pytest.fixture
def log_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """STUDIO_LOG_DIR in a temporary folder; Studio's handlers are removed afterwards."""
    folder = tmp_path / "logs"
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(folder))
    root = logging.getLogger()
    level = root.level
    yield folder
    for handler in list(root.handlers):
        if getattr(handler, "_studio_handler", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def studio_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "_studio_handler", False)]


def flush() -> None:
    for handler in studio_handlers():
        handler.flush()


def test_log_file_in_studio_log_dir(log_folder: Path) -> None:
    path = logs.setup_logging(verbose=False)
    assert path == log_folder / "studio.log"
    logging.getLogger("studio.test").info("hello from the test")
    flush()
    text = path.read_text(encoding="utf-8")
    assert "hello from the test" in text
    assert "Studio " in text  # the start-up line names the version


def test_default_log_dir_is_the_platforms(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv(logs.LOG_DIR_ENV, raising=False)
    assert logs.log_dir() == Path(platformdirs.user_log_dir("Studio", appauthor=False))


def test_file_rotates_at_one_megabyte_keeping_five(log_folder: Path) -> None:
    path = logs.setup_logging(verbose=False)
    (handler,) = [h for h in studio_handlers() if isinstance(h, logging.FileHandler)]
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    assert (handler.maxBytes, handler.backupCount) == (1_000_000, 5)

    line = "x" * 1000
    for _ in range(7_000):  # ~7 MB: more than the file and its five backups hold
        logging.getLogger("studio.test").info(line)
    flush()
    names = sorted(p.name for p in log_folder.iterdir())
    assert names == ["studio.log", *(f"studio.log.{n}" for n in range(1, 6))]
    assert all(p.stat().st_size <= 1_000_000 for p in log_folder.iterdir())
    assert path.is_file()


def test_calling_again_replaces_the_handlers(log_folder: Path) -> None:
    logs.setup_logging(verbose=False)
    logs.setup_logging(verbose=True)
    assert len(studio_handlers()) == 2


@pytest.mark.parametrize("verbose, shown", [(False, False), (True, True)])
def test_stderr_shows_info_only_when_verbose(
    log_folder: Path, capsys: pytest.CaptureFixture[str], verbose: bool, shown: bool
) -> None:
    logs.setup_logging(verbose=verbose)
    logging.getLogger("studio.test").info("an info line")
    logging.getLogger("studio.test").warning("a warning line")
    err = capsys.readouterr().err
    assert "WARNING studio.test: a warning line" in err
    assert ("an info line" in err) is shown


def test_very_verbose_shows_studios_debug_lines_only(
    log_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-vv``: Studio's DEBUG records (the phonemes Kokoro is given) reach stderr, never another
    library's, nor the file; set up again without it, they are gone."""
    path = logs.setup_logging(verbose=2)
    logging.getLogger("studio.engines.kokoro_engine").debug("Kokoro phonemes (ja): sakɯɾa")
    logging.getLogger("urllib3").debug("a library's chatter")
    flush()
    err = capsys.readouterr().err
    assert "DEBUG studio.engines.kokoro_engine: Kokoro phonemes (ja): sakɯɾa" in err
    assert "chatter" not in err and "sakɯɾa" not in path.read_text(encoding="utf-8")

    logs.setup_logging(verbose=True)
    logging.getLogger("studio.engines.kokoro_engine").debug("Kokoro phonemes (ja): haɾɯ")
    assert "haɾɯ" not in capsys.readouterr().err


def test_groq_key_masked_in_file_and_stderr(
    log_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = logs.setup_logging(verbose=True)
    logger = logging.getLogger("studio.test")
    logger.warning("key in the message %s", KEY)
    logger.info("key in an argument: %r", {"authorization": f"Bearer {KEY}"})
    logger.warning(f"key in an f-string {KEY}!")
    try:
        raise RuntimeError(f"the server refused {KEY}")
    except RuntimeError:
        logger.exception("key in a traceback")
    logger.warning("key in the stack %s", KEY, stack_info=True)
    logger.warning("short gsk_abc and word gsk_ stay")  # not key-shaped: left alone
    flush()

    text = path.read_text(encoding="utf-8")
    err = capsys.readouterr().err
    for output in (text, err):
        assert KEY not in output
        assert "gsk_A1b2" not in output
        assert output.count("gsk_***") >= 5
        assert "the server refused gsk_***" in output
        assert "short gsk_abc and word gsk_ stay" in output


def test_masking_survives_a_malformed_log_call() -> None:
    """logging prints a bad call's message and arguments to stderr: they are masked too."""
    record = logging.LogRecord(
        "studio.test", logging.WARNING, __file__, 1, "two %s %s " + KEY, (KEY,), None
    )  # one argument missing: getMessage() raises
    assert logs.SecretMaskingFilter().filter(record)
    assert KEY not in f"{record.msg} {record.args}"


def test_cli_main_sets_up_the_log_file(log_folder: Path, home: Path) -> None:
    assert main(["--home", str(home), "projects"]) == 0
    flush()
    assert "Studio " in (log_folder / "studio.log").read_text(encoding="utf-8")


def test_unwritable_log_dir_falls_back_to_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, log_folder: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(blocker / "logs"))
    path = logs.setup_logging(verbose=False)
    assert path.parent.name == "Studio-logs"
    assert path.is_file()
