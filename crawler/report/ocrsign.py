"""Is there a minus left of a number the OCR read? Looked for in the cell's pixels.

On a scan (150 dpi, blurred, grey) the minus of "-7" is a faint stroke of a few pixels that the
recogniser can leave out, reading 7 at full confidence: a wrong value. So the reading of a number
is checked against the ink left of its digits, at the digits' height:

- nothing there but dust → the number as read (a "-" read where no stroke is: not sure);
- a flat stroke at the digits' mid-height, close to them → a minus;
- any other ink → not sure what it is.

The caller decides what a minus means (only 本年增/减 columns may be negative).
"""

from __future__ import annotations

from enum import Enum

import cv2
import numpy as np

EDGE_PX = 4  # cell edge left out: the rules and their blur
DIGIT_MIN_FONTS = 0.4  # a digit is at least this many text heights tall (a minus is far flatter)
FAINT_SHARE = 0.35  # ink: darker than the paper by this share of the paper-to-digits contrast
DIGIT_INK_PERCENTILE = 10  # the digits' ink level (their darkest pixels, not their blurred edges)
LOOK_FONTS = 1.0  # how far left of the digits ink is looked for, in text heights
DUST_MAX_PX = 2  # a component this small either way is a speck (dust, toner)
DASH_MIN_FONTS = 0.12  # a minus is at least this wide (the 4×1 minus of a 16 px "-1" on screen)
DASH_MAX_FONTS = 0.2  # … and at most this tall
DASH_FLATNESS = 1.5  # … and this many times wider than tall (a scan's blur thickens it)
DASH_MID = (0.25, 0.8)  # its centre lies in this share of the digits' height, from their top
DASH_GAP_FONTS = 0.6  # … and at most this far from the first digit
# A minus the blur joined to its digit ("-4": at the height of 4's bar) is a flat lead of the first
# digit this long; a digit's own flat end ("4", "7", "2") is shorter.
JOINED_MIN_FONTS = 0.25


class Lead(Enum):
    """What is left of a number's digits in its cell."""

    NOTHING = "nothing"
    MINUS = "minus"
    JOINED = "joined"  # a flat lead joined to the first digit: a minus, or part of the digit
    INK = "ink"  # a stroke that is neither dust nor a minus


def lead_of(cell: np.ndarray, font: int) -> Lead:
    """What stands left of the digits in a cell's picture (RGB, rules included)."""
    gray = cv2.cvtColor(cell, cv2.COLOR_RGB2GRAY) if cell.ndim == 3 else cell
    inner = gray[EDGE_PX:-EDGE_PX, EDGE_PX:-EDGE_PX]
    if inner.size == 0:
        return Lead.NOTHING
    _, strong = cv2.threshold(inner, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(strong, connectivity=8)
    digits = [i for i in range(1, n) if stats[i][cv2.CC_STAT_HEIGHT] >= DIGIT_MIN_FONTS * font]
    if not digits:
        return Lead.NOTHING
    top = min(int(stats[i][cv2.CC_STAT_TOP]) for i in digits)
    bottom = max(int(stats[i][cv2.CC_STAT_TOP] + stats[i][cv2.CC_STAT_HEIGHT]) for i in digits)
    first = min(digits, key=lambda i: int(stats[i][cv2.CC_STAT_LEFT]))
    left = int(stats[first][cv2.CC_STAT_LEFT])
    paper = float(np.median(inner))
    ink_level = float(np.percentile(inner[strong > 0], DIGIT_INK_PERCENTILE))
    faint = (inner < paper - FAINT_SHARE * (paper - ink_level)).astype(np.uint8)
    x0 = max(0, left - int(LOOK_FONTS * font))
    region = faint[top:bottom, x0:left]
    if region.size == 0:
        return Lead.NOTHING
    n, _, stats, _ = cv2.connectedComponentsWithStats(region, connectivity=8)
    found = Lead.NOTHING
    for s in stats[1:]:
        w, h = int(s[cv2.CC_STAT_WIDTH]), int(s[cv2.CC_STAT_HEIGHT])
        if max(w, h) <= DUST_MAX_PX:
            continue
        mid = (int(s[cv2.CC_STAT_TOP]) + h / 2) / max(1, bottom - top)
        gap = region.shape[1] - int(s[cv2.CC_STAT_LEFT] + w)
        dash = (w >= DASH_MIN_FONTS * font and h <= max(1.0, DASH_MAX_FONTS * font) and w >= DASH_FLATNESS * h
                and DASH_MID[0] <= mid <= DASH_MID[1] and gap <= DASH_GAP_FONTS * font)
        if not dash or found is Lead.MINUS:  # anything else, or a second stroke: not sure
            return Lead.INK
        found = Lead.MINUS
    if found is Lead.NOTHING and _flat_lead(labels == first, top, bottom, font) >= JOINED_MIN_FONTS * font:
        return Lead.JOINED
    return found


def _flat_lead(digit: np.ndarray, top: int, bottom: int, font: int) -> int:
    """How many columns the digit's mask starts with that are flat strokes at mid-height."""
    cols = np.flatnonzero(digit.any(axis=0))
    run = 0
    for c in range(int(cols[0]), int(cols[-1]) + 1):
        rows = np.flatnonzero(digit[:, c])
        if not len(rows):
            break
        height = int(rows[-1] - rows[0] + 1)
        mid = ((rows[0] + rows[-1]) / 2 - top) / max(1, bottom - top)
        if height > max(1.0, DASH_MAX_FONTS * font) or not DASH_MID[0] <= mid <= DASH_MID[1]:
            break
        run += 1
    return run
