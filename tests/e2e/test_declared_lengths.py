"""A text field's length limit is the column's, in validation and in the OpenAPI document:
`Text = Field(max_length=n)` let core.schema.Text's own 200 win, so a 101-200 character carrier
name reached VARCHAR(100) and PostgreSQL answered 500 (schemathesis found it)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.dbs import row_counts
from tests.factories import Api


def test_a_carrier_name_longer_than_its_column_is_refused_and_nothing_is_stored(
        api: Api) -> None:
    api.key("admin")
    before = row_counts(api.container.engine)
    resp = api.post("/carriers", {"code": "SB9", "name": "0" * 101})
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["type"] == "/problems/validation-error"
    assert [e["field"] for e in body["errors"]] == ["name"]
    assert row_counts(api.container.engine) == before


def test_a_carrier_name_as_long_as_its_column_is_stored(api: Api) -> None:
    created = api.ok(api.post("/carriers", {"code": "SB9", "name": "0" * 100}), 201)
    assert created["name"] == "0" * 100


def test_a_customer_city_longer_than_its_column_is_refused_and_nothing_is_stored(
        api: Api) -> None:
    api.key("admin")
    before = row_counts(api.container.engine)
    resp = api.post("/customers", {"name": "Ada Buyer", "email": "ada@example.com",
                                   "addresses": [{"line1": "1 Jalan Sudirman",
                                                  "city": "J" * 101, "country": "ID"}]})
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["type"] == "/problems/validation-error"
    assert [e["field"] for e in body["errors"]] == ["addresses[0].city"]
    assert row_counts(api.container.engine) == before


def test_the_document_states_each_column_length(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["CarrierCreate"]["properties"]["name"]["maxLength"] == 100
    assert schemas["CreateShipment"]["properties"]["carrier"]["maxLength"] == 60
    assert schemas["TplShipment"]["properties"]["carrier"]["maxLength"] == 60
    assert schemas["AddressIn"]["properties"]["city"]["maxLength"] == 100
