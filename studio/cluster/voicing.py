"""A scene's voice made on the cluster: the coordinator sends the text and the voice choice,
a worker speaks it with its own engine of the same name, the WAV's bytes come back.

The worker needs the engine's files (Kokoro's weights in its usual places, or nothing for the
draft voice); a worker without them fails the task with Studio's own MissingWeightsError.
The coordinator writes the WAV (atomically) where the local engine would have, and the caller
records it in the store as for a local voice: workers never touch the library.
"""

from __future__ import annotations

from concurrent.futures import CancelledError
from pathlib import Path

from studio.cluster.connection import connect
from studio.cluster.tasks import SpeechWork, SpokenScene, speak
from studio.engines.base import SpeechResult
from studio.errors import Cancelled
from studio.progress import CancelToken
from studio.savefile import atomic_write


def synthesize_remote(
    address: str,
    work: SpeechWork,
    out_wav: Path,
    *,
    cancel: CancelToken | None = None,
) -> SpeechResult:
    """Speak ``work`` on the cluster at ``address`` into ``out_wav`` (replaced whole, as an
    engine's ``synthesize`` does); return what the engine said about it.

    Raises:
        InputError: no scheduler at ``address``; the engine refused the text or voice.
        MissingWeightsError: the worker has no Kokoro files.
        Cancelled: ``cancel`` fired (the task is cancelled, nothing is written).
    """
    cancel = cancel or CancelToken()
    cancel.raise_if_cancelled()
    client = connect(address)
    future = client.submit(speak, work, pure=False)
    cancel.add_callback(future.cancel)
    try:
        spoken: SpokenScene = future.result()
    except CancelledError as exc:
        raise Cancelled() from exc
    finally:
        cancel.remove_callback(future.cancel)
    cancel.raise_if_cancelled()
    Path(out_wav).parent.mkdir(parents=True, exist_ok=True)
    atomic_write(Path(out_wav), spoken.wav, durable=False)  # as write_wav_atomically: a cache
    return spoken.result


__all__ = ["synthesize_remote"]
