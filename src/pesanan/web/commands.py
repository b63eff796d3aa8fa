"""A console form post, the same way every time: parse the form into the API's input schema,
run one service command in one transaction, then redirect (303) to what changed — or show the
page again with each message beside its field, and nothing changed.

Each view says only what differs: the schema, the command, where to go after, and how to show
its page again (`again`, which also picks the status code: 422 on the pages that use this).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from pesanan.core.errors import DomainError
from pesanan.web import i18n
from pesanan.web.deps import execute
from pesanan.web.forms import domain_errors, parse

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
# The page again, with these messages by field name.
Again = Callable[[dict[str, str]], Response]


def act(request: Request, run: Callable[[Connection], T], done: str | Callable[[T], str],
        again: Again) -> Response:
    """Run the command; redirect to `done` (or to where `done` sends its result), or on a
    refusal show the page again with the messages."""
    try:
        result = execute(request, run)
    except DomainError as e:
        return again(domain_errors(e))
    return RedirectResponse(done if isinstance(done, str) else done(result), status_code=303)


def submit(request: Request, schema: type[M], data: dict[str, Any],
           run: Callable[[Connection, M], T], done: str | Callable[[T], str], again: Again,
           money: Mapping[str, str | None] | None = None) -> Response:
    """`data` as `schema` (amount fields named in `money`, see forms.parse), then `act`; a
    form that does not parse shows the page again before anything runs."""
    cmd, errors = parse(schema, data, money, i18n.use(request))
    if cmd is None:
        return again(errors)
    return act(request, lambda c: run(c, cmd), done, again)
