"""The pipeline work the window can start, each as a function a worker runs.

Every builder snapshots what it needs (ids, text) on the GUI thread and returns
``fn(reporter, cancel) -> Done[T]`` that runs entirely on the worker thread, re-reading rows
there: its typed result and the :class:`~studio.pipeline.changes.Changes` it made, which the
window broadcasts once (see :mod:`studio.gui.op`). Don't call UI routines in these functions: they
only talk to the domain.

The pipeline is imported here, at start-up, on purpose: importing a module holds Python's GIL,
and the first import of the whole pipeline inside a worker froze the window for ~0.25 s.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import groq

from studio.engines import draft  # noqa: F401  (loaded here, not in the first voice job)
from studio.engines.download import download_kokoro_weights
from studio.engines.weights import KokoroWeights
from studio.errors import InputError, ServiceError
from studio.gui.workers import SignalReporter, WorkFn
from studio.pipeline import produce, publishing, sample, script, visuals, voiceover
from studio.pipeline.changes import Changes, Done
from studio.pipeline.jobs import run_job
from studio.pipeline.request import RunRequest
from studio.pipeline.scene_preview import ScenePreview, make_scene_preview
from studio.pipeline.templates import get_template
from studio.progress import CancelToken, run_abandonable
from studio.savefile import check_output_target, output_path
from studio.secrets import get_groq_key
from studio.store import Library
from studio.store.settings_registry import KOKORO_DIR

log = logging.getLogger(__name__)

#: Seconds the Groq key check waits for an answer.
KEY_CHECK_TIMEOUT = 15.0
_T = TypeVar("_T")


#: A project was added to the library (the sample, a copy, an imported archive).
PROJECT_ADDED = Changes(project_list=True)


def scenes_of(project_id: str) -> Changes:
    """The project's scenes changed (text, audio, durations or visuals)."""
    return Changes.of(scenes=[project_id])


def rendered(project_id: str) -> Changes:
    """A render ends: new render, and scenes voiced or drawn on the way."""
    return Changes.of(scenes=[project_id], renders=[project_id])


@dataclass(frozen=True)
class ImportedVisual:
    scene_id: str
    path: Path
    kind: str


def _request(library: Library, *, with_key: bool = True) -> RunRequest:
    """The run's outside inputs as the window knows them: the saved settings and, for AI work,
    the saved key (read here, at the edge, on the worker thread: the keyring can be slow)."""
    return RunRequest.from_library(library, groq_key=get_groq_key() if with_key else None)


def render(library: Library, project_id: str) -> WorkFn:
    """Voice (cached), visuals and render of a project; returns the ProduceResult."""

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[Any]:
        project = library.project(project_id)
        result = produce.render_project(library, project, _request(library, with_key=False),
                                        reporter=reporter, cancel=cancel, install_sigint=False,
                                        kind="render")
        return Done(result, rendered(project_id))

    return work


def voice_scene(
    library: Library, project_id: str, scene_id: str, *, force: bool = False
) -> WorkFn:
    """Make one scene's audio current (``force``: speak it again); returns the audio's path."""

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[Path]:
        project = library.project(project_id)
        scene = library.scene(scene_id)
        with run_job(library, project, "voice", reporter=reporter, cancel=cancel) as ctx:
            ctx.progress(0.05, f"Voice: scene {scene.scene_number}")
            template = get_template(project.template)
            stand_in = voiceover.choose_voice(library, project, scene).stand_in
            if template.narrated and stand_in is not None:
                ctx.message(f"Using the draft voice: {stand_in}.")
            template.voice_scene(library, project, scene, ctx, force=force)
            ctx.progress(1.0, "Voice: done")
        audio = library.scene(scene_id).audio_file_path
        if not audio:
            raise InputError("The scene's voice could not be made", fix="Try again")
        return Done(library.home.abs(audio),
                    Changes.of(scenes=[project_id], scene_ids=[(project_id, scene_id)]))

    return work


