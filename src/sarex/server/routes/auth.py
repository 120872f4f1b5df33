"""Log in and out: bearer tokens for scripts and units, session cookies (with CSRF token) for browsers."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy import select

from sarex.server import workflow
from sarex.server.auth import COOKIE, ApiError
from sarex.server.deps import PrincipalDep
from sarex.server.errors import AUTH, responses
from sarex.server.models import User
from sarex.server.schemas import LoginIn
from sarex.server.security import check_password, new_session, revoke_session

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
    store, limiter = request.app.state.store, request.app.state.limiter
    key = f"{request.client.host if request.client else '?'}|{username}"
    if limiter.blocked(key):
        raise ApiError(429, f"username: too many failed logins for {username!r}; wait a minute", "username")
    with store.tx() as s:
        user = s.execute(select(User).where(User.name == username)).scalar()
        if not check_password(user.password_hash if user else None, password):
            limiter.failed(key)
            raise ApiError(401, "password: wrong user name or password", "password")
        limiter.succeeded(key)
        return new_session(s, user, kind)


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


@router.post("/api/logout", summary="End this browser session (its cookie stops working at once)", response_model=LogoutOut,
             responses=responses(*AUTH))
def logout(request: Request, p: PrincipalDep) -> JSONResponse:
    if p.kind == "cookie":  # a browser session ends here; bearer tokens (scripts, units) run out after SESSION_S
        with request.app.state.store.tx() as s:
            revoke_session(s, p.token_hash)
        request.app.state.cache.drop(p.token_hash)
    resp = JSONResponse({"user": p.name, "logged_out": True})
    resp.delete_cookie(COOKIE, path="/")
    return resp


@router.get("/api/me", summary="Who you are and your roles per exercise", responses=responses(*AUTH))
def me(p: PrincipalDep) -> dict:
    return workflow.me(p)
