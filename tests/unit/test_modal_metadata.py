"""Every modal's `private_metadata` is a pydantic model: what a view writes, its listener reads back, and
anything else (not JSON, a missing key, an id no integer column holds, an unknown outcome) is refused with
the error the modal has always answered with."""

from __future__ import annotations

import json
import typing

import pytest

from bot.approvals.decide import OUTCOMES
from bot.errors import BadValue, NotFound
from bot.views.metadata import (
    ApprovalReasonContext,
    ApprovalReassignContext,
    FaqCaptureContext,
    FormContext,
    TicketContext,
    read,
)

WRITTEN = [
    ApprovalReasonContext(step=7, version=2, outcome="sent_back"),
    ApprovalReassignContext(step=7, version=3),
    FaqCaptureContext(ticket_id=12),
    FormContext(type="expense", channel="C1", ts="1.2", ticket=5, faq_query=9),
    TicketContext(ticket=5),
]


@pytest.mark.parametrize("context", WRITTEN, ids=lambda c: type(c).__name__)
def test_what_a_view_writes_its_listener_reads_back(context):
    assert read(type(context), {"private_metadata": context.dump()}) == context


FORGED = ["", "not json", "[1, 2]", json.dumps({"step": "abc", "version": 1, "outcome": "approved"}),
          json.dumps({"step": 1, "outcome": "approved"}),
          json.dumps({"step": 10**30, "version": 1, "outcome": "approved"}),
          json.dumps({"step": "１", "version": 1, "outcome": "approved"}), json.dumps({"step": -1, "version": 1}),
          json.dumps({"step": True, "version": 1, "outcome": "approved"}),
          json.dumps({"step": 1, "version": 1, "outcome": "pending"})]


@pytest.mark.parametrize("raw", FORGED)
def test_approval_metadata_not_ours_is_a_refused_click(raw):
    with pytest.raises(BadValue):
        read(ApprovalReasonContext, {"private_metadata": raw})


@pytest.mark.parametrize(("model", "raw", "refused"), [
    (FaqCaptureContext, json.dumps({"ticket_id": "12abc"}), BadValue),
    (ApprovalReassignContext, json.dumps({"step": 1}), BadValue),
    (TicketContext, json.dumps({"ticket": 2**31}), NotFound),
    (FormContext, json.dumps({"request_type": "expense"}), NotFound),
    (FormContext, json.dumps({"type": "expense", "ticket": "x"}), NotFound),
])
def test_each_modal_refuses_with_its_own_error(model, raw, refused):
    with pytest.raises(refused):
        read(model, {"private_metadata": raw})
    with pytest.raises(refused):
        read(model, {})


def test_the_reason_modal_knows_exactly_the_decisions_outcomes():
    outcome = ApprovalReasonContext.model_fields["outcome"].annotation
    assert set(typing.get_args(outcome)) == set(OUTCOMES)
