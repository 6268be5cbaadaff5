"""The month soak's company: a workspace config of N people, deterministic by seed.

Five departments (the bundled catalog's desks), a manager tree five levels deep (CFO → department heads →
section managers → team leaders → members), a finance lead and a CFO, two agents per desk besides its
head, a back-office admin, about one person in seven writing English, and a few people who leave
mid-month (their Slack account is deactivated by the driver). The catalog, calendar, digest and FAQ
sections are the bundled example's, so every approval rule the product ships with is exercised.

    python bench/month_company.py --people 1000 --seed 7 --out /tmp/company.yaml
    madoguchi config check /tmp/company.yaml
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.settings import BUNDLED_CONFIG

DEPARTMENTS = ("finance", "hr", "general_affairs", "legal", "it")
HEAD_ROLE = {"finance": "finance_lead", "hr": "hr_lead", "general_affairs": "ga_lead", "legal": "legal_lead",
             "it": "it_lead"}
FAMILY = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田", "佐々木",
          "山口", "松本", "井上", "木村", "林", "斎藤", "清水")
GIVEN = ("健", "花子", "一郎", "美咲", "陽子", "翔", "直樹", "大輔", "恵", "誠", "結衣", "蓮", "陽菜", "湊", "葵")
EN_FIRST = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Chris", "Jamie", "Robin", "Casey", "Drew")
EN_LAST = ("Smith", "Brown", "Wilson", "Taylor", "Clark", "Lewis", "Walker", "Hall", "Young", "King")


@dataclass
class Company:
    """The generated org plus what the driver needs to know about it (who plays which part)."""

    config: dict[str, Any]
    people: list[dict[str, Any]]
    cfo: str  # person keys
    heads: dict[str, str]  # department → its head (approver, lead, admin of the desk)
    agents: dict[str, list[str]]  # department → agents (head included)
    admin: str
    leavers: list[str] = field(default_factory=list)

    def person(self, key: str) -> dict[str, Any]:
        return self._by_key[key]

    def __post_init__(self) -> None:
        self._by_key = {p["key"]: p for p in self.people}

    def slack_id(self, key: str) -> str:
        return str(self._by_key[key]["slack_id"])

    def requesters(self) -> list[str]:
        """Everyone with a manager (the CFO has none, so the manager rule would have nobody to ask)."""
        return [p["key"] for p in self.people if p.get("manager")]

    def write(self, path: Path) -> Path:
        path.write_text(yaml.safe_dump(self.config, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path


def _slack_id(n: int) -> str:
    return f"U{n:08d}"


def generate(people: int = 1000, *, seed: int = 7, leavers: int | None = None) -> Company:
    """`people` ≥ 40. The tree: CFO, 5 heads, ~1 section per 50 people, ~1 team per 12, the rest members."""
    if people < 40:
        raise ValueError("the company needs at least 40 people (5 departments, 5 levels)")
    rng = random.Random(seed)
    base = yaml.safe_load(BUNDLED_CONFIG.read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = []

    def add(key: str, dept: str, manager: str | None, roles: list[str]) -> dict[str, Any]:
        n = len(rows) + 1
        english = rng.random() < 0.15
        name = (f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}" if english
                else f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}")
        row: dict[str, Any] = {"key": key, "name": name, "slack_id": _slack_id(n),
                               "email": f"p{n:05d}@example.co.jp", "department": dept}
        if manager:
            row["manager"] = manager
        if roles:
            row["roles"] = roles
        if english:
            row["locale"] = "en"
        rows.append(row)
        return row

    add("cfo", "finance", None, ["cfo"])
    heads = {d: add(f"head_{d}", d, "cfo", ["manager", HEAD_ROLE[d]])["key"] for d in DEPARTMENTS}
    n_sections = max(len(DEPARTMENTS), people // 50)
    sections = [add(f"sec_{i:03d}", DEPARTMENTS[i % 5], heads[DEPARTMENTS[i % 5]], ["manager"])["key"]
                for i in range(n_sections)]
    n_teams = max(n_sections, people // 12)
    teams = []
    for i in range(n_teams):
        section = sections[i % n_sections]
        teams.append(add(f"team_{i:04d}", _dept_of(rows, section), section, ["manager"])["key"])
    admin = add("admin", "general_affairs", heads["general_affairs"], ["backoffice_admin"])["key"]
    agents: dict[str, list[str]] = {d: [heads[d]] for d in DEPARTMENTS}
    for d in DEPARTMENTS:
        for j in range(2):
            agents[d].append(add(f"agent_{d}_{j}", d, heads[d], [])["key"])
    i = 0
    while len(rows) < people:
        team = teams[i % n_teams]
        add(f"m_{i:05d}", _dept_of(rows, team), team, [])
        i += 1
    members = [r["key"] for r in rows if r["key"].startswith("m_")]
    n_leavers = leavers if leavers is not None else max(2, people // 200)
    leaving = sorted(rng.sample(members, min(n_leavers, len(members))))

    config = dict(base)
    config["admins"] = [admin]
    departments = []
    for dept in base["departments"]:
        key = dept["key"]
        departments.append({**dept, "agents": agents[key], "admins": [heads[key]], "approvers": [heads[key]]})
    config["departments"] = departments
    config["org"] = {"people": rows}
    return Company(config=config, people=rows, cfo="cfo", heads=heads, agents=agents, admin=admin,
                   leavers=leaving)


def _dept_of(rows: list[dict[str, Any]], key: str) -> str:
    return next(str(r["department"]) for r in rows if r["key"] == key)


def depth(company: Company) -> int:
    """The manager tree's depth (the CFO alone is 1)."""
    managers = {p["key"]: p.get("manager") for p in company.people}
    deepest = 0
    for key in managers:
        n, at = 1, managers[key]
        while at:
            n, at = n + 1, managers[at]
        deepest = max(deepest, n)
    return deepest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    company = generate(args.people, seed=args.seed)
    company.write(args.out)
    print(f"{args.out}: {len(company.people)} people, depth {depth(company)}, leavers {len(company.leavers)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
