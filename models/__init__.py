"""SQLModel tables and the queries over them (no Telegram imports)."""

from models.access import CodeAttempt, GrantedRole, Invitation, RoleGrant
from models.book import PendingBook
from models.digest import ChatLanguage, UnitAlias
from models.outbox import OutboxKind, OutboxMedia, OutboxMessage, OutboxStatus, SenderLease
from models.people import Person, Unit
from models.reporting import (
    Ask,
    ChatHQ,
    Cycle,
    CycleStatus,
    Evidence,
    Reopen,
    Report,
    ReportDraft,
    ReportStatus,
)
from models.schedule import CycleRun, ScheduleSetting
from models.tables import Chat, Headquarters
from models.tasks import (
    Assignment,
    GroupLeader,
    HQLeader,
    PendingImport,
    PendingStatus,
    Stage,
    Task,
    TaskStatus,
    WorkingGroup,
)

__all__ = [
    "ChatLanguage",
    "UnitAlias",
    "OutboxMedia",
    "CycleRun",
    "OutboxKind",
    "OutboxMessage",
    "OutboxStatus",
    "ScheduleSetting",
    "SenderLease",
    "Ask",
    "PendingBook",
    "ChatHQ",
    "Cycle",
    "CycleStatus",
    "Evidence",
    "Reopen",
    "Report",
    "ReportDraft",
    "ReportStatus",
    "CodeAttempt",
    "GrantedRole",
    "Invitation",
    "RoleGrant",
    "Assignment",
    "Chat",
    "GroupLeader",
    "HQLeader",
    "Headquarters",
    "PendingImport",
    "PendingStatus",
    "Person",
    "Stage",
    "Task",
    "TaskStatus",
    "Unit",
    "WorkingGroup",
]