def scene_preview(library: Library, project_id: str, scene_id: str) -> WorkFn:
    """A scene's preview with picture (voiced first if needed); returns the ScenePreview."""

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[ScenePreview]:
        project = library.project(project_id)
        with run_job(library, project, "preview", reporter=reporter, cancel=cancel) as ctx:
            result = make_scene_preview(library, project, scene_id, ctx)
        changes = Changes.of(scenes=[project_id], scene_ids=[(project_id, scene_id)])
        return Done(result, changes if result.changed_scene else Changes())

    return work


def audition_voice(library: Library, voice_id: str) -> WorkFn:
    """A short sample sentence in ``voice_id`` (the real voice path); returns the WAV's path."""

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[Path]:
        reporter.progress(0.1, "Speaking a sample", None)
        path = voiceover.speak_sample(library, voice_id, cancel)
        reporter.progress(1.0, "Sample ready", None)
        return Done(path, Changes())

    return work


def import_visual(library: Library, project_id: str, scene_id: str, source: Path) -> WorkFn:
    """Copy a creator's file into the project (hashing can take a while for a video)."""

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[ImportedVisual]:
        reporter.progress(0.1, f"Importing {source.name}", None)
        path, kind = visuals.import_visual(library, library.project(project_id), source)
        cancel.raise_if_cancelled()
        reporter.progress(1.0, "Imported", None)
        return Done(ImportedVisual(scene_id, path, kind), scenes_of(project_id))

    return work


def write_script_from_topic(library: Library, project_id: str) -> WorkFn:
    """Ask Groq for the project's script (InputError without a key)."""

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[int]:
        project = library.project(project_id)
        request = _request(library)
        with run_job(library, project, "script", reporter=reporter, cancel=cancel) as ctx:
            count = len(script.script_from_topic(library, project, ctx, request))
        return Done(count, scenes_of(project_id))

    return work


def write_script_from_text(library: Library, project_id: str, text: str) -> WorkFn:
    """Make the scenes from the creator's own text (offline), as the project's template does."""

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[int]:
        project = library.project(project_id)
        with run_job(library, project, "script", reporter=reporter, cancel=cancel) as ctx:
            template = get_template(project.template)
            count = len(template.script_from_text(library, project, text, ctx))
        return Done(count, scenes_of(project_id))

    return work


def write_publishing(library: Library, project_id: str) -> WorkFn:
    """The project's title, description and tags by Groq (from the script without a key);
    returns the ``WrittenMetadata``."""

    def work(
        reporter: SignalReporter, cancel: CancelToken
    ) -> Done[publishing.WrittenMetadata]:
        reporter.progress(0.0, "Writing the title, description and tags", None)
        project = library.project(project_id)
        written = publishing.write_metadata(library, project, _request(library), cancel=cancel)
        reporter.progress(1.0, "Title, description and tags written", None)
        return Done(written, Changes.of(publishing=[project_id]))

    return work


def redraw_thumbnails(library: Library, project_id: str) -> WorkFn:
    """The latest render's thumbnails drawn again with the saved title, on the worker thread;
    returns the ``RedrawnThumbnails``."""

    def work(
        reporter: SignalReporter, cancel: CancelToken
    ) -> Done[publishing.RedrawnThumbnails]:
        reporter.progress(0.0, "Redrawing the thumbnails", None)
        project = library.project(project_id)
        redrawn = publishing.redraw_thumbnails(library, project, cancel=cancel)
        reporter.progress(1.0, "Thumbnails redrawn", None)
        return Done(redrawn, Changes.of(publishing=[project_id]))

    return work


def create_sample(library: Library) -> WorkFn:
    """The bundled sample project (script split, not rendered yet); returns its id."""

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[str]:
        reporter.progress(0.0, "Creating the sample project", None)
        return Done(str(sample.create_sample_project(library).id), PROJECT_ADDED)

    return work


