"""Kept receipts in Slack: 📎 on an approval request, a desk card or a search result sends the request's files
to the one who clicks (if they may see them); finance agents and auditors search from App Home."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.forms.state import field_value
from bot.receipts import sharing
from bot.receipts.views import results_modal, search_modal
from bot.services import Services
from bot.slack_ids import ReceiptAction, ReceiptBlock, ReceiptCallback
from handlers.values import clicked_id


def register(app: App, services: Services) -> None:
    @app.action(ReceiptAction.SEND_FILES)
    def send_files(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        sharing.send_files(context["db"], services, clicked_id(body), context.user_id)
        ack()

    @app.action(ReceiptAction.SEARCH)
    def open_search(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        sharing.require_search(services, context.user_id)
        client.views_open(trigger_id=body["trigger_id"], view=search_modal(context["locale"]))
        ack()

    @app.view(ReceiptCallback.SEARCH)
    def searched(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        locale = context["locale"]
        criteria = sharing.criteria_from({block: field_value(view, block) for block in ReceiptBlock}, locale)
        found = sharing.search_for(context["db"], services, context.user_id, criteria)
        ack(response_action="update", view=results_modal(locale, found, sharing.described(criteria, locale),
                                                          more=len(found) >= sharing.SEARCH_LIMIT))
