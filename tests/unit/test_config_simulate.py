"""`madoguchi config simulate`: an admin asks who would approve a request before anyone submits one."""

from __future__ import annotations

import json

import pytest

from bot.cli import main

RULES = """
- {label: 上長, manager: true}
- {label: 経理責任者, role: finance_lead, when: "amount >= 100000"}
- {label: CFO, role: cfo, when: "amount >= 1000000"}
"""


@pytest.fixture
def rules_file(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    return str(path)


def simulate(capsys, *args):
    code = main(["config", "simulate", "--type", "expense", *args])
    out = capsys.readouterr()
    return code, out


@pytest.mark.parametrize(
    ("requester", "amount", "expected"),
    [
        ("UEMPLOYEE1", 30000, [("上長", ["manager"])]),
        ("hanako.yamada@example.co.jp", 300000,
         [("上長", ["manager"]), ("経理責任者 when amount >= 100000", ["fin_lead"])]),
        ("employee", 1500000, [("上長", ["manager"]), ("経理責任者 when amount >= 100000", ["fin_lead"]),
                               ("CFO when amount >= 1000000", ["cfo"])]),
    ],
)
def test_simulate_prints_the_chain_and_the_rule_behind_each_step(capsys, rules_file, requester, amount, expected):
    code, out = simulate(capsys, "--requester", requester, "--field", f"amount={amount}", "--rules", rules_file,
                         "--json")

    assert code == 0
    result = json.loads(out.out)
    assert result["requester"]["slack_id"] == "UEMPLOYEE1"
    assert result["fields"] == {"amount": amount}
    assert [(s["rule"], [a["key"] for a in s["approvers"]]) for s in result["steps"]] == expected


def test_simulate_shows_skipped_steps_with_their_reason(capsys, rules_file):
    code, out = simulate(capsys, "--requester", "fin_lead", "--field", "amount=300000", "--rules", rules_file)

    assert code == 0
    assert "SKIPPED: the approver is the requester" in out.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--requester", "nobody@example.com"], "no person"),
        (["--requester", "employee", "--field", "amount"], "KEY=VALUE"),
    ],
)
def test_simulate_explains_bad_input(capsys, rules_file, args, message):
    code, out = simulate(capsys, *args, "--rules", rules_file)

    assert code == 1
    assert message in out.err


