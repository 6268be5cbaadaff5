"""The digest message: pure Block Kit from a Digest, well within Slack's limits (≤ 50 blocks, ≤ 3,000
characters per section text; we use about 12 blocks)."""

from __future__ import annotations

from typing import Any

from bot.digest.numbers import ApprovalNumbers, DeskWeek, Digest, Spread
from bot.i18n import t
from bot.i18n.dates import format_date_range
from bot.i18n.mrkdwn import link
from bot.views.blocks import MESSAGE_BLOCKS_MAX, Block, context, divider, header, section, table


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}h"


def _spread(locale: str, s: Spread) -> str:
    return t(locale, "digest.spread", median=hours(s.median), p90=hours(s.p90), n=s.n)


def _delta(now: int, before: int) -> str:
    diff = now - before
    return f"{now} ({'+' if diff > 0 else ''}{diff})" if diff else f"{now} (±0)"


def desk_lines(locale: str, this: DeskWeek, last: DeskWeek) -> str:
    return "\n".join([
        t(locale, "digest.desk.counts", new=_delta(this.new, last.new), resolved=_delta(this.resolved, last.resolved),
          backlog=_delta(this.backlog, last.backlog)),
        t(locale, "digest.desk.first_response", this=_spread(locale, this.first_response),
          last=_spread(locale, last.first_response)),
        t(locale, "digest.desk.resolution", this=_spread(locale, this.resolution),
          last=_spread(locale, last.resolution)),
    ])


def department_table(locale: str, d: Digest, department_names: dict[str, str]) -> Block:
    """One row per department: this week's counts with the change from last week, and the median times."""
    head = [t(locale, f"digest.table.{key}")
            for key in ("department", "new", "resolved", "backlog", "first_response", "resolution")]
    rows = [[department_names.get(n.key, n.key), _delta(n.this.new, n.last.new),
             _delta(n.this.resolved, n.last.resolved), _delta(n.this.backlog, n.last.backlog),
             hours(n.this.first_response.median), hours(n.this.resolution.median)] for n in d.departments]
    return table(head, rows, align=["left"] + ["right"] * (len(head) - 1))


def _approval_lines(locale: str, a: ApprovalNumbers, b: ApprovalNumbers) -> str:
    return t(locale, "digest.approvals.body", decided=_delta(a.decided, b.decided), lead=_spread(locale, a.lead_time),
             lead_last=_spread(locale, b.lead_time), send_back=pct(a.send_back_rate),
             send_back_last=pct(b.send_back_rate), rejection=pct(a.rejection_rate),
             rejection_last=pct(b.rejection_rate), breaches=_delta(a.sla_breaches, b.sla_breaches))


