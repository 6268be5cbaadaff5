"""Who approves what (職務権限): chains resolved from the rules and the example org directory."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.approvals.chain import SKIP_ALREADY, SKIP_NO_MANAGER, SKIP_REQUESTER, ApprovalConfigError, build_chain
from bot.config import load_workspace
from bot.config.approval_rules import Condition, parse_rules
from bot.settings import BUNDLED_CONFIG

EMPLOYEE, MANAGER, FIN_LEAD, CFO, FIN_AGENT = "UEMPLOYEE1", "UMANAGER1", "UFINLEAD1", "UCFO00001", "UFINAGENT"

EXPENSE_RULES = parse_rules([
    {"label": "上長", "manager": True},
    {"label": "経理責任者", "role": "finance_lead", "when": "amount >= 100000"},
    {"label": "CFO", "role": "cfo", "when": ["amount ≥ 1000000"]},
])


@pytest.fixture(scope="module")
def config():
    return load_workspace(BUNDLED_CONFIG)


def approvers(chain):
    return [(s.rule_label.split(" when ")[0], s.approvers, s.skip_code) for s in chain]


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (30_000, [("上長", [MANAGER], None)]),
        (99_999, [("上長", [MANAGER], None)]),
        (100_000, [("上長", [MANAGER], None), ("経理責任者", [FIN_LEAD], None)]),
        (300_000, [("上長", [MANAGER], None), ("経理責任者", [FIN_LEAD], None)]),
        ("¥300,000", [("上長", [MANAGER], None), ("経理責任者", [FIN_LEAD], None)]),
        (1_500_000, [("上長", [MANAGER], None), ("経理責任者", [FIN_LEAD], None), ("CFO", [CFO], None)]),
    ],
)
def test_the_amount_decides_how_far_up_an_expense_goes(config, amount, expected):
    chain = build_chain(EXPENSE_RULES, config, EMPLOYEE, {"amount": amount})

    assert approvers(chain) == expected
    assert [s.position for s in chain] == list(range(1, len(expected) + 1))


def test_each_step_names_the_rule_that_produced_it(config):
    chain = build_chain(EXPENSE_RULES, config, EMPLOYEE, {"amount": 300_000})

    assert [s.rule_label for s in chain] == ["上長", "経理責任者 when amount >= 100000"]


def test_a_step_whose_approver_is_the_requester_goes_to_the_requesters_manager(config):
    rules = parse_rules([{"person": "manager"}, {"role": "cfo"}])

    chain = build_chain(rules, config, MANAGER, {})

    assert (chain[0].approvers, chain[0].routed_via, chain[0].skipped) == ([CFO], "manager", False)
    assert chain[1].skipped and chain[1].skip_code == SKIP_ALREADY  # the CFO already decides at step 1


def test_with_nobody_above_the_requester_the_departments_approver_decides(config):
    chain = build_chain(parse_rules([{"role": "cfo"}]), config, CFO, {}, department="finance")

    assert (chain[0].approvers, chain[0].routed_via) == ([FIN_LEAD], "department")


def test_with_nobody_above_and_no_department_the_step_is_skipped_with_the_reason(config):
    chain = build_chain(parse_rules([{"role": "cfo"}]), config, CFO, {})

    assert chain[0].skipped and chain[0].skip_code == SKIP_REQUESTER
    assert chain[0].skipped_reason == "the approver is the requester, and nobody is above them"


def test_a_rule_saying_skip_requester_false_still_never_makes_the_requester_an_approver(config):
    chain = build_chain(parse_rules([{"role": "cfo", "skip_requester": False}]), config, CFO, {}, department="finance")

    assert CFO not in chain[0].approvers


def test_the_finance_lead_asking_for_money_is_not_their_own_approver(config):
    # The 経理責任者 step would be theirs; their manager (the CFO) already approves at step 1.
    chain = build_chain(EXPENSE_RULES, config, FIN_LEAD, {"amount": 300_000})

    assert approvers(chain) == [("上長", [CFO], None), ("経理責任者", [CFO], SKIP_REQUESTER)]
    assert chain[1].skipped_reason == "the approver is the requester; the next approver up already approves at step 1"


def test_someone_who_already_approves_earlier_is_not_asked_twice(config):
    # 田中's manager is the finance lead, who would also be asked from ¥100,000.
    chain = build_chain(EXPENSE_RULES, config, FIN_AGENT, {"amount": 300_000})

    assert approvers(chain) == [("上長", [FIN_LEAD], None), ("経理責任者", [FIN_LEAD], SKIP_ALREADY)]
    assert "step 1" in chain[1].skipped_reason


def test_someone_without_a_manager_skips_the_manager_step(config):
    chain = build_chain(EXPENSE_RULES, config, CFO, {"amount": 30_000})

    assert approvers(chain) == [("上長", [], SKIP_NO_MANAGER)]


def test_a_manager_without_slack_is_passed_over_for_their_manager(config):
    data = config.model_dump()
    for person in data["org"]["people"]:
        if person["key"] == "manager":
            person["slack_id"] = None  # reachable by email only
    edited = type(config).model_validate(data)

    chain = build_chain(EXPENSE_RULES, edited, EMPLOYEE, {"amount": 30_000})

    assert chain[0].approvers == [CFO]
    assert "manager has no Slack account" in chain[0].notes[0]


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"role": "chief_wizard"}, "nobody holds role 'chief_wizard'"),
        ({"person": "nobody"}, "unknown person 'nobody'"),
        ({"department": "marketing"}, "unknown department 'marketing'"),
        ({"any_of": ["fin_lead", "ghost"]}, "unknown people ['ghost']"),
    ],
)
def test_rules_naming_what_the_config_lacks_are_config_errors(config, rule, problem):
    with pytest.raises(ApprovalConfigError) as error:
        build_chain(parse_rules([rule]), config, EMPLOYEE, {})

    assert problem in error.value.problem


def test_department_and_group_steps_let_any_one_of_them_decide(config):
    rules = parse_rules([{"department": "finance"}, {"any_of": ["hr_agent", "legal_agent", "employee"]}])

    chain = build_chain(rules, config, EMPLOYEE, {})

    assert chain[0].approvers == [FIN_LEAD]
    assert chain[1].approvers == ["UHRAGENT1", "ULEGAL001"]  # the requester is taken out of the group


@pytest.mark.parametrize(
    ("text", "fields", "holds"),
    [
        ("amount >= 100000", {"amount": 100000}, True),
        ("amount > 100000", {"amount": 100000}, False),
        ("amount ≤ 5", {"amount": "5"}, True),
        ("amount < 5", {"amount": None}, False),
        ("amount < 5", {}, False),
        ("category == pc", {"category": "pc"}, True),
        ("category != pc", {"category": "phone"}, True),
        ("category in [pc, phone]", {"category": "phone"}, True),
        ("category in [pc, phone]", {"category": ["desk", "pc"]}, True),
        ("category in [pc, phone]", {"category": "desk"}, False),
        ("amount >= 100000", {"amount": "a lot"}, False),
    ],
)
def test_conditions_on_form_fields(text, fields, holds):
    assert Condition.model_validate(text).holds(fields) is holds


@pytest.mark.parametrize(
    "bad",
    [
        [{"manager": True, "role": "cfo"}],
        [{}],
        [{"role": "cfo", "when": "amount about 5"}],
        [{"role": "cfo", "when": "category in pc"}],
        [{"role": "cfo", "approver": "x"}],
    ],
)
def test_malformed_rules_are_rejected_when_the_config_loads(bad):
    with pytest.raises(ValidationError):
        parse_rules(bad)


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"role": "chief_wizard"}, "request_types[0].approval[3].role: nobody holds role 'chief_wizard'"),
        ({"person": "ghost"}, "request_types[0].approval[3].person: unknown person 'ghost'"),
        ({"department": "sales"}, "request_types[0].approval[3].department: unknown department 'sales'"),
        ({"any_of": ["cfo", "ghost"]}, "request_types[0].approval[3].any_of[1]: unknown person 'ghost'"),
    ],
)
def test_the_config_check_names_rules_pointing_nowhere(config, rule, problem):
    data = config.model_dump(by_alias=True)
    data["request_types"][0]["approval"].append(rule)  # the expense type, after its three default rules

    with pytest.raises(ValidationError) as error:
        type(config).model_validate(data)

    assert problem in str(error.value)


# -- 合議 (all_of) and 回付 (fyi) ------------------------------------------------------------------------
JOINT = parse_rules([
    {"label": "上長", "manager": True},
    {"label": "法務・経理", "all_of": ["department:legal", "role:finance_lead"]},
    {"label": "総務", "department": "general_affairs", "fyi": True},
])
LEGAL, GA_AGENT = "ULEGAL001", "UGAAGENT1"


def parts(chain):
    return [(s.position, s.part, s.mode, s.approvers, s.skip_code) for s in chain]


def test_a_joint_step_is_one_part_per_member_and_a_circulation_one_per_person(config):
    chain = build_chain(JOINT, config, EMPLOYEE, {})

    assert parts(chain) == [(1, 1, "any", [MANAGER], None), (2, 1, "all", [LEGAL], None),
                            (2, 2, "all", [FIN_LEAD], None), (3, 1, "fyi", [GA_AGENT], None)]


def test_a_joint_member_who_already_approves_earlier_is_skipped_and_the_requester_never_approves(config):
    rules = parse_rules([{"role": "finance_lead"}, {"all_of": ["fin_lead", "legal_agent"]}])

    assert parts(build_chain(rules, config, EMPLOYEE, {})) == [
        (1, 1, "any", [FIN_LEAD], None), (2, 1, "all", [FIN_LEAD], SKIP_ALREADY), (2, 2, "all", [LEGAL], None)]
    # The requester as a member: their part goes up to their manager (職務分掌), the other member still decides.
    rules = parse_rules([{"all_of": ["fin_lead", "legal_agent"]}])
    assert parts(build_chain(rules, config, FIN_LEAD, {})) == [(1, 1, "all", [CFO], None),
                                                              (1, 2, "all", [LEGAL], None)]


def test_a_circulation_never_tells_the_requester(config):
    rules = parse_rules([{"any_of": ["ga_agent", "manager"], "fyi": True}, {"person": "manager", "fyi": True}])

    assert parts(build_chain(rules, config, MANAGER, {})) == [(1, 1, "fyi", [GA_AGENT], None),
                                                              (2, 1, "fyi", [MANAGER], "nobody_to_inform")]


@pytest.mark.parametrize("rule", [
    {"all_of": ["fin_lead"]},  # one member is not a 合議
    {"all_of": ["fin_lead", "fin_lead"]},
    {"all_of": ["fin_lead", "cfo"], "role": "cfo"},
])
def test_a_joint_rule_that_cannot_be_meant_is_refused(rule):
    with pytest.raises(ValidationError):
        parse_rules([rule])


def test_config_check_names_a_joint_member_the_config_lacks(config):
    from bot.config.approval_rules import approver_problems

    rules = parse_rules([{"all_of": ["nobody", "department:nowhere", "role:astronaut", "fin_lead"]}])

    assert [p for _, p in approver_problems(rules, "rt.approval", config.org, config.departments)] == [
        "unknown person 'nobody'", "unknown department 'nowhere'", "nobody holds role 'astronaut'"]
