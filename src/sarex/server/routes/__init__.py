"""One :class:`fastapi.APIRouter` per resource. Each module defines ``router`` and uses only the
typed dependencies of :mod:`sarex.server.deps`; :func:`sarex.server.api.create_app` includes them."""

from __future__ import annotations

from fastapi import FastAPI


def include_web(app: FastAPI) -> None:
    """Add the web app's routers (plan workflow, land polygons) to an app made by ``create_app``.

    Until ``create_app`` includes the routers itself (the router split), ``sarex serve`` calls this;
    ``app.state.auth`` is then given an :class:`~sarex.server.auth.Auth` of its own (its principal
    cache is checked against the store's auth epoch on every request, as the app's own is)."""
    from sarex.server.auth import Auth
    from sarex.server.routes import land, planflow
    from sarex.server.security import PrincipalCache

    if getattr(app.state, "auth", None) is None:
        app.state.auth = Auth(app.state.store, PrincipalCache())
    have = {getattr(r, "path", None) for r in app.routes}
    for m in (planflow, land):
        if not any(getattr(r, "path", None) in have for r in m.router.routes):
            app.include_router(m.router)
