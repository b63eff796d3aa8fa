"""Commands of the mail package: queue messages (once per event and kind), and the shop's
notification switches. Each runs inside the caller's transaction (one per command)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pesanan.core.clock import now, rfc3339
from pesanan.core.errors import FieldError, InvalidTransition, ValidationFailed
from pesanan.core.ids import new_id
from pesanan.mail import notifications as n
from pesanan.mail.compose import Draft, Shop, rule_message
from pesanan.mail.models import email_message, notification_setting
from pesanan.mail.render import render
from pesanan.mail.schemas import NotificationsUpdate
from pesanan.shop import service as shop_service


def message_row(event: dict[str, Any], kind: str, draft: Draft, shop: Shop, at: datetime
                ) -> dict[str, Any]:
    """The pending message for a draft: rendered now, in the shop's language."""
    lang = n.language(shop.profile.locale)
    msg = render(draft.template, lang, {"shop": shop.context, **draft.context})
    kind_, id_, name = draft.attachment or (None, None, None)
    return {"id": new_id(), "event_id": event["id"], "event_type": event["type"],
            "kind": kind, "order_id": draft.order_id, "to_address": draft.to,
            "subject": msg.subject, "body_text": msg.text, "body_html": msg.html,
            "locale": shop.profile.locale, "attachment_type": kind_, "attachment_id": id_,
            "attachment_name": name, "status": "pending", "attempts": 0, "queued_attempts": 0,
            "next_attempt_at": at, "last_attempt_at": None, "last_status": None,
            "last_error": None, "sent_at": None, "created_at": at}


def queue(conn: Connection, rows: list[dict[str, Any]]) -> list[str]:
    """Insert messages, skipping any (event, kind) that has one: a redelivered or replayed
    event makes no second message. The ids inserted."""
    if not rows:
        return []
    ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    done = conn.execute(ins(email_message).on_conflict_do_nothing(
        index_elements=["event_id", "kind"]).returning(email_message.c.id), rows)
    return [r.id for r in done]


def queue_rule_email(conn: Connection, rule_id: str, event: dict[str, Any],
                     subject_kind: str | None, subject_id: str | None, *, subject: str,
                     message: str, to: str | None) -> dict[str, Any]:
    """An automation rule's "send email" action: one message for this rule and event (a rerun
    of the same event makes none). Refused (the rule's run fails, saying why) when there is
    nobody to write to. Not subject to the notification switches: the rule is its own."""
    shop = Shop(shop_service.profile(conn))
    draft = rule_message(conn, subject_kind, subject_id, subject, message, to)
    if draft is None:
        raise InvalidTransition(f"no email address to send to: the {subject_kind or 'event'}"
                                f" {subject_id or ''} has none; give the action a `to`")
    ids = queue(conn, [message_row(event, n.rule_kind(rule_id), draft, shop, now())])
    return {"email_id": ids[0] if ids else None, "to": draft.to}


# ---- switches -------------------------------------------------------------------------------

def enabled_kinds(conn: Connection) -> set[str]:
    """The notifications that are on (no row: on)."""
    off = {r.kind for r in conn.execute(select(notification_setting.c.kind)
                                        .where(notification_setting.c.enabled.is_(False)))}
    return {x.kind for x in n.NOTIFICATIONS} - off


def list_notifications(conn: Connection) -> dict[str, Any]:
    rows = {r.kind: r for r in conn.execute(select(notification_setting))}
    items = []
    for x in n.NOTIFICATIONS:
        r = rows.get(x.kind)
        items.append({"kind": x.kind, "event_type": x.event_type, "title": x.title,
                      "attachment": x.attach, "enabled": True if r is None else bool(r.enabled),
                      "updated_at": rfc3339(r.updated_at) if r is not None else None})
    return {"items": items}


def set_notifications(conn: Connection, cmd: NotificationsUpdate) -> dict[str, Any]:
    """Switch notifications on or off; an unknown kind is a 422 and nothing changes."""
    unknown = [k for k in cmd.root if k not in n.BY_KIND]
    if unknown:
        raise ValidationFailed("No such notification", [
            FieldError(k, "unknown", f"not a notification; one of {', '.join(n.BY_KIND)}")
            for k in unknown])
    at = now()
    for kind, enabled in cmd.root.items():
        ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        stmt = ins(notification_setting).values(kind=kind, enabled=enabled, updated_at=at)
        conn.execute(stmt.on_conflict_do_update(
            index_elements=["kind"], set_={"enabled": enabled, "updated_at": at}))
    return list_notifications(conn)
