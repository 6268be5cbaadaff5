"""A local Slack: the fake Web API server and a client that signs requests as Slack does.

Used by the wiring tests, the benchmarks and `madoguchi playground`; no Slack workspace needed.
"""

from bot.fakeslack import events, payloads
from bot.fakeslack.calls import Call, CallNotSeen
from bot.fakeslack.directory import FakeChannel, FakeUser
from bot.fakeslack.faults import Fault, FaultKind
from bot.fakeslack.ids import API_APP_ID, BOT_ID, BOT_TOKEN, BOT_USER_ID, TEAM_ID
from bot.fakeslack.payloads import SlackRequest
from bot.fakeslack.requests import PreparedRequest, Reply, SlackRequester
from bot.fakeslack.server import FakeSlackServer
from bot.fakeslack.signing import sign, signature
from bot.fakeslack.state_values import option, state_value

__all__ = [
    "API_APP_ID",
    "BOT_ID",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "TEAM_ID",
    "Call",
    "CallNotSeen",
    "FakeChannel",
    "FakeSlackServer",
    "FakeUser",
    "Fault",
    "FaultKind",
    "PreparedRequest",
    "Reply",
    "SlackRequest",
    "SlackRequester",
    "events",
    "option",
    "payloads",
    "sign",
    "signature",
    "state_value",
]
