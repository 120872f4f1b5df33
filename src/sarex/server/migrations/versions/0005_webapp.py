"""Issue 29: a sighting's client report id (the page's outbox sends it again after a lost answer, stored once), and the
service that brings each unit (ROK Navy, Korea Coast Guard, JMSDF, Japan Coast Guard).

Revision ID: 0005_webapp
Revises: 0004_safe
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_webapp'
down_revision = '0004_safe'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sightings', sa.Column('report_id', sa.String(length=64), nullable=True))
    op.create_index('uq_sightings_report', 'sightings', ['exercise_id', 'unit_code', 'report_id'], unique=True)
    op.add_column('units', sa.Column('service', sa.String(length=64), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('units') as batch:
        batch.drop_column('service')
    op.drop_index('uq_sightings_report', table_name='sightings')
    with op.batch_alter_table('sightings') as batch:
        batch.drop_column('report_id')
