"""One :class:`fastapi.APIRouter` per resource. Each module defines ``router`` and uses only the
typed dependencies of :mod:`sarex.server.deps`; :func:`sarex.server.api.create_app` includes them."""
