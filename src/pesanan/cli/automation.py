"""`pesanan automation`: rules "when EVENT and CONDITIONS then ACTIONS", and what they did.

Conditions and actions are written as automation/text.py reads them (`--if "channel eq web"`,
`--then invoice`, `--then "tag: vip"`). Each command is one transaction; a refusal
prints the reason per field and exits non-zero, having changed nothing."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError as PydanticValidationError
from rich.table import Table
from sqlalchemy import Connection

from pesanan.automation import consumer, queries, service, text
from pesanan.automation.schemas import RuleCreate, RuleUpdate
from pesanan.cli import console, container, err, run_command
from pesanan.core.errors import FieldError, ValidationFailed
from pesanan.events import relay

# Annotated: this module imports pesanan.cli, which imports it back to mount `app`.
app: typer.Typer = typer.Typer(help="Automation rules", no_args_is_help=True)
Rule = Annotated[str, typer.Argument(help="the rule's name (or id)")]


def _parsed(data: dict[str, Any]) -> RuleCreate:
    try:
        return RuleCreate.model_validate(data)
    except PydanticValidationError as e:
        raise ValidationFailed("The rule is invalid", [
            FieldError(".".join(str(p) for p in x["loc"]), "invalid", x["msg"])
            for x in e.errors()]) from None


def _summary(r: dict[str, Any]) -> str:
    return f"{r['name']}{'' if r['enabled'] else ' (disabled)'}: {text.summary(r)}"


@app.command("add")
def add(name: Annotated[str, typer.Argument(help="a unique name")],
        when: Annotated[str, typer.Option("--when", help="the event type, e.g. shipment.shipped")],
        then: Annotated[list[str], typer.Option("--then", help="an action (repeat, in order)")],
        if_: Annotated[list[str] | None, typer.Option("--if", help="FIELD OP VALUE (repeat)")]
        = None,
        disabled: Annotated[bool, typer.Option("--disabled")] = False) -> None:
    """Add a rule; it acts on events from now on."""
    data = {"name": name, "trigger": when, "conditions": [text.condition(c) for c in if_ or []],
            "actions": [text.action(a) for a in then], "enabled": not disabled}

    def command(conn: Connection) -> dict[str, Any]:
        return service.create_rule(conn, _parsed(data))

    console.print(f"added {_summary(run_command(command))}", soft_wrap=True)


def _switch(ref: str, enabled: bool) -> dict[str, Any]:
    return run_command(lambda c: service.update_rule(c, queries.rule_id_named(c, ref),
                                                     RuleUpdate(enabled=enabled)))


@app.command("enable")
def enable(rule: Rule) -> None:
    console.print(f"enabled {_summary(_switch(rule, True))}", soft_wrap=True)


@app.command("disable")
def disable(rule: Rule) -> None:
    """Stop a rule acting (its runs stay)."""
    console.print(f"disabled {_summary(_switch(rule, False))}", soft_wrap=True)


@app.command("list")
def list_rules() -> None:
    rules = run_command(queries.list_rules)["items"]
    if not rules:
        console.print("no automation rules")
    for r in rules:
        console.print(_summary(r), soft_wrap=True)


@app.command("runs")
def runs(rule: Rule, limit: Annotated[int, typer.Option(min=1, max=250)] = 20) -> None:
    """What the rule did, newest first."""
    items = run_command(lambda c: queries.list_runs(c, queries.rule_id_named(c, rule),
                                                    limit=limit))["items"]
    table = Table("ran at", "event", "subject", "outcome", "detail")
    for x in items:
        detail = x["error"] or "; ".join(
            " ".join(f"{k}={v}" for k, v in a.items()) for a in x["results"])
        table.add_row(x["ran_at"], f"{x['event_type']} #{x['event_sequence']}",
                      x["subject_id"] or "", x["outcome"], detail)
    console.print(table)


@app.command("run")
def run_now() -> None:
    """Act on every event committed so far, now (what the worker does on its own)."""
    with container() as c:
        total = 0
        while True:  # again while the rules' own actions made new events
            while relay.stamp_pending(c.engine):
                pass
            if not (n := consumer.run_once(c.engine)):
                break
            total += n
    console.print(f"read {total} event(s)")
    if total == 0:
        err.print("nothing new (or another worker is on it)")
