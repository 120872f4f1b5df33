"""Alembic environment: migrations run on a connection handed over by :func:`sarex.server.db.migrate`."""

from alembic import context

from sarex.server.models import Base

conn = context.config.attributes.get("connection")
context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
