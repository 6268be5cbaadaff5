"""`madoguchi config check` tells an admin every problem with the key path to fix."""

from __future__ import annotations

import json
import textwrap

import pytest

from bot.cli import main
from bot.config import ConfigError, load_workspace, parse_workspace
from bot.settings import BUNDLED_CONFIG

MINIMAL = """
departments:
  - {key: finance, name: 経理, ticket_prefix: FIN, triage_channel: CFIN}
  - {key: general_affairs, name: 総務, ticket_prefix: GA, triage_channel: CGA}
org:
  people:
    - {key: boss, name: 上司, slack_id: UBOSS}
    - {key: me, name: 私, slack_id: UME, manager: boss, department: finance}
"""

AWAY = """
request_types:
  - key: leave
    name: 休暇
    department: finance
    fields:
      - {{key: start_on, type: text, label: 開始日}}
    away: {{first_day: {first}}}
"""


def problems(yaml_text: str) -> list[str]:
    with pytest.raises(ConfigError) as failure:
        parse_workspace(textwrap.dedent(yaml_text))
    return [str(p) for p in failure.value.problems]


def test_the_bundled_example_is_valid():
    config = load_workspace(BUNDLED_CONFIG)
    assert {d.key for d in config.departments} == {"finance", "hr", "general_affairs", "legal", "it"}
    assert config.department("finance").name.get("ja") == "経理・財務"
    assert config.org.by_key("employee").manager == "manager"


def test_a_minimal_config_is_valid():
    config = parse_workspace(MINIMAL)
    assert config.routing.fallback == "general_affairs"
    assert config.calendar.timezone == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (MINIMAL.replace(", triage_channel: CGA", ""), "departments[1].triage_channel: required"),
        (MINIMAL.replace("ticket_prefix: FIN", "ticket_prefix: fin"), "departments[0].ticket_prefix:"),
        (MINIMAL.replace("triage_channel: CFIN", "triage_channel: finance-desk"),
         "departments[0].triage_channel: must be a Slack channel id"),
        (MINIMAL.replace("manager: boss", "manager: nobody"), "org.people[1].manager: unknown person 'nobody'"),
        (MINIMAL.replace("department: finance", "department: sales"),
         "org.people[1].department: unknown department 'sales'"),
        (MINIMAL.replace("slack_id: UBOSS", "email: not-an-email"), "org.people[0].email: must be an email address"),
        (MINIMAL.replace("{key: boss, name: 上司, slack_id: UBOSS}", "{key: boss, name: 上司}"),
         "org.people[0]: needs slack_id or email"),
        (MINIMAL + "routing: {fallback: sales}\n", "routing.fallback: unknown department 'sales'"),
        (MINIMAL + "colour: blue\n", "colour: unknown key (typo?)"),
        (MINIMAL.replace("key: general_affairs", "key: finance"), "departments[0].key: duplicate department"),
        (MINIMAL + "calendar: {work_start: '19:00', work_end: '09:00'}\n", "calendar"),
        (MINIMAL.replace("manager: boss,", "manager: boss, deputy: nobody,"),
         "org.people[1].deputy: unknown person 'nobody'"),
        (MINIMAL.replace("manager: boss,", "manager: boss, deputy: me,"),
         "org.people[1].deputy: a person cannot be their own deputy"),
        (MINIMAL + AWAY.format(first="start_on"), "request_types[0].away.first_day: 'start_on' is not a date field"),
        (MINIMAL + AWAY.replace("    away: {{first_day: {first}}}\n", "    after_the_fact: {first}\n").format(
            first="ordered_on"), "request_types[0].after_the_fact: 'ordered_on' is not a date field"),
    ],
    ids=["missing-channel", "lowercase-prefix", "channel-name", "unknown-manager", "unknown-department",
         "bad-email", "unreachable-person", "bad-fallback", "typo-key", "duplicate-department", "hours-reversed",
         "unknown-deputy", "own-deputy", "away-not-a-date", "after-the-fact-not-a-field"],
)
def test_each_problem_is_reported_with_its_key_path(broken, expected):
    assert any(p.startswith(expected) for p in problems(broken)), problems(broken)


RULE_VERSIONS = """
request_types:
  - key: expense
    name: 経費精算
    department: finance
    fields:
      - {{key: amount, type: amount, label: 金額}}
    approval:
      - {{label: 上長, manager: true}}
      - {{label: CFO, person: boss, when: "amount >= 1000000", effective_until: {until}}}
      - {{label: CFO, person: boss, when: "amount >= 500000", effective_from: {start}}}
"""


