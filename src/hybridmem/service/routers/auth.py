"""Signup, login (JSON or OAuth2 form), logout (this token or every token), password change."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from hybridmem.application.accounts import Signup
from hybridmem.service.deps import Accounts, CurrentUser, client_address
from hybridmem.service.errors import declared
from hybridmem.service.schemas.accounts import (
    LoginRequest,
    PasswordChangeRequest,
    SignupRequest,
    TokenResponse,
    UserOut,
)

router = APIRouter(prefix="/api/auth", tags=["auth"])

_LOGIN_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["password"]},
        "username": {"type": "string", "maxLength": 320, "description": "Email or user id"},
        "password": {"type": "string", "maxLength": 256},
        "scope": {"type": "string", "default": ""},
        "client_id": {"type": "string"},
        "client_secret": {"type": "string"},
    },
}


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=declared(409, 413, 422, 429, 503),
)
async def signup(body: SignupRequest, request: Request, accounts: Accounts) -> UserOut:
    """Create an account. Duplicate email or user_id gives 409; a password that breaks a
    rule gives 422 naming it in ``details.rule`` (min_length, max_length,
    distinct_characters, common, guessable)."""
    user = await accounts.signup(
        Signup(
            email=str(body.email),
            password=body.password,
            user_id=body.user_id,
            first_name=body.first_name,
            last_name=body.last_name,
            about=body.about,
            metadata=body.metadata,
        ),
        client_address=client_address(request),
    )
    return UserOut.of(user)


async def _login_request(request: Request) -> LoginRequest:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form()
            username = form.get("username")
            password = form.get("password")
            fields: dict[str, Any] = {"password": password}
            if isinstance(username, str) and "@" in username:
                fields["email"] = username
            else:
                fields["user_id"] = username
            try:
                return LoginRequest.model_validate(fields)
            except ValidationError as exc:
                # the form's own field names: username stands for email or user_id
                raise _located(exc, {"email": "username", "user_id": "username"}) from exc
        return LoginRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        raise _located(exc, {}) from exc


def _located(exc: ValidationError, renamed: dict[str, str]) -> RequestValidationError:
    # the same locations as every other route's body errors: ["body", <field>]
    errors = []
    for error in exc.errors(include_url=False):
        loc = tuple(renamed.get(str(part), part) for part in error["loc"])
        errors.append({**error, "loc": ("body", *loc)})
    return RequestValidationError(errors)


@router.post(
    "/login",
    response_model=TokenResponse,
    responses=declared(401, 413, 422, 429, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": LoginRequest.model_json_schema()},
                "application/x-www-form-urlencoded": {"schema": _LOGIN_FORM_SCHEMA},
            },
        }
    },
)
async def login(request: Request, accounts: Accounts) -> TokenResponse:
    """Exchange an email (or user id) and password for a bearer token.

    Accepts JSON ``{email | user_id, password}`` or the OAuth2 password form
    (``username`` = email or user id). Errors never reveal whether the account exists.
    """
    body = await _login_request(request)
    if (body.email is None) == (body.user_id is None):
        raise RequestValidationError(
            [
                {
                    "loc": ("body",),
                    "msg": "give exactly one of email or user_id",
                    "type": "value_error",
                }
            ]
        )
    issued = await accounts.login(
        password=body.password,
        email=str(body.email) if body.email is not None else None,
        user_id=body.user_id,
        client_address=client_address(request),
    )
    return TokenResponse(access_token=issued.token, expires_in=issued.expires_in)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=declared(401, 403, 503),
)
async def logout(principal: CurrentUser, accounts: Accounts) -> Response:
    """Revoke the token used for this request (an API key is refused: 403; revoke keys
    with DELETE /api/keys/{key_id})."""
    await accounts.logout(principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/logout-all",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=declared(401, 403, 503),
)
async def logout_all(principal: CurrentUser, accounts: Accounts) -> Response:
    """Log out everywhere: revoke every token of the account, this one included. API
    keys stay valid (they are revoked one by one); calling this with a key is 403."""
    await accounts.logout_everywhere(principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/password",
    response_model=TokenResponse,
    responses=declared(401, 403, 413, 422, 429, 503),
)
async def change_password(
    body: PasswordChangeRequest, request: Request, principal: CurrentUser, accounts: Accounts
) -> TokenResponse:
    """Change the password. Needs the current one (a wrong one: 403; attempts count
    against the same budget as logins). Every token of the account is revoked; the
    response carries a fresh one for this client. API keys are refused (403) and stay
    valid."""
    issued = await accounts.change_password(
        principal,
        current_password=body.current_password,
        new_password=body.new_password,
        client_address=client_address(request),
    )
    return TokenResponse(access_token=issued.token, expires_in=issued.expires_in)
