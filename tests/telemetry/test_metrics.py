"""/metrics: request latency by route template (never the raw path), and the shop's counts read
from the database at scrape time (orders placed, outbox lag), on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import insert

from pesanan.app import create_app
from pesanan.bootstrap import Container, build
from pesanan.config import Settings
from pesanan.core.clock import now
from pesanan.core.ids import new_id
from pesanan.events import consumers
from pesanan.events.relay import stamp_pending
from pesanan.jobs.models import scheduled_job
from pesanan.webhooks.models import webhook_attempt, webhook_delivery, webhook_endpoint
from tests.factories import Api
from tests.telemetry.helpers import samples, value

ORDER = "/api/v1/orders/{order_id}"
COUNT = "pesanan_http_request_duration_seconds_count"


def _scrape(client: TestClient) -> str:
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain; version=0.0.4")
    return resp.text


def test_a_request_is_counted_under_its_route_template_method_and_status_class(
        api: Api) -> None:
    before = value(_scrape(api.client), COUNT, route=ORDER, method="GET", status="4xx") or 0
    ids = [new_id(), new_id(), new_id()]
    for order_id in ids:
        assert api.get(f"/orders/{order_id}").status_code == 404
    text = _scrape(api.client)
    assert value(text, COUNT, route=ORDER, method="GET", status="4xx") == before + 3
    # The ids themselves never became label values: one series per route, however many orders.
    assert not [labels for _, labels, _ in samples(text)
                if any(i in v for i in ids for v in labels.values())]


def test_paths_no_route_matches_share_one_label_value(client: TestClient) -> None:
    before = value(_scrape(client), COUNT, route="unmatched", method="GET", status="4xx") or 0
    for n in range(5):
        assert client.get(f"/no-such-page/{new_id()}/{n}").status_code == 404
    text = _scrape(client)
    assert value(text, COUNT, route="unmatched", method="GET", status="4xx") == before + 5
    routes = {labels["route"] for name, labels, _ in samples(text) if name == COUNT}
    assert not [r for r in routes if r.startswith("/no-such-page")]


def test_the_orders_placed_come_from_the_database_so_every_process_reports_them(
        api: Api, container: Container) -> None:
    before = _scrape(api.client)
    # Every channel has its series from the start, so a rate sees the first order.
    assert [value(before, "pesanan_orders_total", channel=c) for c in ("web", "pos", "phone")
            ] == [0, 0, 0]
    p = api.product()
    loc = api.location()
    api.stock(p["sku"], loc["id"], 10)
    customer = api.customer()
    api.order(customer["id"], [(p["sku"], 1)])
    api.order(customer["id"], [(p["sku"], 1)])
    api.order(customer["id"], [(p["sku"], 1)], channel="phone", keyed_by="Sam",
              keyed_at_location_id=loc["id"])
    assert value(_scrape(api.client), "pesanan_orders_total", channel="web") == 2
    # Another process (its own app and container, same database) reports the same numbers.
    other = build(container.settings)
    try:
        with TestClient(create_app(other)) as second:
            text = _scrape(second)
    finally:
        other.close()
    assert value(text, "pesanan_orders_total", channel="web") == 2
    assert value(text, "pesanan_orders_total", channel="phone") == 1


def test_outbox_lag_counts_events_until_the_relay_stamps_them(
        api: Api, container: Container) -> None:
    api.product()  # product.created: one event, not stamped yet
    text = _scrape(api.client)
    assert value(text, "pesanan_outbox_unstamped_events") == 1
    assert (value(text, "pesanan_outbox_lag_seconds") or 0) > 0
    assert value(text, "pesanan_database_up") == 1
    stamp_pending(container.engine)
    text = _scrape(api.client)
    assert value(text, "pesanan_outbox_unstamped_events") == 0
    assert value(text, "pesanan_outbox_lag_seconds") == 0


def test_each_consumer_shows_how_many_events_and_how_long_it_is_behind(
        api: Api, container: Container) -> None:
    api.product()
    api.product()
    stamp_pending(container.engine)
    with container.engine.begin() as conn:
        consumers.claim(conn, "test-consumer")  # a new consumer starts at 0
    text = _scrape(api.client)
    assert value(text, "pesanan_event_consumer_behind_events", consumer="test-consumer") == 2
    assert (value(text, "pesanan_event_consumer_lag_seconds", consumer="test-consumer")
            or 0) > 0
    with container.engine.begin() as conn:
        consumers.claim(conn, "test-consumer")
        consumers.advance(conn, "test-consumer", consumers.newest_position(conn))
    text = _scrape(api.client)
    assert value(text, "pesanan_event_consumer_behind_events", consumer="test-consumer") == 0
    assert value(text, "pesanan_event_consumer_lag_seconds", consumer="test-consumer") == 0


def test_with_a_token_set_metrics_needs_it(container: Container) -> None:
    guarded = build(container.settings.model_copy(update={"metrics_token": "s3cret"}))
    try:
        with TestClient(create_app(guarded)) as client:
            refused = client.get("/metrics")
            wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
            ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
    finally:
        guarded.close()
    assert refused.status_code == wrong.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert "pesanan_orders" not in refused.text
    assert ok.status_code == 200 and "pesanan_database_up 1.0" in ok.text


def test_a_database_that_does_not_answer_still_shows_latency(tmp_path: object) -> None:
    down = build(Settings(database_url=f"sqlite:///{tmp_path}/missing/dir/x.db",
                          pool_timeout=2, secret_key="test"))
    try:
        with TestClient(create_app(down)) as client:
            client.get("/healthz")
            text = _scrape(client)
    finally:
        down.close()
    assert value(text, "pesanan_database_up") == 0
    assert (value(text, COUNT, route="/healthz", method="GET", status="2xx") or 0) >= 1
    assert value(text, "pesanan_orders_total", channel="web") is None  # unknown, not 0


def test_what_the_workers_recorded_is_counted_at_scrape_time(
        client: TestClient, container: Container) -> None:
    # Rows as the worker writes them (webhooks/deliver.py, jobs/service.py): the scrape reads
    # the database, so it counts them whichever process did the work.
    at = now()
    endpoint = {"id": new_id(), "url": "https://example.com/hook", "event_types": [],
                "secret_sealed": "x", "status": "enabled", "created_at": at, "updated_at": at}
    delivery = {"endpoint_id": endpoint["id"], "event_type": "order.placed", "position": 1,
                "aggregate_type": "order", "aggregate_id": new_id(), "payload": "{}",
                "attempts": 1, "queued_attempts": 0, "next_attempt_at": at, "created_at": at}
    delivered, waiting = new_id(), new_id()
    with container.engine.begin() as conn:
        conn.execute(insert(webhook_endpoint).values(endpoint))
        conn.execute(insert(webhook_delivery), [
            {**delivery, "id": delivered, "event_id": new_id(), "status": "delivered"},
            {**delivery, "id": waiting, "event_id": new_id(), "status": "pending"}])
        conn.execute(insert(webhook_attempt), [
            {"id": new_id(), "delivery_id": d, "attempted_at": at, "status": s,
             "latency_ms": 5, "outcome": o}
            for d, s, o in [(waiting, None, "retry"), (delivered, 503, "retry"),
                            (delivered, 204, "delivered")]])
        conn.execute(insert(scheduled_job).values(
            name="purge_idempotency_keys", enabled=True, every_seconds=3600, params={},
            next_run_at=at, runs=7, failures=2, created_at=at, updated_at=at))
    text = _scrape(client)
    assert value(text, "pesanan_webhook_attempts_logged", outcome="retry") == 2
    assert value(text, "pesanan_webhook_attempts_logged", outcome="delivered") == 1
    assert value(text, "pesanan_webhook_attempts_logged", outcome="failed") is None
    assert value(text, "pesanan_webhook_deliveries", status="pending") == 1
    assert value(text, "pesanan_webhook_deliveries", status="delivered") == 1
    assert value(text, "pesanan_job_runs_total", job="purge_idempotency_keys",
                 outcome="ok") == 5
    assert value(text, "pesanan_job_runs_total", job="purge_idempotency_keys",
                 outcome="failed") == 2


def test_a_method_no_route_knows_is_one_label_value_too(client: TestClient) -> None:
    before = value(_scrape(client), COUNT, route="/healthz", method="other", status="4xx") or 0
    for word in ("BREW", "STEEP", "POUR"):
        assert client.request(word, "/healthz").status_code == 405
    text = _scrape(client)
    assert value(text, COUNT, route="/healthz", method="other", status="4xx") == before + 3
    assert not [labels for _, labels, _ in samples(text) if labels.get("method") == "BREW"]
