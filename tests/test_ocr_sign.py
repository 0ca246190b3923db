"""Signed numbers in pictures of tables (本年增/减): a scan's faint minus is read, or the cell is
blank with a warning naming it; never a number without its minus, never a minus from a speck."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from crawler.demo.tableimage import FONT_HINT, SpanCell, cjk_font_path, jpeg_bytes, render_table, scanned
from crawler.report import ocr, ocrtable
from crawler.report.ocrsign import Lead, lead_of

needs_engine = pytest.mark.skipif(ocr.missing_reason() is not None, reason=str(ocr.missing_reason()))
needs_font = pytest.mark.skipif(cjk_font_path() is None, reason=f"no CJK font to draw tables with: {FONT_HINT}")

LABELS = ("行政许可", "其他对外管理服务事项", "行政处罚", "行政强制")
CHANGE_COLUMN = 2
FIRST_VALUE_ROW = 2
PREVIOUS, DECISIONS = "120", "35"  # the unsigned columns' values
NEGATIVES = [f"-{n}" for n in (*range(1, 10), 10, 47, 105)]
POSITIVES = ["4", "7", "1", "47"]
SCAN_SEEDS = (0, 1)
MIN_NEGATIVES_READ = 0.5  # of the scanned negatives: blanking every one would be safe but useless


def _table(values: list[str], header: str = "本年增/减") -> list[list[SpanCell]]:
    """Table 二's block of the 2019 template (第二十条第（五）项), one change value per row."""
    rows = [[SpanCell("第二十条第（五）项", colspan=4)],
            [SpanCell("信息内容"), SpanCell("上一年项目数量"), SpanCell(header), SpanCell("处理决定数量")]]
    rows += [[SpanCell(lab), SpanCell(PREVIOUS), SpanCell(v), SpanCell(DECISIONS)]
             for lab, v in zip(LABELS, values, strict=False)]
    return rows


def _tally(values: list[str], seeds: tuple[int, ...] | None, header: str = "本年增/减") -> dict[str, list[str]]:
    """right / blank / wrong cells of the tables holding `values` (scanned at each seed, or PNG)."""
    out: dict[str, list[str]] = {"right": [], "blank": [], "wrong": []}
    for seed in seeds or (None,):
        for i in range(0, len(values), len(LABELS)):
            chunk = values[i : i + len(LABELS)]
            img = render_table(_table(chunk, header))
            if seed is not None:
                img = Image.open(io.BytesIO(jpeg_bytes(scanned(img, seed * 100 + i))))
            table = ocrtable.read_image(img).tables[0]
            for r, want in enumerate(chunk):
                row = table.grid[FIRST_VALUE_ROW + r]
                for c, truth in ((CHANGE_COLUMN, want), (1, PREVIOUS), (3, DECISIONS)):
                    got = row[c]
                    where = f"row {FIRST_VALUE_ROW + r + 1}, column {c + 1}:"
                    if got == truth:
                        out["right"].append(truth)
                    elif got == "":
                        assert any(where in w for w in table.warnings), (seed, truth, table.warnings)
                        out["blank"].append(truth)
                    else:
                        out["wrong"].append(f"seed {seed}: {got!r} for {truth!r}")
    return out


@needs_engine
@needs_font
@pytest.mark.parametrize("seeds", [SCAN_SEEDS, None], ids=["scanned-jpeg", "png"])
def test_negative_changes_are_right_or_blank(seeds: tuple[int, ...] | None) -> None:
    got = _tally(NEGATIVES, seeds)
    assert not got["wrong"], got["wrong"]
    negatives_read = sum(1 for v in got["right"] if v.startswith("-"))
    runs = len(seeds or (None,))
    if seeds is None:  # at screen resolution every minus is read
        assert negatives_read == len(NEGATIVES)
    assert negatives_read >= MIN_NEGATIVES_READ * len(NEGATIVES) * runs, got


@needs_engine
@needs_font
@pytest.mark.parametrize("header", ["本年增/减", "处理决定数量"])
def test_positive_numbers_never_gain_a_minus(header: str) -> None:
    """Specks of the scan left of a positive number do not make it negative, in a signed column
    or not."""
    got = _tally(POSITIVES, SCAN_SEEDS, header)
    assert not got["wrong"], got["wrong"]
    assert len(got["right"]) >= len(got["blank"]), got


def _cell(strokes: list[tuple[int, int, int, int]]) -> np.ndarray:
    """A white 40×100 cell, ruled, with a digit-like bar (x 60–66, y 10–30) and extra strokes."""
    cell = np.full((40, 100), 235, np.uint8)
    cell[:2, :] = cell[-2:, :] = cell[:, :2] = cell[:, -2:] = 30
    cell[10:30, 60:66] = 40
    for x0, y0, x1, y1 in strokes:
        cell[y0:y1, x0:x1] = 40
    return cell


FONT = 20


@pytest.mark.parametrize(("strokes", "lead"), [
    ([], Lead.NOTHING),
    ([(50, 19, 56, 21)], Lead.MINUS),  # a flat stroke at mid-height, close to the digit
    ([(50, 20, 51, 21), (45, 12, 46, 13)], Lead.NOTHING),  # specks
    ([(50, 11, 56, 13)], Lead.INK),  # flat, but at the digit's top: not a minus
    ([(50, 16, 56, 22)], Lead.INK),  # a blob (lower than a digit)
    ([(50, 19, 56, 21), (44, 19, 47, 21)], Lead.INK),  # two strokes: not sure which is what
    ([(54, 19, 60, 21)], Lead.JOINED),  # joined to the digit
])
def test_lead_of_reads_the_pixels_left_of_the_digits(strokes: list[tuple[int, int, int, int]], lead: Lead) -> None:
    assert lead_of(_cell(strokes), FONT) is lead


@pytest.mark.parametrize(("text", "lead", "want"), [
    ("7", Lead.MINUS, "-7"),
    ("-7", Lead.MINUS, "-7"),
    ("7", Lead.NOTHING, "7"),
    ("-7", Lead.NOTHING, ""),  # a minus the pixels do not show
    ("7", Lead.INK, ""),
    ("4", Lead.JOINED, ""),  # 4's own bar, or a minus joined to it
    ("-4", Lead.JOINED, "-4"),
    ("7", None, ""),  # several lines: not checked
])
def test_signed_takes_the_sign_the_pixels_show(text: str, lead: Lead | None, want: str) -> None:
    got, why = ocrtable._signed(text, lead)
    assert got == want
    assert bool(why) == (want == "")


def test_unsigned_columns_never_take_a_minus() -> None:
    assert ocrtable._unsigned("7") == ("7", "")
    got, why = ocrtable._unsigned("-7")
    assert got == "" and "cannot be negative" in why


def test_a_column_may_be_negative_by_its_own_header_or_when_that_is_not_read() -> None:
    title = "第二十条第（五）项"
    grid: ocrtable.Grid = [[title] * 4, ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
                           ["行政许可", "120", "", "35"], ["行政处罚", "120", "7", "35"]]
    assert [ocrtable._signed_column(grid, 3, c, c) for c in (1, 2, 3)] == [False, True, False]
    grid[1][3] = ""  # a header not read: only the title, wider than the cell, is above
    assert ocrtable._signed_column(grid, 3, 3, 3)
    merged: ocrtable.Grid = [[title] * 4, ["信息内容", *["本年处理决定数量"] * 3], ["行政许可", *["9111"] * 3]]
    assert not ocrtable._signed_column(merged, 2, 1, 3)  # the header spans the cell's own columns
