"""What the employee sees of an FAQ answer, over signed HTTP: this company's values (締め日, 内線, portal
URL) filled in from the workspace config; a value the company has not filled in yet never shows as a
placeholder — the rest of the answer is there, with whom to ask and the button; no matching score."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.config import WorkspaceConfig, load_workspace
from bot.settings import BUNDLED_CONFIG
from bot.slack_ids import FaqAction
from tests.harness import Bot, start_bot
from tests.wiring.intake_steps import modal

YAMADA = "UEMPLOYEE1"  # ja
ALEX = "UEMPLOYEE2"  # en
NEVER_SHOWN = ("{{", "}}", "［", "スコア", "score", "Score")


def without_values(*keys: str) -> WorkspaceConfig:
    config = load_workspace(BUNDLED_CONFIG)
    values = {k: v for k, v in config.faq.values.items() if k not in keys}
    return config.model_copy(update={"faq": config.faq.model_copy(update={"values": values})})


@pytest.fixture
def start(clean_engine: Engine) -> Iterator[Any]:
    started: list[Bot] = []

    def _start(config: WorkspaceConfig | None = None) -> Bot:
        started.append(start_bot(clean_engine, config=config))
        return started[-1]

    yield _start
    for running in started:
        running.stop()


def ask(bot: Bot, user: str, text: str) -> dict[str, Any]:
    assert bot.dm(user, text).status == 200
    bot.deliver()
    return bot.slack.messages(bot.slack.dm_channel(user))[-1]


def shown(message: dict[str, Any]) -> str:
    """Every text the person sees: the notification text and each text of the blocks."""
    texts = [message.get("text", "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            texts.extend(v for k, v in node.items() if k == "text" and isinstance(v, str))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(message.get("blocks", []))
    return "\n".join(texts)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {e["action_id"]: e.get("value", "") for b in message.get("blocks", []) if b["type"] == "actions"
            for e in b["elements"]}


def test_the_employee_sees_the_companys_closing_day_and_no_score(start):
    bot = start()

    answer = ask(bot, YAMADA, "経費精算の締め日はいつですか？")

    seen = shown(answer)
    assert "経費精算の締め日は毎月5営業日目です。" in seen
    assert "<https://portal.example.co.jp/expenses>" in seen  # the portal URL value is a link
    for hidden in NEVER_SHOWN:
        assert hidden not in seen, hidden
    assert set(buttons(answer)) == {FaqAction.HELPED, FaqAction.NOT_HELPED}


def test_an_english_speaker_sees_the_english_value(start):
    bot = start()

    answer = ask(bot, ALEX, "When is the deadline for expense claims?")

    seen = shown(answer)
    assert "close on the 5th business day of each month" in seen
    for hidden in NEVER_SHOWN:
        assert hidden not in seen, hidden


def test_an_unfilled_closing_day_shows_the_rest_and_whom_to_ask(start):
    bot = start(without_values("expense_closing_day"))
    dm = bot.slack.dm_channel(YAMADA)

    answer = ask(bot, YAMADA, "経費精算の締め日はいつですか？")

    seen = shown(answer)
    assert "経費精算の締め日は毎月" not in seen  # the sentence that needed the value is left out…
    assert "締め日の18時までに経費精算システムで申請してください。" in seen  # …what it knows is there
    assert "経理・財務" in seen  # whom to ask
    for hidden in NEVER_SHOWN:
        assert hidden not in seen, hidden
    assert set(buttons(answer)) == {FaqAction.HELPED, FaqAction.NOT_HELPED, FaqAction.ESCALATE}

    reply = bot.requester.block_action(user_id=YAMADA, action_id=FaqAction.ESCALATE,
                                       value=buttons(answer)[FaqAction.ESCALATE], channel_id=dm, message=answer,
                                       trigger_id=bot.slack.issue_trigger(YAMADA))
    bot.deliver()

    assert reply.status == 200
    assert "経費精算の締め日はいつですか？" in json.dumps(modal(bot, YAMADA), ensure_ascii=False)


def test_an_unfilled_extension_in_brackets_leaves_only_the_brackets_out(start):
    bot = start(without_values("it_helpdesk_extension"))

    answer = ask(bot, YAMADA, "パスワードを忘れました")

    seen = shown(answer)
    assert "情報システム部に連絡してください" in seen
    assert "内線" not in seen and "（）" not in seen
    assert "IT・システム" in seen
    for hidden in NEVER_SHOWN:
        assert hidden not in seen, hidden
