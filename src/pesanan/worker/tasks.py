"""What the worker runs: each Task is one bounded batch of work, run again at once while it
finds a full batch (more may be waiting), otherwise every `every` seconds or when woken by a
task it depends on. Each package that has work after a commit adds its one entry to `tasks()`
(the relay, deliveries, the broker, automation, mail, the scheduler)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pesanan import outbound
from pesanan.automation import consumer as automation
from pesanan.bootstrap import Container
from pesanan.broker import publisher as broker
from pesanan.core import crypto
from pesanan.events import relay
from pesanan.fulfillment import dispatch as tpl_dispatch
from pesanan.mail import consumer as mail_consumer
from pesanan.mail import send as mail_send
from pesanan.webhooks import deliver as webhook_deliver
from pesanan.webhooks import direct as webhook_direct
from pesanan.worker import scheduler

RELAY_EVERY = 0.3  # seconds (why: tasks() below)


@dataclass(frozen=True)
class Task:
    name: str
    # One bounded batch; returns how many items it handled (0 = nothing to do). Must be
    # idempotent: a batch cut by kill -9 runs again.
    run: Callable[[Container], int]
    every: float  # seconds between passes once the backlog is drained
    # A batch that handled this many may have left more behind: the next runs at once. Fewer
    # means the backlog is drained, so the task waits `every` for more to gather instead of
    # spinning a transaction per event or two under steady load (that spin was most of the
    # worker's cost per event). 1: run again whenever it found anything.
    full: int = 1
    # Tasks to wake when this one handled something: they have work now, so their own
    # interval can be long (it only catches what another worker process produced).
    wakes: tuple[str, ...] = ()
    # Whether the pass that just handled something left work for `wakes` (None: it always
    # did). Fan-out's: only deliveries it left due are the delivery lane's at once; waking
    # the lane after every pass was a claim transaction per tick that found nothing.
    wake_if: Callable[[], bool] | None = None


def _webhooks(container: Container) -> list[Task]:
    """Webhooks: new events become deliveries (one transaction with the cursor), and those
    that can go at once are inserted leased and sent right after it (webhooks/direct.py);
    the delivery lane sends the rest (retries, an order's later events, a failing endpoint)
    when due. One box and client for both and for the process: the client keeps connections
    to the endpoints alive between batches (a new one per batch would open a connection per
    event)."""
    settings = container.settings
    box, client = crypto.box_for(settings), outbound.client_for(settings)
    rules = webhook_deliver.rules_for(settings)
    left_due = [0]

    def fan_out(c: Container) -> int:
        taken, left_due[0] = webhook_direct.run_pass(c.engine, box, client, rules)
        return taken
    return [
        Task("webhooks.fanout", fan_out, 1.0, webhook_direct.BATCH,
             wakes=("webhooks.deliver",), wake_if=lambda: left_due[0] > 0),
        # 0.25 s, not longer: a delivery held behind an earlier one of its order goes out
        # on the pass after that one got through.
        Task("webhooks.deliver",
             lambda c: webhook_deliver.send_due(c.engine, box, client, rules), 0.25,
             webhook_deliver.BATCH)]


def _relay() -> Callable[[Container], int]:
    """relay.stamp_pending, looking whether anything waits first only after a pass that found
    nothing: under load that look is a connection and a statement per pass for nothing."""
    found = 0

    def run(container: Container) -> int:
        nonlocal found
        found = relay.stamp_pending(container.engine, look_first=found == 0)
        return found
    return run


def _tpl_dispatch(container: Container) -> Task:
    # One SecretBox and client for the process: the box opens the 3PL secrets sealed at rest.
    box, client = crypto.box_for(container.settings), outbound.client_for(container.settings)
    return Task("tpl.dispatch",
                lambda c: sum(tpl_dispatch.send_pending(c.engine, box, client).values()), 2.0,
                tpl_dispatch.BATCH)


def tasks(container: Container) -> list[Task]:
    return [
        # Stamps committed events in commit order; every consumer reads only stamped events,
        # so this interval is the floor of their latency. 0.3 s, not 0.1 or 0.2: under load
        # each pass wakes fan-out, automation and the rest, half a dozen transactions per tick
        # whatever the number of events, so the tick sets much of the worker's cost per event
        # (0.2 -> 0.3 s: ~0.30 -> ~0.26 ms of worker CPU per event with 350 events/s); the
        # outbox lag p99 stays near 0.35 s, well under the second issue 11 allows.
        Task("events.relay", _relay(), RELAY_EVERY, relay.BATCH,
             wakes=("webhooks.fanout", "automation", "broker", "mail.compose")),
        *_webhooks(container),
        # Automation rules: each event a rule starts from, its actions once per (rule, event),
        # in the transaction that moves the automation cursor.
        Task("automation", lambda c: automation.run_once(c.engine), 1.0, automation.BATCH),
        # The 3PL outbox on the same delivery machinery as webhooks (fulfillment/dispatch.py):
        # leased batches sent signed, every attempt logged; retries wait their backoff on the
        # row, so 2 s idle is plenty.
        _tpl_dispatch(container),
        # Scheduled jobs (worker/handlers.py): one due job per pass, one runner across workers.
        Task("scheduler", scheduler.run_due, 1.0),
        *_broker(container),
        *_mail(container),
    ]


def _broker(container: Container) -> list[Task]:
    """The NATS JetStream publisher, only when PESANAN_NATS_URL is set: one connection for the
    process (its own loop thread), kept across passes and made again after a failure."""
    if not container.settings.nats_url:
        return []
    link = broker.link_for(container.settings)
    return [Task("broker", lambda c: broker.publish_pending(c.engine, c.read_engine, link),
                 1.0, broker.BATCH)]


def _mail(container: Container) -> list[Task]:
    """Email (mail/), only when PESANAN_SMTP_HOST is set: the mail consumer turns events into
    pending messages (once per event and kind, with its cursor), then the sender hands the due
    ones to the SMTP server after commit (leased, retried per delivery/backoff.py)."""
    if not container.settings.smtp_host:
        return []
    return [Task("mail.compose", lambda c: mail_consumer.run_once(c.engine), 0.5),
            Task("mail.send", lambda c: mail_send.send_pending(c.engine, c.settings), 1.0)]
