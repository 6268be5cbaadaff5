"""The workflow step's `fields` input, as a builder writes it in Workflow Builder."""

from __future__ import annotations

import pytest

from bot.workflow_steps.start import fields_of


@pytest.mark.parametrize("written, read", [
    ("kind: paid_leave\nstart_on: 2026-12-11", {"kind": "paid_leave", "start_on": "2026-12-11"}),
    ("times: 09:00-18:00", {"times": "09:00-18:00"}),  # split at the first colon only
    ("url=https://example.co.jp/a:b", {"url": "https://example.co.jp/a:b"}),
    ("  purpose :  大阪出張  ", {"purpose": "大阪出張"}),
    ("no separator\n: no key\n", {}),
    ('{"kind": "half_am", "systems": ["slack"]}', {"kind": "half_am", "systems": ["slack"]}),
    ("", {}),
])
def test_fields_are_read_one_per_line_or_as_json(written, read):
    assert fields_of(written) == read
