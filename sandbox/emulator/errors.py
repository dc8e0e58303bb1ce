"""Telegram-style errors raised by Bot API handlers and control-API errors."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error answered as ``{"ok": false, "error_code": N, "description": ...}``."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str, parameters: dict[str, Any] | None = None) -> ApiError:
    """A 400 ``Bad Request: <message>`` error."""
    return ApiError(400, f"Bad Request: {message}", parameters)


def forbidden(message: str) -> ApiError:
    """A 403 ``Forbidden: <message>`` error."""
    return ApiError(403, f"Forbidden: {message}")


def conflict(message: str) -> ApiError:
    """A 409 ``Conflict: <message>`` error."""
    return ApiError(409, f"Conflict: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    """A 429 flood-wait error carrying ``parameters.retry_after``."""
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def unauthorized() -> ApiError:
    """The 401 answer for an unknown bot token."""
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    """The 404 answer for an unknown method or a malformed token."""
    return ApiError(404, "Not Found")


class ControlError(Exception):
    """A control-API error answered as ``{"error": message}`` with an HTTP status."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message
