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
BOUND = frozenset(Role) - {Role.stranger}
LEADERS = frozenset({Role.admin, Role.hq_leader, Role.group_leader})
ADMINS = frozenset({Role.admin})
REPORTERS = frozenset({Role.responsible, Role.liaison})
PRIVATE = frozenset({Where.private})
GROUPS = frozenset({Where.hq_group, Where.other_group})
ANYWHERE = frozenset(Where)


@dataclass(frozen=True)
class Rule:
    """Who may run an action, and in which chats.

    `needs_hq`: the action works on one headquarters, so when the update's headquarters is
    ambiguous the guard asks to pick one with /hq instead of running it. `any_hq`: the roles
    count in any headquarters the account belongs to, not only the current one (for /hq itself,
    so nobody is stuck in a headquarters where they hold no role). `command`: the command that
    runs the action when it is not named like it — one command can be one action in private
    chats and another in groups (`/lang`: `lang` and `lang_group`), told apart by the chat.
    """

    roles: frozenset[Role]
    where: frozenset[Where]
    summary: str
    needs_hq: bool = False
    any_hq: bool = False
    command: str | None = None


PERMISSIONS: dict[str, Rule] = {
    "start": Rule(EVERYONE, PRIVATE, "greeting; with an invitation code, binds the account"),
    "help": Rule(EVERYONE, ANYWHERE, "the commands"),
    "whoami": Rule(EVERYONE, PRIVATE, "my roles and tasks", needs_hq=True),
    "hq": Rule(
        BOUND, PRIVATE, "the current headquarters; buttons to pick another one", any_hq=True
    ),
    "tasks": Rule(LEADERS, PRIVATE | {Where.hq_group}, "the task list, paged", needs_hq=True),
    "task": Rule(LEADERS, PRIVATE | {Where.hq_group}, "one task with its stages", needs_hq=True),
    "upload": Rule(ADMINS, PRIVATE, "send a task-list file: preview, then confirm or cancel"),
    "invite": Rule(
        ADMINS, PRIVATE, "invitation links: /invite NAME[/UNIT], or /invite all", needs_hq=True
    ),
    "people": Rule(
        ADMINS, PRIVATE, "everyone with bound / invited / not invited / unreachable", needs_hq=True
    ),
    "grant": Rule(ADMINS, PRIVATE, "give a role: admin, hq_leader, group_leader", needs_hq=True),
    "revoke": Rule(ADMINS, PRIVATE, "take a role back (also liaison)", needs_hq=True),
    "delegate": Rule(
        ADMINS, PRIVATE, "let a liaison report for a responsible person", needs_hq=True
    ),
    "sethq": Rule(ADMINS, GROUPS, "make this group the HQ group"),
    "hqname": Rule(
        ADMINS, PRIVATE, "show or change the headquarters' name: /hqname NEW NAME", needs_hq=True
    ),
    "cycle": Rule(
        ADMINS, PRIVATE, "the month: /cycle open [YYYY-MM], /cycle close, /cycle", needs_hq=True
    ),
    "reopen": Rule(
        ADMINS, PRIVATE, "let one report of a closed month be revised once more", needs_hq=True
    ),
    "schedule": Rule(
        ADMINS,
        PRIVATE,
        "the month's runs and settings: /schedule, /schedule set NAME VALUE, /schedule reset",
        needs_hq=True,
    ),
    "remind": Rule(
        ADMINS, PRIVATE, "a reminder round now to those still missing something", needs_hq=True
    ),
    "outbox": Rule(
        ADMINS, PRIVATE, "messages pending, sent and failed; /outbox retry", needs_hq=True
    ),
    "digest": Rule(
        LEADERS, PRIVATE, "the month's digest with its chart: /digest [YYYY-MM]", needs_hq=True
    ),
    "digest_preview": Rule(
        ADMINS,
        PRIVATE,
        "/digest preview [YYYY-MM]: the digest, chart and Excel, with 发布到指挥部群",
        needs_hq=True,
    ),
    "overdue": Rule(
        LEADERS, PRIVATE, "stages past their end month unfinished; stalled tasks", needs_hq=True
    ),
    "export": Rule(LEADERS, PRIVATE, "the month's Excel file: /export [YYYY-MM]", needs_hq=True),
    "alias": Rule(
        ADMINS,
        PRIVATE,
        "unit names in digests: /alias, /alias 别名 = 标准名, /alias remove 别名",
    ),
    "report": Rule(
        REPORTERS,
        PRIVATE,
        "report this month's tasks (resumes a draft); send a 填报表 back",
        needs_hq=True,
    ),
    "cancel": Rule(REPORTERS, PRIVATE, "pause the report being typed (the draft is kept)"),
    "myreports": Rule(
        REPORTERS, PRIVATE, "this month's tasks and their state; revise; 填报表", needs_hq=True
    ),
    "lang": Rule(
        EVERYONE, PRIVATE, "my language: /lang, /lang en, /lang zh (buttons 中文 / English)"
    ),
    "lang_group": Rule(
        ADMINS,
        GROUPS,
        "/lang in a group: the group's language, for everything said there",
        command="lang",
    ),
}


# Actions that are no command of their own: a file sent (upload), and /digest preview with its
# 发布到指挥部群 button (a variant of /digest checked inside the handler, for admins only).
NOT_COMMANDS = frozenset({"upload", "digest_preview"})


def allowed(action: str, role: Role, where: Where) -> bool:
    """Whether `role` may run `action` in `where` (the documented answer)."""
    rule = PERMISSIONS[action]
    return role in rule.roles and where in rule.where


def command_of(action: str) -> str:
    """The command that runs `action` (its own name unless the rule says another)."""
    return PERMISSIONS[action].command or action


def action_in(action: str, where: Where) -> str:
    """The action `action`'s command is in this kind of chat: the first rule of that command
    whose chats include `where`; `action` itself when none does (then it is refused there)."""
    command = command_of(action)
    for name, rule in PERMISSIONS.items():
        if command_of(name) == command and where in rule.where:
            return name
    return action


def usable_commands(roles: set[Role] | frozenset[Role], where: Where) -> set[str]:
    """The commands these roles may use in this kind of chat (for the menu and /help)."""
    return {
        command_of(action)
        for action, rule in PERMISSIONS.items()
        if where in rule.where and roles & rule.roles
    }


def command_allowed(command: str, role: Role, where: Where) -> bool:
    """Whether `role` may run `command` in `where` (whichever of its actions applies there)."""
    return allowed(action_in(command, where), role, where)


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
