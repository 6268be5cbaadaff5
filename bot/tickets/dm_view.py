"""Direct messages about a ticket: the requester's receipt (updated in place), notices, the hold
question with its answer button, the resolution with its 1-click rating; and agents' notices."""

from __future__ import annotations

from bot.i18n import t
from bot.i18n.mrkdwn import escape
from bot.slack_ids import TicketAction
from bot.tickets.card_view import stars, status_text, who
from bot.tickets.facts_view import TicketFacts
from bot.views.blocks import (
    CONFIRM_BUTTON_MAX,
    CONFIRM_TITLE_MAX,
    Block,
    actions,
    button,
    clip,
    context,
    fields,
    header,
    section,
)

RATINGS = (1, 2, 3, 4, 5)
RATING_FACES = {1: "😞", 2: "🙁", 3: "😐", 4: "🙂", 5: "😄"}


def receipt(f: TicketFacts, locale: str, *, next_step: str, withdrawable: bool) -> tuple[str, list[Block]]:
    blocks: list[Block] = [
        header(t(locale, "tickets.receipt.header", number=f.number)),
        section(f"*{f.emoji} {f.type_name}* — {f.title}".replace("*  ", "*")),
        fields((t(locale, "tickets.field.status"), status_text(locale, f.status)),
               (t(locale, "tickets.field.department"), f.department),
               (t(locale, "tickets.field.assignee"), who(f.assignee_id, locale)),
               (t(locale, "tickets.field.due"), f.resolution_due or "—")),
        section(f"*{t(locale, 'tickets.receipt.next')}*\n{next_step}"
                + (f"\n{f.waiting_on}" if f.waiting_on else "")),
    ]
    if f.rows:
        blocks.append(section("\n".join(f"*{label}*: {value}" for label, value in f.rows)))
    if f.children:
        blocks.append(context(t(locale, "tickets.card.children", numbers=", ".join(f.children))))
    if withdrawable:
        confirm = {
            "title": {"type": "plain_text", "text": clip(t(locale, "tickets.withdraw.confirm_title"),
                                                          CONFIRM_TITLE_MAX)},
            "text": {"type": "mrkdwn", "text": t(locale, "tickets.withdraw.confirm_text", number=f.number)},
            "confirm": {"type": "plain_text", "text": clip(t(locale, "tickets.withdraw.confirm_yes"),
                                                           CONFIRM_BUTTON_MAX)},
            "deny": {"type": "plain_text", "text": clip(t(locale, "tickets.withdraw.confirm_no"), CONFIRM_BUTTON_MAX)},
            "style": "danger",
        }
        blocks.append(actions(button(t(locale, "tickets.buttons.withdraw"), TicketAction.WITHDRAW, str(f.id),
                                     style="danger", confirm=confirm), block_id=f"receipt:{f.id}"))
    text = t(locale, "tickets.receipt.text", number=f.number, type=f.type_name, status=status_text(locale, f.status))
    return text, blocks


def notice(f: TicketFacts, locale: str, key: str, **params: str) -> tuple[str, list[Block]]:
    """A one-off message about a ticket (claimed, re-routed, withdrawn…)."""
    text = t(locale, f"tickets.notice.{key}", number=f.number, type=f.type_name, **params)
    return text, [section(text), context(f"{f.number} · {f.type_name} · {status_text(locale, f.status)}")]


def hold_question(f: TicketFacts, locale: str, *, asker: str, question: str,
                  answered: str | None = None) -> tuple[str, list[Block]]:
    text = t(locale, "tickets.hold.question", number=f.number, who=who(asker, locale))
    blocks: list[Block] = [section(text), section(f">>> {escape(question)}")]
    if answered is None:
        blocks.append(context(t(locale, "tickets.hold.paused")))
        blocks.append(actions(button(t(locale, "tickets.buttons.answer"), TicketAction.ANSWER, str(f.id),
                                     style="primary"), block_id=f"hold:{f.id}"))
    else:
        blocks.append(section(t(locale, "tickets.hold.your_answer") + f"\n>>> {escape(answered)}"))
    return text, blocks


def resolution(f: TicketFacts, locale: str, *, resolver: str, note: str,
               rated: int | None = None) -> tuple[str, list[Block]]:
    text = t(locale, "tickets.resolved.text", number=f.number, who=who(resolver, locale))
    blocks: list[Block] = [section(text), section(f">>> {escape(note)}")]
    if rated is None:
        blocks.append(section(t(locale, "tickets.rating.ask")))
        blocks.append(actions(*[button(f"{RATING_FACES[n]} {n}", f"{TicketAction.RATE}_{n}", f"{f.id}:{n}")
                                for n in RATINGS], block_id=f"rating:{f.id}"))
    else:
        blocks.append(context(t(locale, "tickets.rating.thanks", stars=stars(rated))))
    return text, blocks


def agent_notice(f: TicketFacts, locale: str, key: str, *, body: str | None = None, **params: str,
                 ) -> tuple[str, list[Block]]:
    text = t(locale, f"tickets.agent.{key}", number=f.number, type=f.type_name, **params)
    blocks: list[Block] = [section(text)]
    if body:
        blocks.append(section(f">>> {escape(body)}"))
    if not f.confidential:
        blocks.append(context(f.title))
    return text, blocks