@pytest.mark.parametrize(("until", "start", "expected"), [
    ("2027-03-31", "2027-04-01", None),
    ("2027-04-15", "2027-04-01", "request_types[0].approval[2]: step 'CFO': in force 2027-04-01〜, overlapping"),
    ("2027-03-15", "2027-04-01", "request_types[0].approval[2]: step 'CFO': a gap from 2027-03-16 to 2027-03-31"),
], ids=["back-to-back", "overlap", "gap"])
def test_a_revision_of_the_rules_must_neither_overlap_nor_leave_a_gap(until, start, expected):
    text = MINIMAL + RULE_VERSIONS.format(until=until, start=start)
    if expected is None:
        assert parse_workspace(textwrap.dedent(text)).request_types[0].approval[2].effective_from.isoformat() == start
    else:
        assert any(p.startswith(expected) for p in problems(text)), problems(text)


@pytest.mark.parametrize("broken", [
    MINIMAL.replace("manager: boss", "manager: nobody"),  # only a reference problem
    MINIMAL.replace("manager: boss", "manager: nobody").replace("ticket_prefix: FIN", "ticket_prefix: fin"),
], ids=["reference-only", "with-a-shape-problem"])
def test_each_problem_is_reported_once(broken):
    found = problems(broken)
    assert found.count("org.people[1].manager: unknown person 'nobody'") == 1, found


def test_every_shape_problem_is_reported_at_once():
    broken = MINIMAL.replace(", triage_channel: CGA", "").replace("ticket_prefix: FIN", "ticket_prefix: x")
    assert len(problems(broken)) == 2


def test_a_management_loop_is_caught():
    looped = MINIMAL.replace("{key: boss, name: 上司, slack_id: UBOSS}",
                             "{key: boss, name: 上司, slack_id: UBOSS, manager: me}")
    assert any("loops back" in p for p in problems(looped))


def test_not_yaml_says_where():
    assert problems("departments: [\n  - {key: x")[0].startswith("line ")


def test_config_check_command_exits_non_zero_and_lists_problems(tmp_path, capsys):
    path = tmp_path / "broken.yaml"
    path.write_text(MINIMAL.replace(", triage_channel: CGA", ""), encoding="utf-8")

    assert main(["config", "check", str(path)]) == 1
    assert "departments[1].triage_channel: required" in capsys.readouterr().err


def test_config_check_command_passes_on_the_example(capsys):
    assert main(["config", "check", str(BUNDLED_CONFIG)]) == 0
    assert "OK" in capsys.readouterr().out


def test_shape_problems_and_unknown_references_are_reported_in_one_pass():
    """An admin fixing a file learns everything at once, not the unknown people after the typos."""
    broken = MINIMAL.replace("ticket_prefix: FIN", "ticket_prefix: fin")  # shape: departments[0]
    broken = broken.replace("slack_id: UME, manager: boss", "slack_id: UME, manager: nobody")  # reference
    broken += textwrap.dedent("""
        admins: [boss, ghost]
        digest: {channel: not-a-channel}
        routing: {fallback: sales, help_channels: [CHELP, helpdesk]}
    """)

    found = problems(broken)

    assert any(p.startswith("departments[0].ticket_prefix:") for p in found), found
    assert any(p.startswith("digest.channel: must be a Slack channel id") for p in found), found
    assert "org.people[1].manager: unknown person 'nobody'" in found, found
    assert "admins[1]: unknown person 'ghost'" in found, found
    assert "routing.fallback: unknown department 'sales'" in found, found
    assert any(p.startswith("routing.help_channels[1]: must be a Slack channel id") for p in found), found
    assert not any("'finance'" in p for p in found), found  # the department with a shape problem still counts


def test_a_broken_list_item_keeps_the_paths_of_the_items_after_it():
    broken = MINIMAL.replace("{key: boss, name: 上司, slack_id: UBOSS}", "{key: boss, name: 上司, slack_id: 42x}")
    broken = broken.replace("manager: boss, department: finance", "manager: boss, department: sales")

    found = problems(broken)

    assert any(p.startswith("org.people[0].slack_id") for p in found), found
    assert "org.people[1].department: unknown department 'sales'" in found, found
    assert not any("unknown person 'boss'" in p for p in found), found


