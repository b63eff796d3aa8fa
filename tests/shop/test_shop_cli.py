"""`pesanan shop show|set` against the test databases: a good change is saved and printed, a bad
one exits non-zero with a sentence naming the field and changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from pesanan.bootstrap import Container
from pesanan.cli import app
from pesanan.config import get_settings
from pesanan.shop import service
from tests.dbs import snapshot

Cli = Callable[..., Result]


@pytest.fixture
def cli(container: Container, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.setenv("PESANAN_DATABASE_URL", container.settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


def test_show_prints_the_defaults(cli: Cli) -> None:
    out = cli("shop", "show")
    assert out.exit_code == 0, out.output
    assert "Pesanan demo shop" in out.output and "UTC" in out.output


def test_set_changes_the_fields_given_and_shows_them(
        cli: Cli, container: Container, tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    out = cli("shop", "set", "--legal-name", "PT Pesanan Nusantara", "--time-zone",
              "Asia/Jakarta", "--locale", "id_ID", "--tax-id", "01.234.567.8-012.000",
              "--logo", str(logo))
    assert out.exit_code == 0, out.output
    assert "PT Pesanan Nusantara" in out.output and "Asia/Jakarta" in out.output
    with container.engine.connect() as conn:
        p = service.profile(conn)
    assert (p.legal_name, p.time_zone, p.locale, p.tax_id) == (
        "PT Pesanan Nusantara", "Asia/Jakarta", "id_ID", "01.234.567.8-012.000")
    assert p.logo_type == "image/png" and p.currency == "IDR"
    assert cli("shop", "set", "--tax-id", "", "--no-logo").exit_code == 0
    with container.engine.connect() as conn:
        p = service.profile(conn)
    assert p.tax_id is None and p.logo is None and p.legal_name == "PT Pesanan Nusantara"


@pytest.mark.parametrize(("args", "says"), [
    (["--time-zone", "Jakarta"], "time_zone: 'Jakarta' is not an IANA time zone"),
    (["--locale", "fr_FR"], "locale: 'fr_FR' is not a supported locale"),
    (["--currency", "RUPIAH"], "currency: 'RUPIAH' is not a currency"),
    (["--invoice-prefix", "inv"], "invoice_prefix: A prefix is 1-10 characters"),
    (["--legal-name", ""], "legal_name: The shop's legal name may not be empty"),
    (["--logo", "/nonexistent/logo.png"], "logo"),
    ([], "nothing to change"),
])
def test_a_bad_setting_exits_non_zero_saying_why_and_changes_nothing(
        cli: Cli, container: Container, args: list[str], says: str) -> None:
    assert cli("shop", "set", "--legal-name", "PT Lama").exit_code == 0
    before = snapshot(container.engine)
    out = cli("shop", "set", *args)
    assert out.exit_code == 2, out.output
    assert says in " ".join(out.output.split())
    assert snapshot(container.engine) == before
