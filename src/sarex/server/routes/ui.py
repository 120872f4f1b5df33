"""The web page and the API documentation, from vendored assets only."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

STATIC = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


@router.get("/sw.js")
def service_worker() -> FileResponse:
    """The page's service worker (static/sw.js), served at the root so that its scope is the whole page."""
    return FileResponse(STATIC / "sw.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.get("/docs")
def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="sarex API", swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                               swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css", swagger_favicon_url="/static/favicon.svg",
                               oauth2_redirect_url="/static/vendor/swagger-ui/oauth2-redirect.html")
