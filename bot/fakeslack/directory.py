"""People and channels of the fake workspace, rendered in the shapes users.info / conversations.info use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.fakeslack.ids import BOT_USER_ID, TEAM_ID


@dataclass
class FakeUser:
    id: str
    name: str
    real_name: str = ""
    email: str | None = None
    tz: str = "Asia/Tokyo"
    locale: str = "ja-JP"
    is_bot: bool = False
    is_admin: bool = False
    deleted: bool = False
    display_name: str = ""

    def to_slack(self, *, include_locale: bool, team_id: str = TEAM_ID) -> dict[str, Any]:
        """The `user` object of users.info; `locale` only when asked for, as Slack does."""
        now = dt.datetime.now(ZoneInfo(self.tz))
        offset = now.utcoffset() or dt.timedelta(0)
        real_name = self.real_name or self.name
        profile: dict[str, Any] = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": self.display_name,
            "display_name_normalized": self.display_name,
            "team": team_id,
            "image_48": f"https://avatars.example.invalid/{self.id}_48.png",
        }
        if self.email:
            profile["email"] = self.email
        user: dict[str, Any] = {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": real_name,
            "tz": self.tz,
            "tz_label": now.tzname() or self.tz,
            "tz_offset": int(offset.total_seconds()),
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1700000000,
        }
        if include_locale:
            user["locale"] = self.locale
        return user


def bot_user() -> FakeUser:
    return FakeUser(id=BOT_USER_ID, name="madoguchi", real_name="窓口", is_bot=True, locale="ja-JP")


@dataclass
class FakeChannel:
    id: str
    name: str = ""
    is_private: bool = False
    is_member: bool = True
    members: list[str] = field(default_factory=list)
    im_user: str | None = None  # set for D… channels: whose DM with the bot this is

    def to_slack(self) -> dict[str, Any]:
        if self.im_user is not None:
            return {
                "id": self.id,
                "created": 1700000000,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": False,
            "is_general": False,
            "is_member": self.is_member,
            "created": 1700000000,
            "creator": BOT_USER_ID,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "num_members": len(self.members),
        }
