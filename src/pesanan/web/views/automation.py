"""Console: automation rules (settings). The rules with what they say, a form to add one
(conditions and actions one per line, as automation/text.py reads them), enable/disable, and
a rule's runs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from pesanan.automation import queries, service, text
from pesanan.automation.conditions import TRIGGERS
from pesanan.automation.schemas import RuleCreate, RuleUpdate
from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError
from pesanan.web.deps import PostedForm, check_csrf, execute, page, read, render
from pesanan.web.forms import clean, domain_errors, parse

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("settings:read"))]
Admin = Annotated[Actor, Depends(page("settings:write"))]


def _page(request: Request, status: int = 200, *, errors: dict[str, str] | None = None,
          form: dict[str, Any] | None = None) -> Response:
    rules = read(request, queries.list_rules)["items"]
    return render(request, "automation/list.html", status, rules=rules, text=text,
                  triggers=sorted(TRIGGERS), errors=errors or {}, form=form or {})


@router.get("/automation")
def rules(request: Request, _: Viewer) -> Response:
    return _page(request)


@router.post("/automation", dependencies=[Depends(check_csrf)])
def create_rule(request: Request, posted: PostedForm, _: Admin) -> Response:
    form = clean(posted)
    data = {"name": form.get("name", ""), "trigger": form.get("trigger", ""),
            "conditions": [text.condition(x) for x in text.lines(form.get("conditions", ""))],
            "actions": [text.action(x) for x in text.lines(form.get("actions", ""))],
            "enabled": True}
    cmd, errors = parse(RuleCreate, data)
    if cmd is not None:
        try:
            made = execute(request, lambda c: service.create_rule(c, cmd))
            return RedirectResponse(f"/automation/{made['id']}", status_code=303)
        except DomainError as e:
            errors = domain_errors(e)
    return _page(request, 422, errors=errors, form=form)


@router.post("/automation/{rule_id}/{switch}", dependencies=[Depends(check_csrf)])
def switch_rule(request: Request, rule_id: str, switch: str, _: Admin) -> Response:
    if switch not in ("enable", "disable"):
        return _page(request, 404, errors={"form": "no such action"})
    cmd = RuleUpdate(enabled=switch == "enable")
    try:
        execute(request, lambda c: service.update_rule(c, rule_id, cmd))
    except DomainError as e:
        return _page(request, e.status, errors=domain_errors(e))
    return RedirectResponse("/automation", status_code=303)


@router.get("/automation/{rule_id}")
def rule_runs(request: Request, rule_id: str, _: Viewer, cursor: str | None = None
              ) -> Response:
    try:
        rule = read(request, lambda c: queries.get_rule(c, rule_id))
        runs = read(request, lambda c: queries.list_runs(c, rule_id, cursor=cursor))
    except DomainError as e:
        return _page(request, e.status, errors=domain_errors(e))
    return render(request, "automation/rule.html", rule=rule, runs=runs, text=text)
