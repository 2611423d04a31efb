"""index cases by complainant email

Revision ID: i3b
Revises: i4a
Create Date: 2026-11-25 15:48:46.080020
"""

from collections.abc import Sequence

from alembic import op

revision: str = "i3b"
down_revision: str | None = "i4a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Re-sent complaints are found by the sender's earlier cases (issue 3).
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cases_complainant_email"), ["complainant_email"], unique=False
        )


def downgrade() -> None:
    # Re-sent complaints are found by the sender's earlier cases (issue 3).
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_complainant_email"))
