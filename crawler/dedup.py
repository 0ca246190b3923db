"""Deduplication keys for reports: exact (normalised-text sha256), near (MinHash + LSH), logical.

Chinese has no spaces, so near-duplicate detection works on character n-grams of the normalised text.
The MinHash is one-permutation hashing (Li, Owen & Zhang 2012) with rotation densification
(Shrivastava & Li 2014): one 64-bit hash per n-gram, the hash space split into `NUM_PERM` bins, the
minimum of each bin is one signature slot. It estimates Jaccard similarity like classic k-permutation
MinHash but costs one hash per n-gram instead of k, which is what makes 1M reports fit in minutes.

Thresholds (see benchmarks/dedup.py and tests/test_dedup.py for the measurements): n-grams of
`NGRAM` characters, `BANDS` x `ROWS` LSH bands (candidate pairs from Jaccard ~0.5 up), and a pair is a
near-duplicate when its estimated Jaccard is >= `NEAR_THRESHOLD`.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

NGRAM = 5
NUM_PERM = 128
BANDS = 32
ROWS = 4  # BANDS * ROWS == NUM_PERM; candidate S-curve midpoint (1/32)**(1/4) ~ 0.42
# Chosen from measurements (`python benchmarks/dedup.py --sizes 10000 --sweep`, and the corpus):
# planted copies (chrome, PDF wraps/page numbers, a dropped sentence, typos, all at once) scored
# min 0.77 / p1 0.84; distinct reports that became LSH candidates (mostly the same agency's adjacent
# year) p99.9 0.48 / max 0.57; the real 洪泽区 2023 vs 2024 PDFs score 0.47. 0.7 sits in that gap:
# precision and recall 1.0 on the generated set for 0.6-0.8; 0.5 lets 2.7% wrong pairs in (without
# the year rule); 0.85 loses 1.1% recall, 0.9 loses 6.5%.
NEAR_THRESHOLD = 0.7

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_BIN_SHIFT = np.uint64(64 - 7)  # top 7 bits -> 128 bins
assert NUM_PERM == 128 and BANDS * ROWS == NUM_PERM

# Page chrome that survives extraction on some portals; removed so that it cannot make two copies of
# one report look different (or two different reports look alike).
_CHROME = re.compile(
    r"(扫一扫在手机(上)?(打开|查看)当前页(面)?|【?(打印本页|打印|关闭窗口|关闭|收藏|分享到?)】?"
    r"|字[体號号][:：]?\s*[【\[]?\s*大\s*[】\]]?\s*[【\[]?\s*中\s*[】\]]?\s*[【\[]?\s*小\s*[】\]]?"
    r"|浏览次数[:：]?\s*\d*|访问量[:：]?\s*\d*|责任编辑[:：]?\S{0,10})"
)
# Everything that is not a letter or digit: whitespace, ASCII and CJK punctuation, symbols.
_NON_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=1)
def _opencc_t2s():  # type: ignore[no-untyped-def]
    import opencc  # imported lazily: building the converter costs ~0.1 s

    return opencc.OpenCC("t2s")


def _dictionary_path(name: str) -> str:
    import opencc

    return os.path.join(os.path.dirname(opencc.__file__), "dictionary", name)


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Every character opencc's t2s dictionary maps to something else."""
    chars: set[str] = set()
    with open(_dictionary_path("TSCharacters.txt"), encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2 and len(parts[0]) == 1 and parts[1].split(" ")[0] != parts[0]:
                chars.add(parts[0])
    return frozenset(chars)


def to_simplified(text: str) -> str:
    """Simplified Chinese via opencc t2s; text without any Traditional character is returned as is.

    The pure-Python converter is slow, and almost every report is already Simplified, so it only
    runs when a character it would change is present. Both a report and its Traditional mirror then go
    through the same conversion, which is what makes their keys equal.
    """
    if _traditional_chars().isdisjoint(text):  # a set scan: far faster than a big regex class
        return text
    return str(_opencc_t2s().convert(text))


def normalise_text(text: str) -> str:
    """The text dedup keys are computed on: NFKC, Simplified, chrome removed, no spaces/punctuation."""
    t = unicodedata.normalize("NFKC", text or "")
    t = to_simplified(t)
    t = _CHROME.sub(" ", t)
    return _NON_WORD.sub("", t).lower()


def text_key(text: str) -> str:
    """Exact-duplicate key: sha256 hex of the normalised text ("" for a text with nothing left)."""
    norm = normalise_text(text)
    return hashlib.sha256(norm.encode("utf-8")).hexdigest() if norm else ""


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser over a uint64 array (wrapping arithmetic, vectorised)."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def shingle_hashes(norm: str, n: int = NGRAM) -> np.ndarray:
    """Sorted unique 64-bit hashes of the character n-grams of an already normalised text."""
    if len(norm) < n:
        return np.empty(0, dtype=np.uint64)
    cps = np.frombuffer(norm.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    m = len(cps) - n + 1
    h = np.zeros(m, dtype=np.uint64)
    for k in range(n):  # polynomial rolling hash, one vector op per position in the gram
        h = h * np.uint64(0x100000001B3) + cps[k : k + m]
    return np.unique(_mix(h))


def signature_from_hashes(hashes: np.ndarray) -> np.ndarray | None:
    """OPH MinHash signature (NUM_PERM uint64) of sorted unique shingle hashes; None when empty."""
    if hashes.size == 0:
        return None
    bins = hashes >> _BIN_SHIFT
    present, first = np.unique(bins, return_index=True)  # hashes sorted -> first of a bin is its min
    sig = np.zeros(NUM_PERM, dtype=np.uint64)
    filled = np.zeros(NUM_PERM, dtype=bool)
    sig[present.astype(np.intp)] = hashes[first]
    filled[present.astype(np.intp)] = True
    if not filled.all():
        # rotation densification: an empty bin borrows the next filled bin (circularly), offset by the
        # distance so that borrowed values differ from the lender's own
        idx = np.flatnonzero(filled)
        pos = np.arange(NUM_PERM)
        nxt = np.searchsorted(idx, pos) % idx.size
        lender = idx[nxt]
        dist = ((lender - pos) % NUM_PERM).astype(np.uint64)
        empty = ~filled
        sig[empty] = _mix(sig[lender[empty]] + dist[empty] * np.uint64(0x9E3779B97F4A7C15))
    return sig


def signature(text: str, *, normalised: bool = False) -> np.ndarray | None:
    """MinHash signature of a text (normalised here unless `normalised`)."""
    norm = text if normalised else normalise_text(text)
    return signature_from_hashes(shingle_hashes(norm))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


def band_keys(sig: np.ndarray) -> np.ndarray:
    """BANDS signed 64-bit LSH bucket keys (int64 so that SQL BIGINT columns can hold them)."""
    return band_keys_matrix(sig.reshape(1, NUM_PERM))[0]


def band_keys_matrix(sigs: np.ndarray) -> np.ndarray:
    """Band keys for an (N, NUM_PERM) signature matrix -> (N, BANDS) int64."""
    s = sigs.reshape(sigs.shape[0], BANDS, ROWS)
    key = np.zeros((sigs.shape[0], BANDS), dtype=np.uint64)
    for r in range(ROWS):
        key = _mix(key * np.uint64(0x100000001B3) + s[:, :, r])
    # the band number is mixed in so that equal values in different bands are different buckets
    key = _mix(key + np.arange(BANDS, dtype=np.uint64))
    return key.view(np.int64)


def signature_to_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u8").tobytes()


def signature_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u8").astype(np.uint64)


def agency_key(agency: str) -> str:
    """Agency name as compared for the logical key: NFKC, Simplified, no spaces or punctuation."""
    return _NON_WORD.sub("", to_simplified(unicodedata.normalize("NFKC", agency or "")))


def logical_key(agency: str | None, year: int | None, kind: str = "annual") -> str | None:
    """`agency|year|kind`, or None when the agency or the year is unknown (no logical merge then)."""
    a = agency_key(agency or "")
    if not a or not year:
        return None
    return f"{a}|{int(year)}|{kind or 'annual'}"


def region_key(code: str | None) -> str:
    """A 行政区划代码 without its trailing 00 pairs (320813 -> 320813, 320800 -> 3208); "" when unknown."""
    c = "".join(ch for ch in str(code or "") if ch.isdigit())[:6]
    while c.endswith("00"):
        c = c[:-2]
    return c


def regions_compatible(a: str, b: str) -> bool:
    """Unknown, equal, or one containing the other (a city and one of its counties)."""
    return a.startswith(b) or b.startswith(a)


@dataclass
class NearDupResult:
    pairs_i: np.ndarray
    pairs_j: np.ndarray
    similarity: np.ndarray
    candidates: int


def candidate_pairs(keys: np.ndarray, max_bucket: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (i < j) sharing a bucket in any band of an (N, BANDS) key matrix.

    Every shared bucket contributes its consecutive members (a chain); buckets of at most
    `max_bucket` members also contribute all their pairs. Large buckets are template boilerplate
    shared by many distinct reports: all their pairs would make the work quadratic, while a true
    near-duplicate pair shares ~8 of the 32 bands and so also meets in small buckets. Fully
    vectorised (no Python loop over buckets), so the work stays linear in N.
    """
    n = keys.shape[0]
    codes: list[np.ndarray] = []
    for b in range(keys.shape[1]):
        col = keys[:, b]
        order = np.argsort(col, kind="stable")
        sk = col[order]
        nxt = np.flatnonzero(sk[1:] == sk[:-1])
        if nxt.size == 0:
            continue
        codes.append(_pair_codes(order[nxt], order[nxt + 1], n))
        starts = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
        sizes = np.diff(np.r_[starts, n])
        for size in range(3, max_bucket + 1):
            st = starts[sizes == size]
            if st.size == 0:
                continue
            members = order[st[:, None] + np.arange(size)]
            a, c = np.triu_indices(size, k=2)  # k=2: the consecutive pairs are in the chain already
            codes.append(_pair_codes(members[:, a].ravel(), members[:, c].ravel(), n))
    if not codes:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    pair = np.unique(np.concatenate(codes))
    return pair // n, pair % n


def _pair_codes(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    i, j = i.astype(np.int64), j.astype(np.int64)
    return np.minimum(i, j) * np.int64(n) + np.maximum(i, j)


def near_duplicates(sigs: np.ndarray, threshold: float = NEAR_THRESHOLD,
                    chunk: int = 50_000) -> NearDupResult:
    """All candidate pairs of an (N, NUM_PERM) signature matrix whose estimated Jaccard >= threshold."""
    i, j = candidate_pairs(band_keys_matrix(sigs))
    sims = np.empty(i.size, dtype=np.float32)
    for s in range(0, i.size, chunk):
        sims[s : s + chunk] = (sigs[i[s : s + chunk]] == sigs[j[s : s + chunk]]).mean(axis=1)
    keep = sims >= threshold
    return NearDupResult(i[keep], j[keep], sims[keep], int(i.size))


def cluster(n: int, pairs_i: np.ndarray, pairs_j: np.ndarray) -> np.ndarray:
    """Connected components of n items joined by pairs -> a cluster label (smallest member) per item."""
    parent = np.arange(n, dtype=np.int64)

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = int(parent[root])
        while parent[x] != root:  # path compression
            parent[x], x = root, int(parent[x])
        return root

    for a, b in zip(pairs_i.tolist(), pairs_j.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(x) for x in range(n)], dtype=np.int64) if n < 1000 else _flatten(parent)


def _flatten(parent: np.ndarray) -> np.ndarray:
    """Root of every node by repeated pointer jumping (vectorised; parents always point lower)."""
    p = parent.copy()
    while True:
        q = p[p]
        if np.array_equal(q, p):
            return p
        p = q
