"""Pieces of the file and history pages that need no service: month windows and text cut at a byte limit."""

import datetime

from hub.deltas.file_view import _as_text
from hub.deltas.history import _month_starts


def test_the_twelve_months_cross_a_year_boundary_oldest_first():
    months = _month_starts(datetime.date(2026, 1, 31), 12)
    assert months[0] == datetime.date(2025, 2, 1) and months[-1] == datetime.date(2026, 1, 1)
    assert len(set(months)) == 12 and months == sorted(months)


def test_a_december_window_ends_in_december():
    assert _month_starts(datetime.date(2026, 12, 1), 2) == [datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)]


def test_a_character_cut_by_the_read_limit_is_left_out_of_a_partial_read():
    data = "añb".encode()[:2]  # "a" and the first byte of "ñ"
    assert _as_text(data, final=False) == "a"


def test_a_whole_file_that_is_not_utf8_or_holds_nul_is_binary():
    assert _as_text("añ".encode()[:2], final=True) is None
    assert _as_text(b"text\x00more", final=True) is None
    assert _as_text(b"plain text\n", final=True) == "plain text\n"
