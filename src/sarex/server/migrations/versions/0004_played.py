"""The exercise as played (issue 28): the exercise clock, exercise time beside wall time on every
record, scripted injects (MSEL: status, delivery, recipients by unit, expected action, objective),
plan approval times, periods closed early, evaluators' observations.

Revision ID: 0004_played
Revises: 0004_security
"""
from typing import Any

from alembic import op
import sqlalchemy as sa


revision = '0004_played'
down_revision = '0004_security'  # chained after the security branch's revision, merged first
branch_labels = None
depends_on = None

_COLUMNS: dict[str, list[sa.Column[Any]]] = {
    'plans': [sa.Column('approved_s', sa.Float(), nullable=True), sa.Column('approved_ex_s', sa.Float(), nullable=True),
              sa.Column('created_ex_s', sa.Float(), nullable=True)],
    'sightings': [sa.Column('received_s', sa.Float(), nullable=True), sa.Column('received_ex_s', sa.Float(), nullable=True)],
    'jobs': [sa.Column('created_ex_s', sa.Float(), nullable=True)],
    'periods': [sa.Column('closed_ex_s', sa.Float(), nullable=True),
                sa.Column('closed_reason', sa.String(length=500), nullable=False, server_default='')],
    'injects': [sa.Column('status', sa.String(length=10), nullable=False, server_default='scheduled'),
                sa.Column('delivered_s', sa.Float(), nullable=True), sa.Column('delivered_ex_s', sa.Float(), nullable=True),
                sa.Column('to_units', sa.String(length=500), nullable=False, server_default=''),
                sa.Column('expected_action', sa.Text(), nullable=False, server_default=''),
                sa.Column('objective', sa.String(length=64), nullable=False, server_default=''),
                sa.Column('ref', sa.String(length=64), nullable=False, server_default='')],
}


def upgrade() -> None:
    for table, cols in _COLUMNS.items():
        with op.batch_alter_table(table) as b:
            for c in cols:
                b.add_column(c)
    op.create_table('exercise_clocks',
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('rate', sa.Float(), nullable=False),
    sa.Column('anchor_ex_s', sa.Float(), nullable=False),
    sa.Column('anchor_wall_s', sa.Float(), nullable=False),
    sa.Column('offset_s', sa.Float(), nullable=False),
    sa.Column('updated_s', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], ),
    sa.PrimaryKeyConstraint('exercise_id')
    )
    op.create_table('observations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('objective', sa.String(length=64), nullable=False),
    sa.Column('rating', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('time_s', sa.Float(), nullable=False),
    sa.Column('wall_s', sa.Float(), nullable=False),
    sa.Column('finding', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=100), nullable=False),
    sa.Column('due', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_observations_exercise_id'), 'observations', ['exercise_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_observations_exercise_id'), table_name='observations')
    op.drop_table('observations')
    op.drop_table('exercise_clocks')
    for table, cols in _COLUMNS.items():
        with op.batch_alter_table(table) as b:
            for c in reversed(cols):
                b.drop_column(c.name)
