"""The Groq prompt in the project's language, through the real ``groq`` SDK against the fake
Groq server on 127.0.0.1 (tests/fakes/groq_server.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from studio.pipeline.groq_script import check_topic, generate_script, system_prompt
from studio.pipeline.jobs import run_job
from studio.pipeline.request import RunRequest
from studio.pipeline.script import script_from_topic
from studio.store import Library
from tests.fakes.groq_server import FakeGroq, reply, valid_script

KEY = "gsk_TESTKEY0do0not0leak0c0ffee0123456789"

JAPANESE_REPLY = json.dumps(
    {
        "scenes": [
            {"text": "ミツバチは花から蜜を集めます。", "visual_keywords": ["bees", "flowers"],
             "estimated_duration": 3},
            {"text": "巣に戻って仲間に渡します。", "visual_keywords": ["beehive"],
             "estimated_duration": 3},
        ]
    },
    ensure_ascii=False,
)  # fmt: skip


@pytest.fixture
def fake() -> Iterator[FakeGroq]:
    with FakeGroq() as server:
        yield server


def test_the_prompt_asks_for_the_script_in_the_language_and_keywords_in_english(
    fake: FakeGroq,
) -> None:
    fake.enqueue(reply(JAPANESE_REPLY))
    result = generate_script(
        "ミツバチはどうやって蜂蜜を作るの？", 30, api_key=KEY, base_url=fake.base_url,
        language="ja", timeout=5,
    )  # fmt: skip
    system, user = fake.requests[0].messages
    assert "Write every scene's text in Japanese" in system["content"]
    assert "visual_keywords in English" in system["content"]
    assert "language of the topic" not in system["content"]
    assert "Write it in Japanese." in user["content"]
    assert "150 characters in total at 300 characters per minute" in user["content"]
    assert "ミツバチはどうやって蜂蜜を作るの？" in user["content"]  # the topic as written
    assert [scene.visual_keywords for scene in result.scenes] == [["bees", "flowers"], ["beehive"]]
    assert result.scenes[0].estimated_duration == pytest.approx(
        14 * 60 / 300, abs=0.1
    )  # 14 characters and a 。


@pytest.mark.parametrize(
    ("code", "name"),
    [("pt-br", "Brazilian Portuguese"), ("hi", "Hindi (in Devanagari script)"),
     ("zh", "Mandarin Chinese (Simplified characters)"), ("es", "Spanish")],
)  # fmt: skip
def test_every_language_is_named_in_the_prompt(code: str, name: str) -> None:
    assert f"Write every scene's text in {name}," in system_prompt(code)


def test_american_english_keeps_its_prompt(fake: FakeGroq) -> None:
    fake.enqueue(valid_script())
    generate_script("Bees", 60, api_key=KEY, base_url=fake.base_url, timeout=5)
    system, user = fake.requests[0].messages
    assert system["content"] == system_prompt("en-us")
    assert "Write in the language of the topic." in system["content"]
    assert "150 words in total at 150 words per minute" in user["content"]
    assert "Write it in" not in user["content"]


@pytest.mark.parametrize(
    "topic", ["ミツバチ", "蜜蜂如何酿蜜", "मधुमक्खियाँ शहद कैसे बनाती हैं", "Abelhas"]
)
def test_topics_in_any_script_are_accepted(topic: str) -> None:
    assert check_topic(f"  {topic}\n") == topic


def test_the_projects_language_reaches_groq(library: Library, fake: FakeGroq) -> None:
    project = library.create_project("蜂", topic="蜂蜜", target_duration=30, language="ja")
    fake.enqueue(reply(JAPANESE_REPLY))
    library.set_setting("groq_base_url", fake.base_url)
    with run_job(library, project, "script") as ctx:
        script_from_topic(library, project, ctx, RunRequest.from_library(library, groq_key=KEY))
    assert "in Japanese" in fake.requests[0].messages[0]["content"]
    assert [scene.text for scene in library.scenes(project)][0] == "ミツバチは花から蜜を集めます。"
