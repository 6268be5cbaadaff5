"""The request catalog is data: a new request type needs no Python, and `madoguchi config check`
names every mistake in it with its key path."""

from __future__ import annotations

import json
import textwrap

import pytest

from bot.cli import main
from bot.config import ConfigError, load_workspace, parse_workspace
from bot.settings import BUNDLED_CONFIG

BASE = """
departments:
  - {key: finance, name: 経理, ticket_prefix: FIN, triage_channel: CFIN}
  - {key: it, name: IT, ticket_prefix: IT, triage_channel: CIT}
  - {key: general_affairs, name: 総務, ticket_prefix: GA, triage_channel: CGA}
request_types:
  - key: taxi
    name: {ja: タクシー代, en: Taxi}
    department: finance
    fields:
      - {key: amount, type: amount, label: 金額, required: true, min: 1}
      - {key: kind, type: select, label: 区分, options: [{value: day, label: 日中}, {value: night, label: 深夜}]}
      - {key: receipt, type: url, label: 領収書}
    title_fields: [kind, amount]
    evidence:
      - {field: receipt, when: ["amount >= 5000"], message: 5千円以上は領収書が必要です}
    sla: {first_response_hours: 4, resolution_hours: 16}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as failure:
        parse_workspace(textwrap.dedent(text))
    return [str(p) for p in failure.value.problems]


def test_a_new_request_type_is_just_yaml():
    config = parse_workspace(BASE)
    taxi = config.request_type("taxi")

    assert taxi.name.get("en") == "Taxi" and taxi.department == "finance"
    assert [f.type for f in taxi.fields] == ["amount", "select", "url"]
    assert taxi.evidence[0].applies({"amount": 6000}) and not taxi.evidence[0].applies({"amount": 4999})
    assert (taxi.sla.first_response_hours, taxi.sla.resolution_hours) == (4, 16)
    assert taxi.approval == [] and not taxi.confidential


def test_the_default_catalog_covers_the_japanese_back_office():
    config = load_workspace(BUNDLED_CONFIG)

    assert {rt.key: rt.name.ja for rt in config.request_types} == {
        "expense": "経費精算", "payment": "支払依頼", "leave": "休暇・勤怠修正", "onboarding": "入社・退社手続き",
        "account": "アカウント・権限申請", "equipment": "備品・PC申請", "contract_review": "契約書レビュー依頼",
        "compliance": "ハラスメント・コンプライアンス相談", "inquiry": "問い合わせ",
    }
    assert config.request_type("compliance").confidential
    assert config.request_type("inquiry").routed and config.request_type("inquiry").free_text is not None
    assert [f.request_type for f in config.request_type("onboarding").follow_ups] == ["account"]
    contract = {f.key: f for f in config.request_type("contract_review").fields}
    assert contract["due_on"].required and contract["counterparty"].required
    for rt in config.request_types:  # every label speaks both languages
        assert rt.name.en and all(f.label.en for f in rt.fields), rt.key


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("department: finance", "department: accounting"),
         "request_types[0].department: unknown department 'accounting' (or write 'auto' to route by text)"),
        (("title_fields: [kind, amount]", "title_fields: [kind, price]"),
         "request_types[0].title_fields[1]: unknown field 'price'"),
        (("{field: receipt,", "{field: receipts,"), "request_types[0].evidence[0].field: unknown field 'receipts'"),
        (('when: ["amount >= 5000"]', 'when: ["price >= 5000"]'),
         "request_types[0].evidence[0].when[0]: unknown field 'price'"),
        (("type: select, label: 区分, options: [{value: day, label: 日中}, {value: night, label: 深夜}]",
          "type: select, label: 区分"), "request_types[0].fields[1]: a select field needs options"),
        (("type: url, label: 領収書}", "type: photo, label: 領収書}"), "request_types[0].fields[2].type:"),
        (("{key: receipt,", "{key: amount,"), "request_types[0].fields[2].key: duplicate field 'amount'"),
        (("required: true, min: 1}", "required: true, min: 10, max: 1}"), "min is greater than max"),
        (("    sla: {first_response_hours: 4", "    sla: {first_response_hours: -4"),
         "request_types[0].sla.first_response_hours:"),
        (("    department: finance\n", "    department: finance\n    colour: red\n"),
         "request_types[0].colour: unknown key (typo?)"),
    ],
)
def test_config_check_names_each_catalog_mistake_with_its_key_path(change, expected):
    old, new = change
    assert old in BASE
    found = problems(BASE.replace(old, new))
    assert any(expected in p for p in found), found


def test_cross_type_references_are_checked():
    text = BASE + """
  - key: taxi
    name: 重複
    department: auto
    free_text: {body: note}
    fields: [{key: note, type: textarea, label: 内容}]
    follow_ups: [{request_type: nowhere}]
    department_by: {field: note, values: {x: legal}}
"""
    found = problems(text)
    assert "request_types[1].key: duplicate request type 'taxi'" in found
    assert "request_types[1].follow_ups[0].request_type: unknown request type 'nowhere'" in found
    assert "request_types[1].department_by.field: 'note' is not a select field of this form" in found
    assert "request_types[1].department_by.values.x: unknown department 'legal'" in found


def test_madoguchi_config_check_reports_catalog_problems_and_exits_non_zero(tmp_path, capsys):
    path = tmp_path / "workspace.yaml"
    path.write_text(textwrap.dedent(BASE.replace("department: finance", "department: accounting")), encoding="utf-8")

    code = main(["config", "check", str(path), "--json"])

    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["ok"] is False
    assert out["problems"][0]["path"] == "request_types[0].department"


def test_madoguchi_config_check_counts_the_request_types(capsys):
    assert main(["config", "check", str(BUNDLED_CONFIG), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["request_types"] == 9


@pytest.mark.parametrize(
    ("journal", "expected"),
    [
        ("{date: day, account: 旅費交通費, tax: {freee: 課対仕入10%}}",
         "request_types[0].journal.date: unknown field 'day'"),
        ("{date: amount, account: 旅費交通費, tax: {freee: 課対仕入10%}}",
         "request_types[0].journal.date: 'amount' is a amount field; expected date"),
        ("{date: receipt, amount: kind, account: 旅費交通費, tax: {mf: 課税仕入 10%}}",
         "request_types[0].journal.amount: 'kind' is a select field; expected amount"),
        ("{date: receipt, account: {field: kind, default: 雑費, accounts: {dawn: 旅費交通費}}, tax: {csv: 課税}}",
         "request_types[0].journal.account.accounts.dawn: 'dawn' is not an option of 'kind'"),
        ("{date: receipt, account: 旅費交通費, tax: {yayoi: 課税}}", "request_types[0].journal.tax.yayoi"),
    ],
)
def test_config_check_names_each_journal_mapping_mistake(journal, expected):
    sla = "    sla: {first_response_hours: 4"
    found = problems(BASE.replace(sla, f"    journal: {journal}\n{sla}"))
    assert any(expected in p for p in found), found
