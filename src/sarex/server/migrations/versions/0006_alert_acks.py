"""Issue 29: a separation alert acknowledged on the server (who, exercise time, wall time), audited, read by
every reader of the alert, instead of on one device.

Revision ID: 0006_alert_acks
Revises: 0005_webapp
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_alert_acks'
down_revision = '0005_webapp'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'alert_acks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('exercise_id', sa.Integer(), nullable=False),
        sa.Column('user_name', sa.String(length=64), nullable=False),
        sa.Column('unit_code', sa.String(length=64), nullable=True),
        sa.Column('time_s', sa.Float(), nullable=False),
        sa.Column('created_s', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['alerts.id']),
        sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('alert_id', 'user_name', name='uq_alert_acks_user'),
    )
    op.create_index('ix_alert_acks_alert_id', 'alert_acks', ['alert_id'])
    op.create_index('ix_alert_acks_exercise_id', 'alert_acks', ['exercise_id'])


def downgrade() -> None:
    op.drop_index('ix_alert_acks_exercise_id', table_name='alert_acks')
    op.drop_index('ix_alert_acks_alert_id', table_name='alert_acks')
    op.drop_table('alert_acks')
