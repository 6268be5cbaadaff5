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
