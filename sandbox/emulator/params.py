"""Read Bot API parameters from query strings, JSON, urlencoded forms and multipart bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import bad_request


@dataclass
class Upload:
    """A file part of a multipart request."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes

    def describe(self) -> dict[str, Any]:
        """A loggable summary (no content)."""
        return {"upload": self.filename, "size": len(self.data), "mime_type": self.content_type}


class Params:
    """Request parameters with Telegram-like coercion (form values are strings or JSON)."""

    def __init__(self, values: dict[str, Any], files: dict[str, Upload] | None = None):
        self.values = values
        self.files = files or {}

    @classmethod
    async def from_request(cls, request: web.Request) -> Params:
        """Collect parameters from every place Telegram accepts them."""
        values: dict[str, Any] = dict(request.query)
        files: dict[str, Upload] = {}
        if request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise bad_request("can't parse JSON encoded request parameters") from None
                if isinstance(body, dict):
                    values.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for name, value in form.items():
                    if isinstance(value, web.FileField):
                        files[name] = Upload(
                            name=name,
                            filename=value.filename,
                            content_type=value.content_type,
                            data=value.file.read(),
                        )
                    elif isinstance(value, (bytes, bytearray)):
                        values[name] = bytes(value).decode("utf-8", "replace")
                    else:
                        values[name] = value
        return cls(values, files)

    def has(self, name: str) -> bool:
        """Whether a non-empty value or file was sent under ``name``."""
        return self.values.get(name) not in (None, "") or name in self.files

    def raw(self, name: str) -> Any:
        """The value as received (string from forms, any JSON type from JSON bodies)."""
        return self.values.get(name)

    def string(self, name: str) -> str | None:
        """A string parameter."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        return str(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter (400 when it is not a number)."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str, default: float | None = None) -> float | None:
        """A numeric parameter."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean parameter (``true``/``false``/``1``/``0``)."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1", "yes", "on")

    def json(self, name: str, what: str | None = None) -> Any:
        """A JSON-serialized parameter; form fields carry it as a JSON string."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what or name} JSON object") from None
        return value

    def file(self, name: str) -> Upload | str | None:
        """A file parameter: an uploaded part, an ``attach://`` part, or a file_id / URL."""
        if name in self.files:
            return self.files[name]
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.startswith("attach://"):
            attached = self.files.get(value[len("attach://") :])
            if attached is None:
                raise bad_request(f"wrong file identifier/HTTP URL specified ({name})")
            return attached
        return str(value)

    def describe(self) -> dict[str, Any]:
        """Parameters for the request log (files summarized, long text truncated)."""
        out: dict[str, Any] = {}
        for key, value in self.values.items():
            if isinstance(value, str) and len(value) > 500:
                value = value[:500] + f"… ({len(value)} chars)"
            out[key] = value
        for key, upload in self.files.items():
            out[key] = upload.describe()
        return out
