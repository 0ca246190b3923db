"""A picture of a page or of a table → ruled tables as grids, and the text around them.

The rules of a table are found in the pixels (straightened first: scans are skewed), which gives
the cells, merged cells included (a missing rule between two cells merges them). The text inside
each cell is cut into lines and recognised by the OCR engine; a cell whose reading is not sure
enough is left blank with a warning naming it, never guessed. The grids come out like HTML grids
(a merged cell's text repeated over the positions it covers), so the template reader that reads
every other source reads these too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from crawler.report import ocr
from crawler.report.ocrlabels import snap
from crawler.report.ocrsign import Lead, lead_of
from crawler.report.values import norm, parse_cell

Grid = list[list[str | None]]

# A number is only taken when every view reads the same digits, the surest view at least this
# sure (0–1) and the least sure at least NUMBER_AGREE_CONFIDENCE. On our rendered and scanned tables
# no two views ever agreed on a wrong number; a lone 7 on a scanned page scores 0.86–0.95 (README).
NUMBER_MIN_CONFIDENCE = 0.95
NUMBER_AGREE_CONFIDENCE = 0.85
# Labels are matched loosely by the template reader, but a misread label could move a row:
# below this, the label is dropped (and its row's values are then not read).
TEXT_MIN_CONFIDENCE = 0.8
MAX_SKEW_DEG = 3.0  # scans straighter than this are straightened; worse ones are read as they are
SKEW_STEP_DEG = 0.1
SKEW_SAMPLE_PX = 1000  # skew is measured on a copy this wide
LINE_KERNEL_FONTS = 1.4  # a rule is a run of ink longer than this many text heights
LINE_MIN_FONTS = 4.0  # total length of one rule position (dashes in cells are shorter)
RULE_BAND_PX = 3  # a rule is looked for this far either side of its position
RULE_PRESENT = 0.6  # share of a cell edge that must be ruled for the edge to separate two cells
SPECK_PX = 4  # ink components no larger than this are dust, not strokes (but flat ones are dashes)
DASH_MIN_PX = 3
DASH_FLATNESS = 2  # a dash is at least this many times wider than tall
CROP_PAD_PX = 2
VIEW_MARGINS = (0.25, 0.5)  # white margins around a line of text, as shares of its height
LINE_FONTS = 1.25  # ink bands spanning at most this many text heights are one line of text
MIN_FONT_PX = 8


@dataclass
class OcrTable:
    grid: Grid
    top: float  # position on the picture, for reading order
    confidence: float  # the lowest confidence of the numbers taken (labels are matched to the template's)
    warnings: list[str] = field(default_factory=list)


@dataclass
class PageRead:
    """What one picture holds: text lines outside tables (top to bottom), and the ruled tables."""

    lines: list[tuple[float, str]] = field(default_factory=list)
    tables: list[OcrTable] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skew_deg: float = 0.0


# ---------------------------------------------------------------- pixels


def _ink(gray: np.ndarray) -> np.ndarray:
    """Dark pixels (Otsu threshold: paper and ink of any greyness)."""
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return binary > 0


def _rotate(img: np.ndarray, angle: float, fill: int) -> np.ndarray:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=fill)


def skew_angle(ink: np.ndarray) -> float:
    """The rotation (degrees) that makes rows of ink most horizontal: the row profile is sharpest."""
    h, w = ink.shape
    scale = min(1.0, SKEW_SAMPLE_PX / max(w, 1))
    small = cv2.resize(ink.astype(np.uint8) * 255, (max(1, int(w * scale)), max(1, int(h * scale))),
                       interpolation=cv2.INTER_AREA)
    best, best_score = 0.0, -1.0
    for a in np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + SKEW_STEP_DEG / 2, SKEW_STEP_DEG):
        prof = _rotate(small, float(a), 0).sum(axis=1, dtype=np.float64)
        score = float((prof**2).sum())
        if score > best_score:
            best, best_score = float(a), score
    return round(best, 2)


def _font_px(ink: np.ndarray) -> int:
    """Height of a line of text, from the ink's connected components (big ones are rules)."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    hs = [int(s[cv2.CC_STAT_HEIGHT]) for s in stats[1:]
          if SPECK_PX < s[cv2.CC_STAT_HEIGHT] < 100 and s[cv2.CC_STAT_WIDTH] < 100]
    return max(MIN_FONT_PX, int(np.percentile(hs, 90))) if hs else 16


