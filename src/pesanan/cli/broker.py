"""`pesanan broker status`: the NATS JetStream publisher (run by `pesanan worker` when
PESANAN_NATS_URL is set) against the event feed: its cursor, the newest event, how far behind."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer

from pesanan.broker.lag import publish_lag
from pesanan.cli import console, container

app: typer.Typer = typer.Typer(help="The NATS JetStream publisher (run by `pesanan worker`)",
                              no_args_is_help=True)


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False
           ) -> None:
    """Where the broker publisher has got to: its position, the newest stamped position and the
    age of the oldest event not yet on the broker."""
    with container() as c, c.read_engine.connect() as conn:
        lag = publish_lag(conn)
        s = c.settings
    shown = {"enabled": bool(s.nats_url), "url": s.nats_url, "stream": s.nats_stream,
             "subjects": f"{s.nats_subject_prefix}.>", **lag}
    if as_json:
        console.print(orjson.dumps(shown).decode(), markup=False, highlight=False,
                      soft_wrap=True)
        return
    state = f"on, {s.nats_url}" if s.nats_url else "off (PESANAN_NATS_URL is empty)"
    console.print(f"broker: {state}; stream {s.nats_stream}, subjects {shown['subjects']}\n"
                  f"position {lag['position']} of {lag['newest_position']} "
                  f"({lag['behind']} behind); oldest unpublished event "
                  f"{lag['oldest_unpublished_seconds']:.1f} s old",
                  markup=False, highlight=False, soft_wrap=True)
