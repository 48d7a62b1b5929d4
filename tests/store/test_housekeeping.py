"""Housekeeping: old failed jobs and orphaned media, listed exactly, then deleted exactly.

Every test builds a real library with real files, ages them with ``os.utime``, and checks the
files on disk afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from studio.cli import main
from studio.store import Library
from studio.store.housekeeping import (
    REASON_EMPTY_VISUALS,
    REASON_FOLDER,
    REASON_PREVIEWS,
    REASON_TEMP,
    REASONS,
    format_bytes,
    plan_cleanup,
    run_cleanup,
)
from studio.store.models import Job, Project, Thumbnail, utcnow

OLD, YOUNG = 40.0, 2.0  # days


def _write(path: Path, size: int = 100) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    return path


def _age(path: Path, days: float) -> None:
    when = time.time() - days * 86_400
    os.utime(path, (when, when), follow_symlinks=False)


def _age_tree(root: Path, days: float) -> None:
    for folder, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            _age(Path(folder, name), days)
    _age(root, days)


def _snapshot(home: Path) -> set[str]:
    """Every file and link in the home (aside from the database and the daily backup
    Studio makes when the command opens the library)."""
    found = set()
    for folder, _dirs, files in os.walk(home):
        for name in files:
            path = Path(folder, name)
            if not path.name.startswith("studio.db") and "-daily" not in path.name:
                found.add(path.relative_to(home).as_posix())
    return found


@dataclass
class Library_:
    """The test library: which files must stay and which are orphans."""

    library: Library
    project: Project
    keep: set[str]
    orphans: dict[str, str]  # relative path -> reason
    outside: Path
    link_target: Path
    orphan_bytes: int


@pytest.fixture
def media(library: Library, tmp_path: Path) -> Library_:
    home = library.home
    project = library.create_project("Bees")
    library.replace_scenes(project, [("Bees fly to flowers.", ["bees"]), ("Honey.", [])])
    first, second = library.scenes(project)
    pdir = home.project_dir(project.id)
    rel = home.rel

    voice = _write(pdir / "audio" / "voice.wav", 4000)
    _write(pdir / "audio" / "voice.json")
    library.set_scene_audio(
        first,
        audio_path=voice,
        audio_key="voice",
        duration=1.0,
        sanitized_text="x",
        word_timings=None,
    )
    chosen = _write(pdir / "visuals" / "chosen.png")
    library.select_clip(first, chosen, kind="image", source="file")
    offered = _write(pdir / "visuals" / "slide-offered.png")
    library.set_suggestions(second, "slide", "q", [{"path": rel(offered), "kind": "image"}])
    video = _write(pdir / "renders" / "bees-2.mp4", 9000)
    render = library.record_render(
        project,
        file_path=video,
        duration=3.0,
        thumbnail=_write(video.with_suffix(".jpg")),
        srt=_write(video.with_suffix(".srt")),
        settings={},
        job=None,
    )
    _write(video.with_suffix(".json"))
    for variant in (pdir / "thumbnails" / "bold.jpg", pdir / "renders" / "bees-2-thumb-vivid.jpg"):
        Thumbnail.create(render=render.id, variant=variant.stem, image_path=rel(_write(variant)))
    _write(pdir / "segments" / "0123abcd.mp4")
    _write(pdir / "segments" / "captions-0123.ass")
    outside = _write(tmp_path / "outside" / "old.wav")
    link_target = _write(tmp_path / "outside" / "linked.png")
    (pdir / "visuals" / "link.png").symlink_to(link_target)
    _write(home.backups_dir / "studio-old.db")

    orphans = {
        "audio/old.wav": REASONS["audio"],
        "audio/old.json": REASONS["audio"],
        "visuals/unused.png": REASONS["visuals"],
        "renders/bees-1.mp4": REASONS["renders"],
        "renders/bees-1.jpg": REASONS["renders"],
        "renders/bees-1.srt": REASONS["renders"],
        "renders/bees-1.json": REASONS["renders"],
        "thumbnails/old.jpg": REASONS["thumbnails"],
        "renders/bees-1-thumb-vivid.jpg": REASONS["thumbnails"],
        "segments/.0123abcd.partial.mp4": REASON_TEMP,
        "audio/voice.json.partial": REASON_TEMP,
    }
    prefix = f"projects/{project.id}/"
    for name in orphans:
        _write(pdir / name, 500)
    orphan_bytes = 500 * len(orphans) + 700 + 300
    gone_project = home.projects_dir / str(uuid.uuid4())
    _write(gone_project / "audio" / "a.wav", 700)
    _write(gone_project / "renders" / "a.mp4", 300)
    _age_tree(home.root, OLD)
    _age_tree(tmp_path / "outside", OLD)
    _write(pdir / "audio" / "young.wav")  # an orphan, but too recent
    _write(pdir / "segments" / ".young.partial.mp4")  # perhaps a render's work in progress
    orphans = {prefix + name: reason for name, reason in orphans.items()}
    orphans[f"projects/{gone_project.name}"] = REASON_FOLDER
    keep = _snapshot(home.root) - {p for p in orphans if p.startswith(prefix)}
    keep = {p for p in keep if not p.startswith(f"projects/{gone_project.name}/")}
    return Library_(library, project, keep, orphans, outside, link_target, orphan_bytes)


def _planned(plan_files: object) -> dict[str, str]:
    return {Path(f["relative_path"]).as_posix(): f["reason"] for f in plan_files}  # type: ignore[attr-defined]


def test_dry_run_lists_exactly_the_orphans_with_size_age_and_reason(media: Library_) -> None:
    before = _snapshot(media.library.home.root)
    plan = plan_cleanup(media.library, 30)
    listed = {plan.relative(f.path): f.reason for f in plan.files}
    assert listed == media.orphans
    sizes = {plan.relative(f.path): f.size for f in plan.files}
    assert sizes[f"projects/{media.project.id}/audio/old.wav"] == 500
    assert sum(sizes.values()) == plan.total_bytes == media.orphan_bytes
    assert all(39.9 < f.age_days < 40.1 for f in plan.files)
    assert {f.project for f in plan.files} == {"Bees", None}  # None: the project-less folder
    assert plan.jobs == () and plan.busy_projects == ()
    assert _snapshot(media.library.home.root) == before  # a plan deletes nothing


def test_clean_deletes_the_planned_items_and_nothing_else(media: Library_) -> None:
    home = media.library.home.root
    plan = plan_cleanup(media.library, 30)
    result = run_cleanup(media.library, plan)
    assert {plan.relative(f.path) for f in result.files} == set(media.orphans)
    assert result.kept == () and result.freed_bytes == plan.total_bytes
    assert _snapshot(home) == media.keep
    assert media.outside.is_file() and media.link_target.is_file()
    assert (home / "backups" / "studio-old.db").is_file()
    assert plan_cleanup(media.library, 30).is_empty  # nothing left to find
    assert plan_cleanup(media.library, 0).files  # only the young files remain
    assert {plan.relative(f.path) for f in plan_cleanup(media.library, 0).files} == {
        f"projects/{media.project.id}/audio/young.wav",
        f"projects/{media.project.id}/segments/.young.partial.mp4",
    }


def test_a_running_job_protects_its_whole_project(media: Library_) -> None:
    job = media.library.start_job(media.project, "render")  # this process: alive
    plan = plan_cleanup(media.library, 30)
    assert plan.busy_projects == ("Bees",)
    assert [plan.relative(f.path) for f in plan.files] == [
        p for p in media.orphans if "/" not in p.removeprefix("projects/")
    ]
    # A job left "running" by a process that has died protects nothing.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    Job.update(pid=dead.pid).where(Job.id == job.id).execute()
    assert len(plan_cleanup(media.library, 30).files) == len(media.orphans)


def test_a_job_started_after_the_plan_stops_the_deletion(media: Library_) -> None:
    plan = plan_cleanup(media.library, 30)
    media.library.start_job(media.project, "render")
    result = run_cleanup(media.library, plan)
    assert [plan.relative(f.path) for f in result.files] == [
        p for p in media.orphans if "/" not in p.removeprefix("projects/")
    ]
    assert {why for _what, why in result.kept} == {"a job of its project is running"}
    assert all((media.library.home.root / p).is_file() for p in media.orphans if "/audio/" in p)


def test_a_file_referenced_after_the_plan_is_kept(media: Library_) -> None:
    library = media.library
    plan = plan_cleanup(library, 30)
    unused = library.home.project_dir(media.project.id) / "visuals" / "unused.png"
    library.select_clip(library.scenes(media.project)[1], unused, kind="image", source="file")
    result = run_cleanup(library, plan)
    assert unused.is_file()
    assert result.kept == (
        (f"projects/{media.project.id}/visuals/unused.png", "a row refers to it now"),
    )
    assert len(result.files) == len(media.orphans) - 1


def test_old_failed_jobs_go_and_each_project_keeps_its_latest(library: Library) -> None:
    project = library.create_project("Jobs")

    def job(status: str, days: float, project: Project | None = project) -> str:
        row = library.start_job(project, "render")
        library.finish_job(row, status, "boom" if status != "completed" else None)
        when = utcnow() - timedelta(days=days)
        Job.update(created_at=when, started_at=when, finished_at=when).where(
            Job.id == row.id
        ).execute()
        return str(row.id)

    failed = job("failed", 50)
    cancelled = job("cancelled", 45)
    interrupted = job("interrupted", 44)
    orphan = job("failed", 43, project=None)
    completed = job("completed", 42)
    recent = job("failed", 2)
    latest = job("interrupted", 41)  # oldest of all by age? no: the latest created is kept
    Job.update(created_at=utcnow()).where(Job.id == latest).execute()
    library.record_llm_call(
        project,
        library.job(failed),
        model="llama-3.1-8b-instant",
        prompt_tokens=1,
        completion_tokens=1,
        total_tokens=2,
    )

    plan = plan_cleanup(library, 30)
    assert [j.id for j in plan.jobs] == [failed, cancelled, interrupted, orphan]
    assert plan.jobs[0].project_name == "Jobs" and plan.jobs[3].project_name is None
    result = run_cleanup(library, plan)
    assert [j.id for j in result.jobs] == [failed, cancelled, interrupted, orphan]
    assert {j.id for j in library.jobs()} == {completed, recent, latest}
    assert library.llm_calls(project)[0].job is None  # the call's tokens are kept


def test_an_unreadable_age_is_refused(library: Library) -> None:
    from studio.errors import InputError

    with pytest.raises(InputError, match="0 days or more"):
        plan_cleanup(library, -1)


# -- the command ---------------------------------------------------------------------------------
def test_studio_clean_dry_run_prints_the_list_and_deletes_nothing(
    media: Library_, capsys: pytest.CaptureFixture[str]
) -> None:
    home = media.library.home.root
    before = _snapshot(home)
    assert main(["--home", str(home), "clean", "--dry-run"]) == 0
    out = capsys.readouterr().out
    for path, reason in media.orphans.items():
        line = next(line for line in out.splitlines() if line.startswith(path))
        assert reason in line and " 40 d " in line
    assert f"projects/{next(p for p in media.orphans if p.count('/') == 1)}" not in out
    assert f"Total: {format_bytes(media.orphan_bytes)}" in out
    assert "Dry run: nothing was deleted." in out
    assert _snapshot(home) == before

    assert main(["--home", str(home), "clean", "--dry-run", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert _planned(data["files"]) == media.orphans
    assert data["total_bytes"] == media.orphan_bytes and data["dry_run"] is True


def test_studio_clean_asks_first_and_refuses_without_a_terminal(
    media: Library_, capsys: pytest.CaptureFixture[str]
) -> None:
    home = media.library.home.root
    before = _snapshot(home)
    assert main(["--home", str(home), "clean"]) == 2  # stdin is not a terminal under pytest
    err = capsys.readouterr().err
    assert "--yes" in err
    assert _snapshot(home) == before


def test_studio_clean_yes_deletes_the_list_and_reports_it(
    media: Library_, capsys: pytest.CaptureFixture[str]
) -> None:
    home = media.library.home.root
    assert main(["--home", str(home), "clean", "--yes", "--older-than", "30"]) == 0
    out = capsys.readouterr().out
    assert (
        f"Deleted {len(media.orphans)} items ({format_bytes(media.orphan_bytes)}) and 0 jobs."
        in out
    )
    assert _snapshot(home) == media.keep
    assert main(["--home", str(home), "clean", "--older-than", "-3"]) == 2
    assert "0 days or more" in capsys.readouterr().err


# -- scene previews of deleted projects, empty visual folders -------------------------------------
@dataclass
class Leftovers:
    library: Library
    orphans: dict[str, str]  # relative path -> reason
    kept: list[Path]  # folders that must stay


@pytest.fixture
def leftovers(library: Library) -> Leftovers:
    """A project with a chosen visual in ``visuals/<hash>/``, an empty ``visuals/<hash>/``, and
    scene previews of that project and of a project that is gone."""
    home = library.home
    project = library.create_project("Bees")
    library.replace_scenes(project, [("Bees fly.", ["bees"])])
    pdir = home.project_dir(project.id)
    chosen = _write(pdir / "visuals" / "fedcba9876543210" / "bees.png")
    library.select_clip(library.scenes(project)[0], chosen, kind="image", source="file")
    empty = pdir / "visuals" / "0123456789abcdef"
    empty.mkdir()
    own_previews = _write(home.scene_previews_dir / project.id / "a1.mp4", 300)
    gone_previews = home.scene_previews_dir / str(uuid.uuid4())
    _write(gone_previews / "b2.mp4", 700)
    _age_tree(home.root, OLD)
    (pdir / "visuals" / "young0123456789").mkdir()  # perhaps an import in progress
    return Leftovers(
        library,
        {
            f"projects/{project.id}/visuals/0123456789abcdef": REASON_EMPTY_VISUALS,
            f"cache/scene-previews/{gone_previews.name}": REASON_PREVIEWS,
        },
        [chosen.parent, own_previews.parent, pdir / "visuals" / "young0123456789"],
    )


def test_previews_of_deleted_projects_and_empty_visual_folders_are_listed_then_deleted(
    leftovers: Leftovers,
) -> None:
    library, root = leftovers.library, leftovers.library.home.root
    plan = plan_cleanup(library, 30)
    assert {plan.relative(f.path): f.reason for f in plan.files} == leftovers.orphans
    assert {plan.relative(f.path): f.size for f in plan.files} == dict.fromkeys(
        leftovers.orphans, 0
    ) | {next(p for p in leftovers.orphans if p.startswith("cache/")): 700}
    assert all(f.is_folder for f in plan.files)
    assert all((root / p).is_dir() for p in leftovers.orphans)  # a plan deletes nothing

    result = run_cleanup(library, plan)
    assert {plan.relative(f.path) for f in result.files} == set(leftovers.orphans)
    assert result.kept == ()
    assert not any((root / p).exists() for p in leftovers.orphans)
    assert all(folder.is_dir() for folder in leftovers.kept)
    assert (leftovers.kept[0] / "bees.png").is_file()
    assert plan_cleanup(library, 30).is_empty


def test_a_file_put_in_an_empty_visual_folder_after_the_plan_keeps_it(
    leftovers: Leftovers,
) -> None:
    library, root = leftovers.library, leftovers.library.home.root
    plan = plan_cleanup(library, 30)
    empty = next(p for p in leftovers.orphans if p.startswith("projects/"))
    _write(root / empty / "new.png")
    result = run_cleanup(library, plan)
    assert result.kept == ((empty, "a file is in it now"),)
    assert (root / empty / "new.png").is_file()


def test_studio_clean_lists_and_removes_previews_and_empty_visual_folders(
    leftovers: Leftovers,
) -> None:
    root = leftovers.library.home.root
    leftovers.library.close()

    def studio(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "studio", "--home", str(root), "clean", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    dry = studio("--dry-run")
    assert dry.returncode == 0, dry.stderr
    for path, reason in leftovers.orphans.items():
        line = next(line for line in dry.stdout.splitlines() if line.startswith(path + "/"))
        assert reason in line
    assert all((root / p).is_dir() for p in leftovers.orphans)

    data = json.loads(studio("--dry-run", "--json").stdout)
    assert _planned(data["files"]) == leftovers.orphans

    done = studio("--yes")
    assert done.returncode == 0, done.stderr
    assert "Deleted 2 items" in done.stdout
    assert not any((root / p).exists() for p in leftovers.orphans)
    assert all(folder.is_dir() for folder in leftovers.kept)
