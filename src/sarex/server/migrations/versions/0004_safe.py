"""Safe together on one scene (issue 30): altitude of position reports, the communications plan, separation alerts, messages, SITREPs.

Revision ID: 0004_safe
Revises: 0004_played
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_safe'
down_revision = '0004_played'  # chained after the played branch's revision (merged before)
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('positions', sa.Column('alt_m', sa.Float(), nullable=True))
    op.add_column('exercises', sa.Column('comms_json', sa.Text(), nullable=True))
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('units', sa.String(length=200), nullable=False),
    sa.Column('time_s', sa.Float(), nullable=False),
    sa.Column('distance_nm', sa.Float(), nullable=False),
    sa.Column('vertical_ft', sa.Float(), nullable=True),
    sa.Column('seen_json', sa.Text(), nullable=False),
    sa.Column('created_s', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_alerts_exercise_id'), 'alerts', ['exercise_id'], unique=False)
    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=64), nullable=False),
    sa.Column('to', sa.String(length=400), nullable=False),
    sa.Column('phrase', sa.String(length=40), nullable=True),
    sa.Column('params_json', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('time_s', sa.Float(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_s', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_messages_exercise_id'), 'messages', ['exercise_id'], unique=False)
    op.create_table('sitreps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('form', sa.String(length=8), nullable=False),
    sa.Column('data_json', sa.Text(), nullable=False),
    sa.Column('time_s', sa.Float(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_s', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('exercise_id', 'number')
    )
    op.create_index(op.f('ix_sitreps_exercise_id'), 'sitreps', ['exercise_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sitreps_exercise_id'), table_name='sitreps')
    op.drop_table('sitreps')
    op.drop_index(op.f('ix_messages_exercise_id'), table_name='messages')
    op.drop_table('messages')
    op.drop_index(op.f('ix_alerts_exercise_id'), table_name='alerts')
    op.drop_table('alerts')
    op.drop_column('exercises', 'comms_json')
    op.drop_column('positions', 'alt_m')
