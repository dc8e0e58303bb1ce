"""Who may do what: invitations that bind Telegram accounts, role grants, failed code attempts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import timestamp


class Invitation(SQLModel, table=True):
    """A single-use deep-link code for one person; only its SHA-256 is stored."""

    __tablename__ = "invitation"

    id: int | None = Field(default=None, primary_key=True)
    hq_id: int = Field(foreign_key="headquarters.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp()
    expires_at: datetime = timestamp()
    created_by: int | None = Field(default=None, sa_type=BigInteger)
    claimed_by: int | None = Field(default=None, sa_type=BigInteger)
    claimed_at: datetime | None = timestamp(default=None)
    used_at: datetime | None = timestamp(default=None)
    used_by: int | None = Field(default=None, sa_type=BigInteger)
    revoked_at: datetime | None = timestamp(default=None)


class GrantedRole(StrEnum):
    """Roles given by admins (the others come from the task list and 附件1)."""

    admin = "admin"
    liaison = "liaison"


class RoleGrant(SQLModel, table=True):
    """An admin or liaison role of a person in one headquarters.

    For a liaison (联络员), `principal_id` is the responsible person they report for.
    """

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("hq_id", "person_id", "role", "principal_id"),)

    id: int | None = Field(default=None, primary_key=True)
    hq_id: int = Field(foreign_key="headquarters.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=20)
    principal_id: int | None = Field(default=None, foreign_key="person.id")
    granted_by: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = timestamp()


class CodeAttempt(SQLModel, table=True):
    """A failed invitation code from one Telegram user, for rate limiting."""

    __tablename__ = "code_attempt"

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_type=BigInteger, index=True)
    at: datetime = timestamp(index=True)