def test_config_check_warns_when_the_faq_sentence_model_is_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MADOGUCHI_MINILM_DIR", str(tmp_path / "no-model-here"))

    assert main(["config", "check", str(BUNDLED_CONFIG)]) == 0  # a warning: the bot runs without it
    out = capsys.readouterr().out
    assert "OK" in out
    assert "faq.encoders.en: FAQ English sentence encoder (all-MiniLM-L6-v2) missing" in out
    assert "make install" in out and "python -m faq.install_model" in out


def test_config_check_json_lists_the_warning(tmp_path, monkeypatch, capsys):
    import json

    monkeypatch.setenv("MADOGUCHI_MINILM_DIR", str(tmp_path))
    (tmp_path / "model.safetensors").write_bytes(b"not the weights")

    assert main(["config", "check", "--json", str(BUNDLED_CONFIG)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True
    (model,) = [w for w in out["warnings"] if w["path"] == "faq.encoders.en"]
    assert "not the verified file" in model["message"]


def test_config_check_says_nothing_more_when_the_model_is_installed(capsys):
    assert main(["config", "check", str(BUNDLED_CONFIG)]) == 0
    assert "faq.encoders" not in capsys.readouterr().out


# -- FAQ values (faq.values): unfilled ones are warnings, not errors ----------------------------------
def test_unfilled_faq_values_are_listed_as_warnings_with_the_entries_using_them(tmp_path, capsys):
    path = tmp_path / "company.yaml"
    path.write_text(MINIMAL + "faq:\n  values:\n    payday: 25日\n    expense_closing_day:\n", encoding="utf-8")

    assert main(["config", "check", str(path)]) == 0  # the bot still runs

    out = capsys.readouterr().out
    assert "OK" in out and "warning(s)" in out
    assert "faq.values.expense_closing_day: not filled in; used by fin-expense-deadline" in out
    assert "faq.values.it_helpdesk_extension: not filled in; used by it-password-reset" in out
    assert "faq.values.payday:" not in out


def test_unfilled_faq_values_in_json(tmp_path, capsys):
    path = tmp_path / "company.yaml"
    path.write_text(MINIMAL, encoding="utf-8")

    assert main(["config", "check", str(path), "--json"]) == 0

    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    warning = next(w for w in report["warnings"] if w["path"] == "faq.values.expense_closing_day")
    assert warning["entries"] == ["fin-expense-deadline"]
    assert warning["message"].startswith("not filled in")


def test_unfilled_faq_values_are_reported_with_the_problems_in_one_pass(tmp_path, capsys):
    path = tmp_path / "broken.yaml"
    path.write_text(MINIMAL.replace(", triage_channel: CGA", ""), encoding="utf-8")

    assert main(["config", "check", str(path)]) == 1

    err = capsys.readouterr().err
    assert "departments[1].triage_channel: required" in err
    assert "faq.values.expense_closing_day: not filled in" in err


def test_a_kb_file_of_its_own_is_checked_with_kb(tmp_path, capsys):
    config = tmp_path / "company.yaml"
    config.write_text(MINIMAL + "faq:\n  seed_default_kb: false\n  values: {payday: 25日}\n", encoding="utf-8")
    kb = tmp_path / "kb.yaml"
    kb.write_text("entries:\n  - {id: own-1, question: 給料日は？, answer: '{{payday}}と{{bonus_day}}'}\n",
                  encoding="utf-8")

    assert main(["config", "check", str(config)]) == 0
    assert "warning" not in capsys.readouterr().out  # no default KB, nothing unfilled
    assert main(["config", "check", str(config), "--kb", str(kb)]) == 0
    out = capsys.readouterr().out
    assert "faq.values.bonus_day: not filled in; used by own-1" in out and "payday" not in out


def test_the_example_config_fills_every_faq_value(capsys):
    assert main(["config", "check", str(BUNDLED_CONFIG)]) == 0
    assert "warning" not in capsys.readouterr().out


@pytest.mark.parametrize("key", ["Closing", "closing-day", "1st"])
def test_a_faq_value_key_is_a_lowercase_name(key):
    found = problems(MINIMAL + f"faq:\n  values:\n    {key}: x\n")
    assert any(p.startswith("faq.values") for p in found), found


def test_config_check_warns_when_the_japanese_word_vectors_are_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MADOGUCHI_CHIVE_DIR", str(tmp_path / "no-vectors-here"))

    assert main(["config", "check", str(BUNDLED_CONFIG)]) == 0  # a warning: Japanese still ranks by words
    out = capsys.readouterr().out
    assert "faq.encoders.ja: FAQ Japanese word vectors (chiVe) missing" in out
    assert "make install" in out
