"""Counting rules and the stock CSV reader, without a database."""

from __future__ import annotations

from pesanan.inventory.counting import below_reserved, parse_stock_csv


def test_a_count_below_reserved_is_a_problem_and_at_reserved_is_not() -> None:
    problem = below_reserved(2, 3)
    assert problem is not None and problem.code == "below_reserved"
    assert below_reserved(3, 3) is None


def test_rows_are_numbered_as_in_the_file_and_blank_lines_skipped() -> None:
    rows, problems = parse_stock_csv("\ufeffSKU, Location ,on_hand\r\nA,WH,3\r\n\r\nB,WH,0\r\n")
    assert problems == []
    assert [(r.row, r.sku, r.location, r.on_hand, r.problems) for r in rows] == [
        (2, "A", "WH", 3, []), (4, "B", "WH", 0, [])]


def test_columns_may_come_in_any_order() -> None:
    rows, _ = parse_stock_csv("on_hand,sku,location\n5,A,WH\n")
    assert (rows[0].sku, rows[0].location, rows[0].on_hand) == ("A", "WH", 5)


def test_each_bad_row_says_what_is_wrong() -> None:
    rows, _ = parse_stock_csv("sku,location,on_hand\n,WH,1\nA,,x\nB,WH,-1\nB,WH,2\nC,WH\n")
    assert [(r.row, [p.code for p in r.problems]) for r in rows] == [
        (2, ["required"]), (3, ["required", "not_integer"]), (4, ["negative"]),
        (5, ["duplicate"]), (6, ["wrong_columns"])]


def test_a_bad_header_or_an_empty_file_refuses_the_whole_file() -> None:
    assert [p.code for p in parse_stock_csv("sku,qty\nA,1\n")[1]] == ["bad_header"]
    assert "missing location, on_hand; unknown qty" in parse_stock_csv("sku,qty\n")[1][0].message
    assert [p.code for p in parse_stock_csv("")[1]] == ["empty"]
    assert [p.code for p in parse_stock_csv("sku,sku,location,on_hand\n")[1]] == ["bad_header"]
