"""Dedup keys: normalisation, MinHash accuracy, LSH recall, the threshold on real and generated text."""

from __future__ import annotations

import random

import numpy as np
import opencc
import pytest

from crawler import dedup
from tests.test_store_support import CORPUS, corpus_text, load_benchmark

BENCH = load_benchmark()


def exact_jaccard(a: str, b: str) -> float:
    ha = set(dedup.shingle_hashes(dedup.normalise_text(a)).tolist())
    hb = set(dedup.shingle_hashes(dedup.normalise_text(b)).tolist())
    return len(ha & hb) / len(ha | hb)


def test_normalisation_folds_width_space_punctuation_script_and_chrome() -> None:
    plain = "2023年，本机关政府信息公开工作取得新成效。"
    assert dedup.normalise_text("２０２３年,本机关 政府信息公开\n工作取得新成效.") == dedup.normalise_text(plain)
    assert dedup.normalise_text(plain) == "2023年本机关政府信息公开工作取得新成效"
    assert dedup.text_key("２０２３年，本機關政府信息公開工作取得新成效。") == dedup.text_key(plain)
    assert dedup.text_key(plain + "\n扫一扫在手机上查看当前页面 【打印】【关闭】") == dedup.text_key(plain)
    assert dedup.text_key(plain) != dedup.text_key(plain.replace("2023", "2022"))
    assert dedup.text_key("") == "" and dedup.text_key(" ，。") == ""


def test_traditional_mirror_of_a_real_report_has_the_same_exact_key() -> None:
    text = corpus_text("ganzhou-zjj-2019.txt")
    trad = opencc.OpenCC("s2t").convert(text)
    assert trad != text
    assert dedup.text_key(trad) == dedup.text_key(text)


def test_minhash_estimates_jaccard_on_real_reports() -> None:
    base = corpus_text("anshun-zjj-2024.txt")
    rng = random.Random(3)
    lines = base.split("\n")
    for keep in (0.95, 0.8, 0.6, 0.4):
        edited = "\n".join(ln for ln in lines if rng.random() < keep)
        true = exact_jaccard(base, edited)
        est = dedup.jaccard(dedup.signature(base), dedup.signature(edited))  # type: ignore[arg-type]
        # 128 slots: standard error sqrt(J(1-J)/128) <= 0.045; allow about 2.5 of them
        assert abs(est - true) < 0.11, (keep, true, est)


def test_signature_is_stable_and_handles_short_text() -> None:
    text = corpus_text("huoshan-zjj-2020.txt")
    a, b = dedup.signature(text), dedup.signature(text)
    assert a is not None and b is not None and np.array_equal(a, b) and dedup.jaccard(a, b) == 1.0
    assert dedup.signature_from_bytes(dedup.signature_to_bytes(a)).tolist() == a.tolist()
    assert dedup.signature("报告") is None  # shorter than one n-gram: no near-dup key at all
    short = dedup.signature("政府信息公开年报2023")  # fewer n-grams than slots: densified, still compares
    assert short is not None and dedup.jaccard(short, dedup.signature("政府信息公开年报2023")) == 1.0  # type: ignore[arg-type]


def test_logical_key() -> None:
    assert dedup.logical_key("淮安市洪泽区人民政府", 2023) == "淮安市洪泽区人民政府|2023|annual"
    assert dedup.logical_key("淮安市洪澤區人民政府", 2023) == dedup.logical_key("淮安市洪泽区人民政府", 2023)
    assert dedup.logical_key("淮安市洪泽区人民政府", 2022) != dedup.logical_key("淮安市洪泽区人民政府", 2023)
    assert dedup.logical_key("", 2023) is None and dedup.logical_key("某局", None) is None


def test_real_copies_clear_the_threshold_and_real_other_reports_do_not() -> None:
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted((CORPUS / "texts").glob("*"))} \
        if (CORPUS / "texts").is_dir() else {}
    if len(texts) < 3:
        pytest.skip(f"corpus texts absent under {CORPUS / 'texts'}")
    rng = random.Random(5)
    sigs = {k: dedup.signature(v) for k, v in texts.items()}
    for name, text in texts.items():
        if len(dedup.normalise_text(text)) < 1500:
            continue  # fragments: a dropped paragraph is a large share of them
        for _ in range(4):
            copy = BENCH.variant(text, "near", rng)
            sim = dedup.jaccard(sigs[name], dedup.signature(copy))  # type: ignore[arg-type]
            assert sim >= dedup.NEAR_THRESHOLD, (name, sim)
    names = list(texts)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert dedup.jaccard(sigs[a], sigs[b]) < 0.3, (a, b)  # type: ignore[arg-type]


def test_same_agency_adjacent_years_stay_below_the_threshold_in_real_pdfs() -> None:
    """洪泽区 2023 and 2024: the hardest real negative — same agency, same template, next year."""
    pdfplumber = pytest.importorskip("pdfplumber")
    paths = [CORPUS / "pdfs" / f"hongze-{y}-annual-report.pdf" for y in (2023, 2024)]
    if not all(p.is_file() for p in paths):
        pytest.skip(f"corpus PDFs absent under {CORPUS / 'pdfs'}")
    texts = []
    for p in paths:
        with pdfplumber.open(p) as pdf:
            texts.append("\n".join(page.extract_text() or "" for page in pdf.pages))
    sim = dedup.jaccard(dedup.signature(texts[0]), dedup.signature(texts[1]))  # type: ignore[arg-type]
    assert 0.2 < sim < dedup.NEAR_THRESHOLD - 0.1, sim


def test_lsh_finds_planted_duplicates_with_full_precision_and_recall() -> None:
    docs = BENCH.generate(1500, seed=7)
    sigs = np.stack([dedup.signature(d.text) for d in docs])
    truth = np.array([d.truth for d in docs])
    years = np.array([d.year for d in docs])
    near = dedup.near_duplicates(sigs)
    ok = years[near.pairs_i] == years[near.pairs_j]
    labels = dedup.cluster(len(docs), near.pairs_i[ok], near.pairs_j[ok])
    precision, recall = BENCH.precision_recall(labels, truth)
    assert BENCH.pair_count(truth) > 100  # the set really has planted copies
    assert precision >= 0.99 and recall >= 0.99, (precision, recall)
    # the S-curve: a pair at Jaccard 0.75 is a candidate with probability 1 - (1 - 0.75**4)**32
    assert 1 - (1 - 0.75**dedup.ROWS) ** dedup.BANDS > 0.9999


def test_cluster_joins_chains_and_keeps_singletons() -> None:
    i, j = np.array([0, 2, 5, 1500]), np.array([2, 4, 6, 1999])
    labels = dedup.cluster(2000, i, j)
    assert labels[0] == labels[2] == labels[4] == 0 and labels[5] == labels[6] == 5
    assert labels[1999] == 1500 and labels[1] == 1 and labels[3] == 3
    small = dedup.cluster(5, np.array([3]), np.array([1]))
    assert small.tolist() == [0, 1, 2, 1, 4]
