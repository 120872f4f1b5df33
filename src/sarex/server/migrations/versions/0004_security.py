"""Security (issue 27): an exercise's seed is a 64-bit integer (sarex seeds are 0..2^63-1; PostgreSQL's
INTEGER holds 2^31-1 only).

Revision ID: 0004_security
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_security'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('exercises') as batch:
        batch.alter_column('seed', existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('exercises') as batch:
        batch.alter_column('seed', existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False)
