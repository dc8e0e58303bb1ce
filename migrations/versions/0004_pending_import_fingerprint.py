"""pending import: fingerprint of the previewed state, headquarters rename

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:30:00

A stored upload remembers the hash of the database state its preview was computed on
(confirming after another import changed it is refused as stale) and the name the upload
gives its headquarters, if any. Uploads stored before this revision have an empty fingerprint
and are therefore answered as stale: the admin sends the file again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pending_import", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "fingerprint",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("rename_hq_to", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("pending_import", schema=None) as batch_op:
        batch_op.drop_column("rename_hq_to")
        batch_op.drop_column("fingerprint")
