"""Issue 29: organisations as the services they are. An organisation belongs to a nation and may stand for one
of its services (``orgs.nation``, ``orgs.service``); a plan is an organisation's (``plans.org``).

Existing rows: an organisation whose code is a nation's gets that nation (canonical ISO 3166 alpha-3, so it
owns all its nation's units as before), any other none; a plan's organisation is its nation.

Revision ID: 0007_org_service
Revises: 0006_alert_acks
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_org_service'
down_revision = '0006_alert_acks'
branch_labels = None
depends_on = None


def _nation(code: str) -> str | None:
    from sarex.nations import nation_code

    try:
        return nation_code(code)
    except ValueError:
        return None


def upgrade() -> None:
    op.add_column('orgs', sa.Column('nation', sa.String(length=16), nullable=True))
    op.add_column('orgs', sa.Column('service', sa.String(length=64), nullable=False, server_default=''))
    op.add_column('plans', sa.Column('org', sa.String(length=16), nullable=False, server_default=''))
    conn = op.get_bind()
    orgs = sa.table('orgs', sa.column('id', sa.Integer), sa.column('code', sa.String), sa.column('nation', sa.String))
    for oid, code in conn.execute(sa.select(orgs.c.id, orgs.c.code)).all():
        nation = _nation(code)
        if nation is not None:
            conn.execute(orgs.update().where(orgs.c.id == oid).values(nation=nation))
    plans = sa.table('plans', sa.column('org', sa.String), sa.column('nation', sa.String))
    conn.execute(plans.update().values(org=plans.c.nation))


def downgrade() -> None:
    # plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): a batch copy of ``orgs`` would break the users' foreign keys
    op.drop_column('plans', 'org')
    op.drop_column('orgs', 'service')
    op.drop_column('orgs', 'nation')
