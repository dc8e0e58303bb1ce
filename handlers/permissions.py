"""The permission matrix: every action × role × kind of chat, in one table."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.roles import Role


class Where(StrEnum):
    """Kinds of chat an update can come from."""

    private = "private"
    hq_group = "hq_group"
    other_group = "other_group"


EVERYONE = frozenset(Role)
LEADERS = frozenset({Role.admin, Role.hq_leader, Role.group_leader})
ADMINS = frozenset({Role.admin})
REPORTERS = frozenset({Role.responsible, Role.liaison})
PRIVATE = frozenset({Where.private})
GROUPS = frozenset({Where.hq_group, Where.other_group})
ANYWHERE = frozenset(Where)


@dataclass(frozen=True)
class Rule:
    """Who may run an action, and in which chats."""

    roles: frozenset[Role]
    where: frozenset[Where]
    summary: str


PERMISSIONS: dict[str, Rule] = {
    "start": Rule(EVERYONE, PRIVATE, "greeting; with an invitation code, binds the account"),
    "help": Rule(EVERYONE, ANYWHERE, "the commands"),
    "whoami": Rule(EVERYONE, PRIVATE, "my roles and tasks"),
    "tasks": Rule(LEADERS, PRIVATE | {Where.hq_group}, "the task list, paged"),
    "task": Rule(LEADERS, PRIVATE | {Where.hq_group}, "one task with its stages"),
    "upload": Rule(ADMINS, PRIVATE, "send a task-list file: preview, then confirm or cancel"),
    "invite": Rule(ADMINS, PRIVATE, "invitation links: /invite NAME[/UNIT], or /invite all"),
    "people": Rule(ADMINS, PRIVATE, "everyone with bound / invited / not invited / unreachable"),
    "grant": Rule(ADMINS, PRIVATE, "give a role: admin, hq_leader, group_leader"),
    "revoke": Rule(ADMINS, PRIVATE, "take a role back (also liaison)"),
    "delegate": Rule(ADMINS, PRIVATE, "let a liaison report for a responsible person"),
    "sethq": Rule(ADMINS, GROUPS, "make this group the HQ group"),
    "hqname": Rule(ADMINS, PRIVATE, "show or change the headquarters' name: /hqname NEW NAME"),
    "cycle": Rule(ADMINS, PRIVATE, "the month: /cycle open [YYYY-MM], /cycle close, /cycle"),
    "reopen": Rule(ADMINS, PRIVATE, "let one report of a closed month be revised once more"),
    "report": Rule(REPORTERS, PRIVATE, "report this month's tasks (resumes a draft)"),
    "cancel": Rule(EVERYONE, PRIVATE, "pause the report being typed (the draft is kept)"),
    "myreports": Rule(REPORTERS, PRIVATE, "this month's tasks and their state; revise; 填报表"),
}


def allowed(action: str, role: Role, where: Where) -> bool:
    """Whether `role` may run `action` in `where` (the documented answer)."""
    rule = PERMISSIONS[action]
    return role in rule.roles and where in rule.where


ROLE_ORDER = [
    Role.admin,
    Role.hq_leader,
    Role.group_leader,
    Role.responsible,
    Role.liaison,
    Role.stranger,
]


def matrix_markdown() -> str:
    """The matrix as the Markdown table in docs/permissions.md."""
    header = "| action | " + " | ".join(r.value for r in ROLE_ORDER) + " | chats | what |"
    lines = [header, "|" + "---|" * (len(ROLE_ORDER) + 3)]
    for action, rule in PERMISSIONS.items():
        marks = " | ".join("✔" if r in rule.roles else "—" for r in ROLE_ORDER)
        chats = ", ".join(w.value for w in Where if w in rule.where)
        lines.append(f"| `{action}` | {marks} | {chats} | {rule.summary} |")
    return "\n".join(lines)
