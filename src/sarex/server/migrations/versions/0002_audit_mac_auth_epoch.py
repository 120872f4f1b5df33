"""Audit entries carry an HMAC under a key kept outside the database; a counter of access changes
(grants, revoked sessions) lets servers cache principals.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mac', sa.String(length=64), nullable=False, server_default=''))
    t = op.create_table('auth_epoch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(t, [{'id': 1, 'n': 0}])


def downgrade() -> None:
    op.drop_table('auth_epoch')
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_column('mac')