def test_simulate_names_a_rule_pointing_at_an_unknown_role(capsys, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("- {role: chief_wizard}\n", encoding="utf-8")

    code, out = simulate(capsys, "--requester", "employee", "--rules", str(path), "--json")

    assert code == 1
    assert "chief_wizard" in json.loads(out.out)["error"]


def modal_error(key: str, value: str) -> str:
    """What the request modal shows an English speaker under the field for this value."""
    from datetime import date

    from bot.config import load_workspace
    from bot.errors import ValidationFailed
    from bot.forms.state import block_id
    from bot.forms.validate import validate_form
    from bot.settings import BUNDLED_CONFIG

    cfg = load_workspace(BUNDLED_CONFIG)
    with pytest.raises(ValidationFailed) as refused:
        validate_form(cfg.request_type("expense"), {key: value}, locale="en", today=date(2026, 12, 3),
                      departments=tuple(d.key for d in cfg.departments))
    return refused.value.field_errors[block_id(key)]


@pytest.mark.parametrize(
    ("key", "value", "also"),
    [
        ("amount", "abc", ""),
        ("amount", "0", ""),
        ("amount", "3.5", ""),
        ("category", "pizza", " (one of: transport, travel, meeting, entertainment, supplies, books, other)"),
        ("spent_on", "2026-13-01", ""),
        ("receipt_url", "receipt.pdf", ""),
    ],
    ids=["letters", "below-min", "fraction", "no-such-option", "no-such-day", "not-a-url"],
)
def test_simulate_refuses_a_value_the_form_would_refuse_in_one_line(capsys, rules_file, key, value, also):
    code, out = simulate(capsys, "--requester", "employee", "--field", f"{key}={value}", "--rules", rules_file)

    assert code == 1
    assert out.out == ""
    assert out.err.splitlines() == [f"madoguchi: --field {key}={value!r}: {modal_error(key, value)}{also}"]


def test_simulate_refuses_a_field_the_form_does_not_have(capsys, rules_file):
    code, out = simulate(capsys, "--requester", "employee", "--field", "amuont=50000", "--rules", rules_file)

    assert code == 1
    assert out.err.splitlines() == ["madoguchi: --field amuont: expense has no such field; its fields are category, "
                                    "amount, spent_on, purpose, receipts, payee, receipt_url, invoice_number"]


@pytest.mark.parametrize(("typed", "amount"), [("300000", 300_000), ("¥300,000", 300_000), ("３０００００", 300_000)])
def test_simulate_reads_an_amount_as_the_form_does(capsys, rules_file, typed, amount):
    code, out = simulate(capsys, "--requester", "employee", "--field", f"amount={typed}",
                         "--field", "category=travel", "--rules", rules_file, "--json")

    assert code == 0, out.err
    result = json.loads(out.out)
    assert result["fields"] == {"amount": amount, "category": "travel"}
    assert [s["rule"] for s in result["steps"]] == ["上長", "経理責任者 when amount >= 100000"]


@pytest.mark.parametrize("typed", ["github,vpn", "[github, vpn]"])
def test_simulate_reads_a_multiselect_as_a_list(capsys, typed):
    code = main(["config", "simulate", "--type", "account", "--requester", "employee", "--field", "action=change",
                 "--field", f"systems={typed}", "--json"])
    out = capsys.readouterr()

    assert code == 0, out.err
    assert json.loads(out.out)["fields"] == {"action": "change", "systems": ["github", "vpn"]}


REVISED = """
- {label: 上長, manager: true}
- {label: 経理責任者, role: finance_lead, when: "amount >= 100000"}
- {label: CFO, role: cfo, when: "amount >= 1000000", effective_until: 2027-03-31}
- {label: CFO, role: cfo, when: "amount >= 500000", effective_from: 2027-04-01}
"""


@pytest.mark.parametrize(("at", "cfo"), [("2027-03-31", False), ("2027-04-01", True)])
def test_simulate_shows_the_chain_under_the_rules_of_the_day_asked(capsys, tmp_path, at, cfo):
    """職務権限規程の改定: from April the CFO approves from ¥500,000; a ¥600,000 request submitted the day before
    still stops at the finance lead."""
    path = tmp_path / "revised.yaml"
    path.write_text(REVISED, encoding="utf-8")

    code, out = simulate(capsys, "--requester", "UEMPLOYEE1", "--field", "amount=600000", "--rules", str(path),
                         "--at", at, "--json")

    assert code == 0
    result = json.loads(out.out)
    assert result["on"] == at
    assert ("CFO when amount >= 500000" in [s["rule"] for s in result["steps"]]) is cfo
    assert len(result["steps"]) == (3 if cfo else 2)


def test_the_rule_history_lists_every_version_with_its_period_for_auditors(capsys, tmp_path):
    import csv
    import io

    config = tmp_path / "workspace.yaml"
    bundled = (__import__("bot.settings", fromlist=["BUNDLED_CONFIG"]).BUNDLED_CONFIG).read_text(encoding="utf-8")
    config.write_text(bundled.replace(
        '      - {label: CFO, role: cfo, when: "amount >= 1000000"}\n',
        '      - {label: CFO, role: cfo, when: "amount >= 1000000", effective_until: 2027-03-31}\n'
        '      - {label: CFO, role: cfo, when: "amount >= 500000", effective_from: 2027-04-01}\n', 1), encoding="utf-8")

    assert main(["config", "rules", "--type", "expense", "--format", "csv", "--config", str(config)]) == 0

    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["step"], r["conditions"], r["effective_from"], r["effective_until"]) for r in rows] == [
        ("上長", "", "", ""), ("経理責任者", "amount >= 100000", "", ""),
        ("CFO", "amount >= 1000000", "", "2027-03-31"), ("CFO", "amount >= 500000", "2027-04-01", "")]
    assert [r["approver"] for r in rows] == ["manager", "role:finance_lead", "role:cfo", "role:cfo"]
