"""Injects: what exercise control feeds in, addressed to roles and organisations, delivered at a time.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('injects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('to_roles', sa.String(length=100), nullable=False),
    sa.Column('to_orgs', sa.String(length=200), nullable=False),
    sa.Column('at_s', sa.Float(), nullable=False),
    sa.Column('time_s', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('unit_code', sa.String(length=64), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_s', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_injects_exercise_id'), 'injects', ['exercise_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_injects_exercise_id'), table_name='injects')
    op.drop_table('injects')
