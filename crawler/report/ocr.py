"""The OCR engine: RapidOCR (PaddleOCR's PP-OCRv4 Chinese models, run by onnxruntime on the CPU).

The models ship inside the `rapidocr_onnxruntime` wheel, so nothing is downloaded at run time. The
engine is loaded once per process (parse workers read many pages) and only when an image is read.
Chosen over Tesseract (chi_sim) by measurement on our rendered tables: see README "Tables that
are pictures".
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

INSTALL_HINT = 'pip install -e ".[ocr]" (rapidocr_onnxruntime, onnxruntime)'

# The recogniser pads every crop to this width at least. RapidOCR's default (320) makes a
# two-digit cell cost as much as a line of prose; 48 (square) is ten times faster on table cells
# and, with less padding, more confident on short numbers.
REC_MIN_WIDTH = 48
REC_HEIGHT = 48
REC_BATCH = 6

_lock = threading.Lock()  # one onnxruntime session per process, shared by the parse thread(s)


class OcrUnavailable(RuntimeError):
    """The OCR engine is not installed."""


@dataclass(frozen=True)
class TextBox:
    """A line of text found on an image: its box in pixels, text and the recogniser's confidence."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    confidence: float


def missing_reason() -> str | None:
    """Why OCR cannot run here (None when it can)."""
    try:
        import cv2  # noqa: F401
        import numpy  # noqa: F401
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError as exc:
        return f"OCR engine not installed ({exc.name}): {INSTALL_HINT}"
    return None


@lru_cache(maxsize=1)
def _engine() -> Any:
    reason = missing_reason()
    if reason:
        raise OcrUnavailable(reason)
    import logging

    from rapidocr_onnxruntime import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    eng = RapidOCR()
    rec = eng.text_rec
    if not hasattr(rec, "rec_image_shape"):  # pragma: no cover - guards an engine upgrade
        raise OcrUnavailable("rapidocr_onnxruntime changed its recogniser; pin rapidocr_onnxruntime<1.5")
    rec.rec_image_shape = [3, REC_HEIGHT, REC_MIN_WIDTH]
    rec.rec_batch_num = REC_BATCH
    return eng


def warm_up() -> None:
    """Load the models now (a parse worker calls this before its first image)."""
    _engine()


@dataclass(frozen=True)
class Reading:
    """What the recogniser read on one crop: its best text, and the same frames decoded as a
    number (digits and . , - + % only; None when the text is not a number's look-alike)."""

    text: str
    confidence: float
    number: str | None = None
    number_confidence: float = 0.0


# Characters the recogniser confuses with digits on short crops ("0" read as "o"): a reading made
# only of these is decoded again with the number alphabet alone.
NUMBER_CHARS = "0123456789.,-+%"
_LOOKALIKES = {"o": "0", "O": "0", "〇": "0", "l": "1", "I": "1", "|": "1", "丨": "1"}
_LOOKALIKE = str.maketrans(_LOOKALIKES)


def recognize(crops: list[np.ndarray]) -> list[Reading]:
    """One line of text per crop (RGB uint8 arrays), with confidences (0–1)."""
    if not crops:
        return []
    import numpy as np

    eng = _engine()
    rec = eng.text_rec
    chars: list[str] = rec.postprocess_op.character
    allowed = [0] + [i for i, ch in enumerate(chars) if ch and ch in NUMBER_CHARS]
    # a look-alike's probability counts for its digit: the same glyph, read in a number's place
    merge = np.zeros((len(chars), len(allowed)), np.float32)
    col = {chars[a]: j for j, a in enumerate(allowed) if a}
    merge[0, 0] = 1.0
    for i, ch in enumerate(chars):
        j = col.get(_LOOKALIKES.get(ch, ch)) if i else None
        if j is not None:
            merge[i, j] = 1.0
    order = sorted(range(len(crops)), key=lambda i: crops[i].shape[1] / crops[i].shape[0])
    out: list[Reading | None] = [None] * len(crops)
    for start in range(0, len(order), REC_BATCH):
        batch = order[start : start + REC_BATCH]
        ratio = max([REC_MIN_WIDTH / REC_HEIGHT] + [crops[i].shape[1] / crops[i].shape[0] for i in batch])
        norm = np.stack([rec.resize_norm_img(crops[i], ratio) for i in batch]).astype(np.float32)
        with _lock:
            preds = rec.session(norm)[0]  # (batch, frames, characters): softmax per frame
        for j, i in enumerate(batch):
            text, conf = _ctc(preds[j], None, chars)
            reading = Reading(text, conf)
            if text and text.translate(_LOOKALIKE) and all(c in NUMBER_CHARS for c in text.translate(_LOOKALIKE)):
                num, nconf = _ctc(preds[j] @ merge, allowed, chars)
                if num == text.translate(_LOOKALIKE):  # the number decoding only undoes look-alikes
                    reading = Reading(text, conf, num, nconf)
            out[i] = reading
    return [r for r in out if r is not None]


def _ctc(frames: np.ndarray, allowed: list[int] | None, chars: list[str]) -> tuple[str, float]:
    """Greedy CTC decoding (index 0 is the blank); confidence = mean probability of the characters
    kept. With `allowed`, frames hold the probabilities of those characters only (see recognize),
    and a character's confidence is its share of the non-blank probability of its frame: how sure
    the recogniser is of which digit it is, given that one is there."""
    import numpy as np

    idx = frames.argmax(axis=1)
    if allowed is None:
        best = frames.max(axis=1)
    else:
        best = frames.max(axis=1) / np.maximum(frames[:, 1:].sum(axis=1), 1e-9)
    text, kept = [], []
    prev = -1
    for k, p in zip(idx, best, strict=True):
        if k != prev and k != 0:
            text.append(chars[k if allowed is None else allowed[k]])
            kept.append(float(p))
        prev = k
    return "".join(text), float(np.mean(kept)) if kept else 0.0


def find_text(image: np.ndarray) -> list[TextBox]:
    """Every line of text on an RGB image (detection, then recognition), top to bottom."""
    eng = _engine()
    with _lock:
        res, _ = eng(image, use_cls=False)
    boxes = []
    for quad, text, score in res or []:
        xs = [p[0] for p in quad]
        ys = [p[1] for p in quad]
        boxes.append(TextBox(min(xs), min(ys), max(xs), max(ys), str(text), float(score)))
    return sorted(boxes, key=lambda b: (b.y0, b.x0))
