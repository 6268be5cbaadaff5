"""The one reader of `view.state.values`: each element kind's value, read from the shape Slack sends
(built here by the fake's own writer), and an input left empty or missing reads as nothing."""

from __future__ import annotations

import pytest

from bot.fakeslack.state_values import state_value
from bot.forms.state import (
    channel_of,
    conversation_of,
    date_of,
    element,
    element_value,
    field_value,
    option_of,
    options_of,
    text_of,
    user_of,
    view_values,
)
from bot.slack_ids import IntakeAction


@pytest.mark.parametrize(("kind", "given", "read", "expected"), [
    ("plain_text_input", "やあ", text_of, "やあ"),
    ("number_input", "12", text_of, "12"),
    ("static_select", "high", option_of, "high"),
    ("radio_buttons", "b", option_of, "b"),
    ("checkboxes", ["a", "c"], options_of, ["a", "c"]),
    ("multi_static_select", ["x"], options_of, ["x"]),
    ("users_select", "U123", user_of, "U123"),
    ("datepicker", "2026-11-24", date_of, "2026-11-24"),
    ("conversations_select", "C1", conversation_of, "C1"),
    ("channels_select", "C2", channel_of, "C2"),
])
def test_each_kind_reads_its_own_key_and_the_generic_reader_agrees(kind, given, read, expected):
    state = state_value(kind, given)

    assert read(state) == expected
    assert element_value(state) == expected


@pytest.mark.parametrize(("kind", "read", "empty"), [
    ("plain_text_input", text_of, None), ("static_select", option_of, None), ("checkboxes", options_of, []),
    ("users_select", user_of, None), ("datepicker", date_of, None),
])
def test_an_input_left_empty_or_absent_reads_as_nothing(kind, read, empty):
    assert read(state_value(kind, None)) == empty
    assert read(None) == empty


def test_a_view_is_read_by_block_and_action():
    view = {"state": {"values": {"b_note": {IntakeAction.FIELD: state_value("plain_text_input", "memo")},
                                 "b_who": {"pick": state_value("users_select", "U9")}}}}
    values = view_values(view)

    assert user_of(element(values, "b_who", "pick")) == "U9"
    assert element(values, "b_who", "other") is None
    assert element(values, "missing", "pick") is None
    assert field_value(view, "b_note") == "memo"
    assert field_value(view, "missing") is None
    assert view_values({}) == {} and view_values({"state": None}) == {}
