"""The custom step as the app manifest declares it: its callback id, inputs and outputs (Slack's manifest
`functions` schema: each parameter has a type, title, description, is_required, name; types such as string,
number, slack#/types/user_id)."""

from __future__ import annotations

from typing import Any

CALLBACK_ID = "madoguchi_approval"
TITLE = "madoguchi で承認"
DESCRIPTION = "申請を madoguchi の承認ルート（職務権限）に回し、結果を次のステップに渡します / sends an item " \
              "through madoguchi's approval chain and passes on its outcome"

# name → (type, title, description, required)
INPUTS: dict[str, tuple[str, str, str, bool]] = {
    "request_type": ("string", "申請の種類 / Request type",
                     "madoguchi の申請の種類のキー（例: expense, payment, leave）/ the request type's key", True),
    # user_context, not user_id: Slack fills it from who ran the workflow (its trigger or a form step), and a
    # builder cannot type someone else in; a free user_id would let anyone file a request in another's name.
    "requester": ("slack#/types/user_context", "申請者 / Requester",
                  "ワークフローを実行した人 / the person who ran the workflow", True),
    "amount": ("number", "金額 / Amount", "金額のある申請の金額（円）/ the amount, for types that have one", False),
    "fields": ("string", "項目 / Fields",
               "その他の項目を 1 行に 1 つ「キー: 値」で / the other fields, one 'key: value' per line", False),
}
OUTPUTS: dict[str, tuple[str, str, str, bool]] = {
    "outcome": ("string", "結果 / Outcome",
                "approved | rejected | not_required (no rule applies) | no_approver (every approver was passed over)",
                True),
    "ticket_number": ("string", "申請番号 / Request number", "madoguchi の申請番号（例: FIN-0042）", True),
    "approver": ("slack#/types/user_id", "決裁者 / Decided by", "最後に承認または却下した人 / who decided last",
                 False),
    "comment": ("string", "コメント / Comment", "却下の理由など / the reason given, if any", False),
}


def _parameters(spec: dict[str, tuple[str, str, str, bool]]) -> dict[str, Any]:
    return {name: {"type": kind, "title": title, "description": description, "is_required": required, "name": name}
            for name, (kind, title, description, required) in spec.items()}


def manifest_function() -> dict[str, Any]:
    return {CALLBACK_ID: {"title": TITLE, "description": DESCRIPTION, "input_parameters": _parameters(INPUTS),
                          "output_parameters": _parameters(OUTPUTS)}}
