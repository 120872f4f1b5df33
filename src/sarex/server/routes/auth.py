"""Log in and out: bearer tokens for scripts and units, session cookies (with CSRF token) for browsers."""

from __future__ import annotations

from typing import Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from sarex.server import workflow
from sarex.server.auth import COOKIE
from sarex.server.deps import PrincipalDep
from sarex.server.errors import AUTH, responses
from sarex.server.response_models import MeOut
from sarex.server.schemas import LoginIn
from sarex.server.security import revoke_session

router = APIRouter(tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str


class LoginOut(BaseModel):
    user: str
    csrf: str


class LogoutOut(BaseModel):
    user: str
    logged_out: bool


def _login(request: Request, username: str, password: str, kind: str) -> tuple[str, str]:
    """Throttled per user name, per address and in total; the password hash is checked outside any
    write transaction (:class:`~sarex.server.auth.Logins`)."""
    return cast("tuple[str, str]", request.app.state.logins.login(request.client.host if request.client else "?", username, password, kind))


@router.post("/token", summary="OAuth2 password flow: a bearer token for scripts and units", response_model=TokenOut,
             responses=responses(400, 401, 422, 429))
def token(request: Request, form: OAuth2PasswordRequestForm = Depends()) -> TokenOut:
    tok, _ = _login(request, form.username, form.password, "bearer")
    return TokenOut(access_token=tok, token_type="bearer")


@router.post("/api/login", summary="Browser login: sets an HttpOnly session cookie, returns the CSRF token", response_model=LoginOut,
             responses=responses(400, 401, 422, 429))
def login(request: Request, body: LoginIn) -> JSONResponse:
    tok, csrf = _login(request, body.username, body.password, "cookie")
    resp = JSONResponse({"user": body.username, "csrf": csrf})
    resp.set_cookie(COOKIE, tok, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/")
    return resp


@router.post("/api/logout", summary="End this session or bearer token: it stops working at once, its open event streams end within 2 s",
             response_model=LogoutOut, responses=responses(*AUTH))
def logout(request: Request, p: PrincipalDep) -> JSONResponse:
    with request.app.state.store.tx() as s:
        revoke_session(s, p.token_hash, p.name)
    request.app.state.cache.drop(p.token_hash)
    resp = JSONResponse({"user": p.name, "logged_out": True})
    resp.delete_cookie(COOKIE, path="/")
    return resp


@router.get("/api/me", response_model=MeOut, summary="Who you are and your roles per exercise", responses=responses(*AUTH))
def me(p: PrincipalDep) -> dict[str, Any]:
    return workflow.me(p)