def _rules(ink: np.ndarray, font: int) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical rule masks: runs of ink longer than any stroke of a character."""
    k = max(MIN_FONT_PX * 2, int(font * LINE_KERNEL_FONTS))
    img = ink.astype(np.uint8)
    h = cv2.morphologyEx(img, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    v = cv2.morphologyEx(img, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, k)))
    return h > 0, v > 0


def _positions(profile: np.ndarray, min_total: float) -> list[int]:
    """Centres of runs of consecutive indexes whose summed profile reaches min_total."""
    out: list[int] = []
    idx = np.flatnonzero(profile > 0)
    if not len(idx):
        return out
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    for run in runs:
        if profile[run].max() >= min_total:
            out.append(int(round(float(np.average(run, weights=profile[run])))))
    return out


# ---------------------------------------------------------------- reading


def read_image(img: Image.Image) -> PageRead:
    """Tables and text of one picture."""
    rgb = np.array(img.convert("RGB"))
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    page = PageRead()
    ink = _ink(gray)
    angle = skew_angle(ink)
    if abs(angle) >= SKEW_STEP_DEG:
        page.skew_deg = angle
        rgb = _rotate(rgb, angle, 255)
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        ink = _ink(gray)
    font = _font_px(ink)
    hmask, vmask = _rules(ink, font)
    rules = (hmask | vmask).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(
        cv2.dilate(rules, np.ones((RULE_BAND_PX, RULE_BAND_PX), np.uint8)), connectivity=8)
    text_ink = ink & ~(cv2.dilate(rules, np.ones((2 * RULE_BAND_PX + 1,) * 2, np.uint8)) > 0)
    covered = np.zeros(ink.shape, bool)
    for i in range(1, n):
        x, y, w, h = (int(stats[i][c]) for c in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                                  cv2.CC_STAT_HEIGHT))
        if w < 4 * font or h < 2 * font:
            continue
        table = _read_table(rgb, text_ink, hmask, vmask, (x, y, w, h), font, len(page.tables) + 1)
        if table is not None:
            page.tables.append(table)
            covered[y : y + h, x : x + w] = True
    page.tables.sort(key=lambda t: t.top)
    rest = text_ink & ~covered
    if _has_text(rest):
        masked = rgb.copy()
        masked[covered] = 255
        page.lines = _text_lines(ocr.find_text(masked))
    return page


def _has_text(ink: np.ndarray) -> bool:
    """Whether some ink outside the tables is more than dust (then the detector is worth running)."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    big = [s for s in stats[1:] if max(s[cv2.CC_STAT_WIDTH], s[cv2.CC_STAT_HEIGHT]) > SPECK_PX]
    return len(big) >= 2


def _text_lines(boxes: list[ocr.TextBox]) -> list[tuple[float, str]]:
    """Boxes on one line (overlapping heights) joined left to right, a tab between distant ones."""
    lines: list[list[ocr.TextBox]] = []
    for b in sorted(boxes, key=lambda b: (b.y0 + b.y1) / 2):
        if b.confidence < TEXT_MIN_CONFIDENCE:
            continue
        mid = (b.y0 + b.y1) / 2
        if lines and abs(mid - np.mean([(x.y0 + x.y1) / 2 for x in lines[-1]])) < (b.y1 - b.y0) / 2:
            lines[-1].append(b)
        else:
            lines.append([b])
    out = []
    for ln in lines:
        ln.sort(key=lambda b: b.x0)
        text = ln[0].text
        for a, b in zip(ln, ln[1:], strict=False):
            gap = b.x0 - a.x1
            text += ("\t" if gap > 2 * (b.y1 - b.y0) else "") + b.text
        out.append((ln[0].y0, text))
    return out