def _after_the_fact_line(locale: str, counts: dict[str, int], department_names: dict[str, str]) -> str:
    """「事後稟議（取引日より後の承認）3 件: 経理 2 件 · 総務 1 件」, most first."""
    parts = [t(locale, "digest.approvals.after_the_fact_department", department=department_names.get(key, key), n=n)
             for key, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    return t(locale, "digest.approvals.after_the_fact", n=sum(counts.values()), departments=" · ".join(parts))


def footer(locale: str, *, chart: bool, help_url: str | None) -> str:
    """What the numbers mean, in the message (the people reading it have no repository to look in), and
    the operator's page about them when `digest.help_url` names one."""
    lines = [t(locale, "digest.footer")] if chart else []
    if help_url:
        lines.append(t(locale, "digest.more", link=link(help_url, t(locale, "digest.more_label"))))
    return "\n".join(lines)


def digest_message(locale: str, d: Digest, *, department_names: dict[str, str], type_names: dict[str, str],
                   names: Any, help_url: str | None = None) -> tuple[str, list[Block]]:
    """`names(user_id) -> display name` for approvers. A week with nothing to report yet (a fresh install)
    says so in a few words instead of a page of zeros and dashes."""
    period = format_date_range(d.week_start, d.week_end, locale)
    if d.is_empty:
        text = t(locale, "digest.empty_text", period=period)
        blocks: list[Block] = [header(t(locale, "digest.header", period=period)), section(t(locale, "digest.empty"))]
        if help_url:
            blocks.append(context(footer(locale, chart=False, help_url=help_url)))
        return text, blocks
    text = t(locale, "digest.text", period=period, new=d.total.this.new, resolved=d.total.this.resolved,
             backlog=d.total.this.backlog)
    blocks = [
        header(t(locale, "digest.header", period=period)),
        context(t(locale, "digest.legend")),
        section(f"*{t(locale, 'digest.total')}*\n" + desk_lines(locale, d.total.this, d.total.last)),
    ]
    if d.departments:
        blocks.append(department_table(locale, d, department_names))
    blocks.append(divider())
    approvals = _approval_lines(locale, d.approvals, d.approvals_last)
    if d.after_the_fact:
        approvals += "\n" + _after_the_fact_line(locale, d.after_the_fact, department_names)
    blocks.append(section(f"*{t(locale, 'digest.approvals.title')}*\n" + approvals))
    if d.stalled:
        lines = [t(locale, "digest.stalled.item", number=s.ticket_number, type=type_names.get(s.request_type,
                   s.request_type), approvers=" / ".join(names(a) for a in s.approvers),
                   age=hours(s.waiting_hours), reminders=s.reminders) for s in d.stalled]
        blocks.append(section(f"*{t(locale, 'digest.stalled.title')}*\n" + "\n".join(lines)))
    faq_lines = [t(locale, "digest.faq.body", asked=_delta(d.faq.asked, d.faq_last.asked),
                   rate=pct(d.faq.self_resolution_rate), rate_last=pct(d.faq_last.self_resolution_rate),
                   escalated=_delta(d.faq.escalated, d.faq_last.escalated))]
    if d.top_unanswered:
        faq_lines.append(t(locale, "digest.faq.unanswered"))
        # t() escapes the question (bot/i18n/mrkdwn.py)
        faq_lines.extend(t(locale, "digest.faq.unanswered_item", text=text[:200], askers=n)
                         for text, n in d.top_unanswered)
    if d.unanswered_withheld:
        faq_lines.append(t(locale, "digest.faq.unanswered_withheld", n=d.unanswered_withheld))
    blocks.append(section(f"*{t(locale, 'digest.faq.title')}*\n" + "\n".join(faq_lines)))
    sat = "—" if d.satisfaction.mean is None else f"{d.satisfaction.mean:.2f}"
    sat_last = "—" if d.satisfaction_last.mean is None else f"{d.satisfaction_last.mean:.2f}"
    blocks.append(section(t(locale, "digest.quality", evidence=pct(d.evidence.rate), missing=d.evidence.missing,
                            required=d.evidence.required, evidence_last=pct(d.evidence_last.rate),
                            satisfaction=sat, ratings=d.satisfaction.n, satisfaction_last=sat_last)))
    blocks.append(context(footer(locale, chart=d.has_tickets, help_url=help_url)))
    return text, blocks[:MESSAGE_BLOCKS_MAX]


def digest_plain(blocks: list[Block]) -> str:
    """The message as plain text, for `madoguchi digest --dry-run`."""
    out = []
    for block in blocks:
        if block["type"] == "divider":
            out.append("-" * 40)
        elif "text" in block:
            out.append(block["text"]["text"])
        elif block["type"] == "context":
            out.extend(e["text"] for e in block["elements"])
        elif block["type"] == "table":
            out.append("\n".join(" | ".join(_cell_text(c) for c in row) for row in block["rows"]))
    return "\n\n".join(out)


def _cell_text(cell: dict[str, Any]) -> str:
    if cell["type"] == "raw_text":
        return str(cell["text"])
    return "".join(e.get("text", "") for part in cell.get("elements", []) for e in part.get("elements", []))
