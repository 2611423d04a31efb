"""mailbox resync bound

Revision ID: i3a
Revises: i7a
Create Date: 2026-11-25 15:15:34.598995
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i3a"
down_revision: str | None = "i7a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A UIDVALIDITY change is resynchronised up to this UID (issue 3).
    with op.batch_alter_table("mailbox_state", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("resync_until_uid", sa.BigInteger(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    # A UIDVALIDITY change is resynchronised up to this UID (issue 3).
    with op.batch_alter_table("mailbox_state", schema=None) as batch_op:
        batch_op.drop_column("resync_until_uid")