class _Cells:
    """Union-find over grid positions: positions not separated by a rule are one cell."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _read_table(rgb: np.ndarray, text_ink: np.ndarray, hmask: np.ndarray, vmask: np.ndarray,
                box: tuple[int, int, int, int], font: int, number: int) -> OcrTable | None:
    x, y, w, h = box
    band = RULE_BAND_PX
    min_len = max(LINE_MIN_FONTS * font, 0)
    ys = _positions(hmask[y : y + h, x : x + w].sum(axis=1), min_len)
    xs = _positions(vmask[y : y + h, x : x + w].sum(axis=0), 2 * font)
    if len(ys) < 2 or len(xs) < 2:
        return None
    ys = [y + v for v in ys]
    xs = [x + v for v in xs]
    nr, nc = len(ys) - 1, len(xs) - 1
    cells = _Cells(nr * nc)

    def ruled(mask: np.ndarray, axis_pos: int, lo: int, hi: int, vertical: bool) -> bool:
        lo, hi = lo + band, hi - band  # the crossing rules are not evidence for this edge
        if hi <= lo:
            return True
        strip = (mask[lo:hi, axis_pos - band : axis_pos + band + 1].any(axis=1) if vertical
                 else mask[axis_pos - band : axis_pos + band + 1, lo:hi].any(axis=0))
        return float(strip.mean()) >= RULE_PRESENT

    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and not ruled(vmask, xs[c + 1], ys[r], ys[r + 1], True):
                cells.union(r * nc + c, r * nc + c + 1)
            if r + 1 < nr and not ruled(hmask, ys[r + 1], xs[c], xs[c + 1], False):
                cells.union(r * nc + c, (r + 1) * nc + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            groups.setdefault(cells.find(r * nc + c), []).append((r, c))
    crops: list[np.ndarray] = []
    owners: list[int] = []
    spans: dict[int, tuple[int, int, int, int]] = {}
    for gid, pos in groups.items():
        r0, r1 = min(p[0] for p in pos), max(p[0] for p in pos)
        c0, c1 = min(p[1] for p in pos), max(p[1] for p in pos)
        spans[gid] = (r0, r1, c0, c1)
        for crop in _cell_lines(rgb, text_ink, (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]), font):
            crops.extend(_views(crop))
            owners.append(gid)
    read = ocr.recognize(crops)
    k = len(VIEW_MARGINS)
    texts: dict[int, list[list[ocr.Reading]]] = {}
    for i, gid in enumerate(owners):
        texts.setdefault(gid, []).append(read[i * k : (i + 1) * k])
    grid: Grid = [["" for _ in range(nc)] for _ in range(nr)]
    warnings: list[str] = []
    lowest = 1.0
    lost_labels: set[int] = set()  # rows whose label could not be read
    for gid, (r0, r1, c0, c1) in spans.items():
        parts = texts.get(gid, [])
        text, conf = _accept(parts)
        where = f"OCR table {number}, row {r0 + 1}, column {c0 + 1}"
        if parts and text is None:
            seen = " or ".join(sorted({"".join(line[v].text for line in parts) for v in range(k)}))
            warnings.append(f"{where}: {seen!r} not read (confidence {conf:.2f}); left blank")
            text = ""
            if _CJK.search(seen):
                lost_labels.update(range(r0, r1 + 1))
        elif parts and parse_cell(text or "").kind == "num" and not _CJK.search(text or ""):
            if _signed_column(grid, r0, c0, c1):
                lead = lead_of(rgb[ys[r0] : ys[r1 + 1], xs[c0] : xs[c1 + 1]], font) if len(parts) == 1 else None
                text, doubt = _signed(text or "", lead)
            else:
                text, doubt = _unsigned(text or "")
            if doubt:
                warnings.append(f"{where}: {doubt}; not read, left blank")
            else:
                lowest = min(lowest, conf)
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                grid[r][c] = text or ""
    for r in sorted(lost_labels):
        # without its label a row's values could be taken for another row's: not read either
        cols = [c for c in range(nc) if grid[r][c] and parse_cell(grid[r][c] or "").kind == "num"]
        for c in cols:
            grid[r][c] = ""
        if cols:
            warnings.append(f"OCR table {number}, row {r + 1}: a label was not read; the row's "
                            f"{len(cols)} values were not read either")
    return OcrTable(grid=grid, top=float(ys[0]), confidence=round(lowest, 4), warnings=warnings)


_CJK = re.compile(r"[\u3400-\u9fff]")
_SIGNED_HEADER = re.compile(r"增/?减|增减|变化")  # 本年增/减: the template's only columns that may be negative


def _signed_column(grid: Grid, row: int, c0: int, c1: int) -> bool:
    """Whether the cell (columns c0..c1) may be negative: its own header (the nearest cell above
    that is neither a number nor blank) says it is a change, or is not there (not read, so the
    first header above spans wider than the cell, like 第二十条第（五）项): then it may be one."""
    for r in range(row - 1, -1, -1):
        head = grid[r][c0] or ""
        if not head or parse_cell(head).kind == "num":
            continue
        wider = any(0 <= c < len(grid[r]) and grid[r][c] == head for c in (c0 - 1, c1 + 1))
        return wider or bool(_SIGNED_HEADER.search(head))
    return True


def _signed(text: str, lead: Lead | None) -> tuple[str, str]:
    """A number of a column that may be negative, with the sign its pixels show (lead: what is
    left of its digits; None for a cell of several lines, not checked), or ("", why) when the sign
    is not sure: the recogniser can leave out a scan's faint minus (and read a speck as one), and
    a number without its minus is a wrong value, never to be stored."""
    read_minus = text.startswith("-")
    if lead is None:
        return "", f"{text!r} on several lines, sign not checked"
    if lead is Lead.INK:
        return "", f"{text!r} has an unexplained stroke left of it (a minus?)"
    if lead is Lead.MINUS:
        return (text if read_minus else "-" + text), ""
    if lead is Lead.JOINED and not read_minus:  # 4 starts with a flat bar too: only a read minus decides
        return "", f"{text!r} has a flat stroke joined to its first digit (a minus?)"
    if read_minus and lead is Lead.NOTHING:
        return "", f"{text!r} read with a minus its pixels do not show"
    return text, ""


def _unsigned(text: str) -> tuple[str, str]:
    """A number of a column that cannot be negative (counts, amounts): a minus read there is a
    speck or a dash taken for one, and the number is not sure."""
    if text.startswith("-"):
        return "", f"{text!r} has a minus in a column that cannot be negative"
    return text, ""


def _accept(parts: list[list[ocr.Reading]]) -> tuple[str | None, float]:
    """The cell's text (lines × views) when sure enough of it, else None. Every view must read
    the same. A label (Chinese characters) needs TEXT_MIN_CONFIDENCE; anything else must make a
    number (or a dash) at NUMBER_MIN_CONFIDENCE — a number look-alike ("o") is read as a number."""
    if not parts:
        return "", 1.0
    views = range(len(parts[0]))
    texts = ["".join(line[v].text for line in parts).strip() for v in views]
    if any(_CJK.search(t) for t in texts):
        conf = min(r.confidence for line in parts for r in line)
        text = texts[0]
        if parse_cell(text).kind == "num":  # 无, 12件: a number, judged as numbers are
            same = len({norm(t) for t in texts}) == 1
            confs = [min(line[v].confidence for line in parts) for v in views]
            sure = max(confs) >= NUMBER_MIN_CONFIDENCE and min(confs) >= NUMBER_AGREE_CONFIDENCE
            return (text, max(confs)) if same and sure else (None, min(confs))
        labels = {snap(t) for t in texts}
        if len(labels) == 1 and None not in labels:  # every view is (close to) one template label
            return labels.pop(), conf
        same = len({norm(t) for t in texts}) == 1
        return (text, conf) if same and conf >= TEXT_MIN_CONFIDENCE else (None, conf)
    readings: set[str] = set()
    confs: list[float] = []
    for v in views:
        if all(line[v].number is not None for line in parts):
            readings.add("".join(line[v].number or "" for line in parts))
            confs.append(min(line[v].number_confidence for line in parts))
        else:
            readings.add(texts[v])
            confs.append(min(line[v].confidence for line in parts))
    # a speck right of the digits reads as a closing point ("8."), never part of a number
    readings = {t.rstrip(".") if re.fullmatch(r"\d+\.", t) else t for t in readings}
    if len(readings) == 2 and len({t.removeprefix("-") for t in readings}) == 1:
        # views that disagree only on a faint minus: read with it, and the pixels decide (_signed)
        readings = {max(readings, key=len)}
    text = readings.pop()
    sure = max(confs) >= NUMBER_MIN_CONFIDENCE and min(confs) >= NUMBER_AGREE_CONFIDENCE
    ok = not readings and parse_cell(text).kind in ("num", "absent") and sure
    return (text, max(confs)) if ok else (None, min(confs))


def _dash(stat: np.ndarray) -> bool:
    """A flat stroke as small as a speck: the minus of "-1" at screen resolution is 4×1 pixels, and
    dropping it would turn -1 into 1 (dust is a dot, not a flat line)."""
    w, h = int(stat[cv2.CC_STAT_WIDTH]), int(stat[cv2.CC_STAT_HEIGHT])
    return w >= DASH_MIN_PX and w >= DASH_FLATNESS * h


def _cell_lines(rgb: np.ndarray, text_ink: np.ndarray, box: tuple[int, int, int, int],
                font: int) -> list[np.ndarray]:
    """The lines of text inside one cell, each as a tight crop with a white margin."""
    x0, y0, x1, y1 = box
    m = RULE_BAND_PX
    inner = text_ink[y0 + m : y1 - m, x0 + m : x1 - m]
    if inner.size == 0 or not inner.any():
        return []
    n, _, stats, _ = cv2.connectedComponentsWithStats(inner.astype(np.uint8), connectivity=8)
    comps = [s for s in stats[1:] if max(s[cv2.CC_STAT_WIDTH], s[cv2.CC_STAT_HEIGHT]) > SPECK_PX or _dash(s)]
    if not comps:
        return []
    # rows of text: bands of inked rows, and bands that fit in one text height together are one
    # line (the strokes of 三 or 二 are bands of their own)
    inked = np.zeros(inner.shape[0], bool)
    for s in comps:
        inked[int(s[cv2.CC_STAT_TOP]) : int(s[cv2.CC_STAT_TOP] + s[cv2.CC_STAT_HEIGHT])] = True
    rows = np.flatnonzero(inked)
    bands = [(int(run[0]), int(run[-1]) + 1) for run in np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)]
    lines: list[list[int]] = []
    for top, bottom in bands:
        if lines and bottom - lines[-1][0] <= LINE_FONTS * font:
            lines[-1][1] = bottom
        else:
            lines.append([top, bottom])
    out = []
    for top, bottom in lines:
        sel = [s for s in comps if top <= s[cv2.CC_STAT_TOP] < bottom]
        left = min(int(s[cv2.CC_STAT_LEFT]) for s in sel)
        right = max(int(s[cv2.CC_STAT_LEFT] + s[cv2.CC_STAT_WIDTH]) for s in sel)
        crop = rgb[y0 + m + top : y0 + m + bottom, x0 + m + left : x0 + m + right]
        out.append(crop)
    return out


def _views(crop: np.ndarray) -> list[np.ndarray]:
    """The crop with each margin of VIEW_MARGINS: the recogniser's reading of short numbers
    changes with the margin, and a reading that does not is a sure one."""
    out = []
    for share in VIEW_MARGINS:
        pad = max(CROP_PAD_PX, int(crop.shape[0] * share))
        out.append(cv2.copyMakeBorder(crop, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(255, 255, 255)))
    return out