def duplicate(library: Library, project_id: str) -> WorkFn:
    """Copy a project with its media; returns the copy's id."""

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[str]:
        reporter.progress(0.0, "Duplicating the project", None)
        copy = library.duplicate_project(library.project(project_id))
        return Done(str(copy.id), PROJECT_ADDED)

    return work


def import_archive(library: Library, source: Path) -> WorkFn:
    """Add the project in a ``.studio.zip`` to the library; returns the new project's id."""

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[str]:
        from studio.store import archive

        reporter.progress(0.0, f"Importing {source.name}", None)
        return Done(str(archive.import_project(library, source).id), PROJECT_ADDED)

    return work


def export_archive(library: Library, project_id: str, target: Path) -> WorkFn:
    """Save the project as a ``.studio.zip`` at ``target`` (as ``studio export``); returns
    the archive's path. Changes nothing in the library."""

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[Path]:
        from studio.store import archive

        reporter.progress(0.0, f"Exporting to {target.name}", None)
        return Done(archive.export_project(library, library.project(project_id), target))

    return work


def copy_video(library: Library, source: Path, target: Path) -> WorkFn:
    """Copy a rendered video to a place the creator chose (checked, written atomically);
    returns the copy's path."""

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[Path]:
        place = check_output_target(target, library.home)
        reporter.progress(0.0, f"Saving {place.name}", None)
        with output_path(place) as partial:
            shutil.copyfile(source, partial)
        return Done(place)

    return work


def download_voice_files(library: Library, target: Path, voices: Iterable[str]) -> WorkFn:
    """Download Kokoro's files into ``target`` and make it the library's Kokoro folder.

    The setting is stored only once every file has arrived and been checked, so a cancelled
    or failed download leaves the library as it was (its part files resume next time).
    """
    wanted = tuple(voices)

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[KokoroWeights]:
        weights = download_kokoro_weights(
            target, wanted, cancel=cancel,
            progress=lambda fraction, stage: reporter.progress(fraction, stage, None))
        library.set_setting(KOKORO_DIR, str(target))
        return Done(weights, Changes(settings=True))

    return work


def check_groq_key(api_key: str, base_url: str | None) -> WorkFn:
    """Ask Groq for its model list with ``api_key``; returns how many models it offers.

    Raises ServiceError with a message that never contains the key (Groq's own error text is
    left out, as a server may echo the key back). Cancel abandons the request at once.
    """

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[int]:
        client = groq.Groq(api_key=api_key, base_url=base_url, max_retries=0,
                           timeout=KEY_CHECK_TIMEOUT)
        try:
            models = _abandon_on_cancel(client.models.list, cancel)
        except (groq.AuthenticationError, groq.PermissionDeniedError) as exc:
            raise ServiceError(
                f"Groq rejected this API key (HTTP {exc.status_code})",
                fix="Check that you copied the whole key, or create a new one at "
                    "console.groq.com/keys") from None
        except groq.APIStatusError as exc:
            raise ServiceError(f"Groq answered with an error (HTTP {exc.status_code})",
                               fix="Try again in a few minutes") from None
        except groq.APITimeoutError:
            raise ServiceError(f"Groq did not answer within {KEY_CHECK_TIMEOUT:g} seconds",
                               fix="Check your internet connection and try again") from None
        except groq.APIConnectionError as exc:  # the details go to the log, not on screen
            log.warning("The Groq server at %s could not be reached: %r", client.base_url,
                        exc.__cause__ or exc)
            url = client.base_url
            server = f"{url.host}:{url.port}" if url.port else url.host
            raise ServiceError(f"Can't reach the Groq server ({server})",
                               fix="Check your internet connection (and any proxy or "
                                   "firewall), then try again") from None
        finally:
            client.close()
        return Done(len(models.data))

    return work


def _abandon_on_cancel(call: Callable[[], _T], cancel: CancelToken) -> _T:
    """``call()`` on a daemon thread, given up at once if ``cancel`` fires.

    The SDK blocks until its timeout; this lets a closing window stop waiting for it.
    """
    return run_abandonable(call, cancel, name="groq-key-check")
