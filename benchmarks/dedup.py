"""Dedup benchmark: time, peak memory, precision and recall on generated reports with planted duplicates.

    python benchmarks/dedup.py                      # 10k and 100k
    python benchmarks/dedup.py --sizes 1000000      # 1M (about 4 GiB peak, see the README numbers)
    python benchmarks/dedup.py --sizes 10000 --sweep  # precision/recall per threshold (how it was chosen)

Generated corpus: agencies publish one report a year for several consecutive years, from a 2021-
template skeleton with the agency's own boilerplate and new numbers each year (the hard negatives:
same agency, adjacent year, mostly the same words). Planted copies of a base report:
- exact: the same text re-wrapped, full-width/half-width punctuation and spaces changed;
- traditional: a Traditional-Chinese mirror (character-level Simplified->Traditional);
- near: page chrome added (扫一扫, 打印/关闭, site footer), PDF artefacts (page numbers, hard line
  wraps), a sentence dropped, or one or two numbers mistyped.
Truth: a copy belongs to its base's cluster. Precision/recall are over pairs of reports put in the same
cluster. "text" uses the text keys alone; "text+year" also refuses to join reports whose years differ,
which is what the store does.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import sys
import time
import tracemalloc
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from crawler import dedup  # noqa: E402

_PLACES = list("东西南北中新安宁平和丰泰永兴华阳山河江湖海城桥林石清云龙凤金")
_DEPTS = ["人民政府", "发展和改革委员会", "教育局", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局",
          "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局",
          "文化和旅游局", "卫生健康委员会", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局"]
_SENTENCES = [
    "{y}年，我{u}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》。",
    "全年通过门户网站主动公开政府信息{a}条，其中政策文件{b}条，工作动态{c}条。",
    "进一步健全政府信息公开工作机制，明确分管领导和专职人员，形成主要领导亲自抓、分管领导具体抓的工作格局。",
    "围绕优化营商环境，及时公开行政许可、行政处罚等执法信息{a}条，接受社会监督。",
    "加强政策解读，制作图文解读{b}篇，开展在线访谈{c}次，回应社会关切。",
    "依法依规做好依申请公开工作，规范受理、登记、审核、答复等各环节，全年未发生因答复不及时被纠错的情况。",
    "严格落实信息发布保密审查制度，坚持先审查后公开、一事一审，全年未发生泄密事件。",
    "加强政务新媒体管理，政务微信公众号发布信息{a}条，累计关注人数{b}人。",
    "组织开展政府信息公开业务培训{c}次，参训人员{b}人次，提升工作人员业务能力。",
    "更新完善政府信息公开指南和目录，方便公众查询和获取政府信息。",
    "推进重点领域信息公开，在财政预决算、重大建设项目、公共资源配置等方面公开信息{a}条。",
    "做好建议提案办理结果公开，全年公开人大代表建议和政协提案办理复文{c}件。",
    "完善政府信息管理动态调整机制，对本机关制发的规范性文件进行清理，废止{c}件。",
    "依托政务服务中心设置政府信息查阅点，全年接待群众现场查阅{b}人次。",
    "拓展公开渠道，利用报刊、广播、电视等传统媒体发布信息{a}条。",
    "主动接受社会评议和监督，开展政府信息公开工作考核评议，考核结果纳入年度绩效考核。",
    "深化基层政务公开标准化规范化建设，编制完善{c}个领域的公开事项目录。",
    "畅通政民互动渠道，办理网民留言{b}件，按时办结率100%。",
]
_PROBLEMS = [
    "五、存在的主要问题及改进情况\n一是公开内容的深度和广度有待拓展；二是政策解读形式较为单一；三是工作人员业务能力有待提高。",
    "五、存在的主要问题及改进情况\n主动公开的及时性还需加强，部分栏目更新不够及时。下一步将完善制度，加强培训。",
    "五、存在的主要问题及改进情况\n信息公开工作与群众期待仍有差距，解读回应质量有待提升。我们将进一步压实责任。",
    "五、存在的主要问题及改进情况\n个别科室对政府信息公开工作重视不够，信息报送不够主动。今后将加强督促检查。",
]
_ROWS_REQ = ["一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "（一）予以公开", "（二）部分公开",
             "1.属于国家秘密", "2.其他法律行政法规禁止公开", "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作",
             "1.信访举报投诉类申请", "2.重复申请", "（七）总计", "四、结转下年度继续办理"]
_CHROME = ["扫一扫在手机上查看当前页面", "【打印本页】【关闭窗口】", "字体：大 中 小", "网站标识码：{c}0000001",
           "主办单位：{u}办公室 技术支持：大数据中心", "当前位置：首页 > 政府信息公开 > 政府信息公开年报", "浏览次数：{b}"]


@dataclass
class Doc:
    text: str
    year: int
    truth: int  # the base report this is (a copy of)
    kind: str  # base | exact | traditional | near


@lru_cache(maxsize=1)
def _s2t_table() -> dict[int, str]:
    table: dict[int, str] = {}
    with open(dedup._dictionary_path("STCharacters.txt"), encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2 and len(parts[0]) == 1:
                table[ord(parts[0])] = parts[1].split(" ")[0]
    return table


def agency_name(i: int) -> str:
    """A unique agency name per id (place = the id's digits in base 30, so names never collide)."""
    k, place = i // len(_DEPTS), ""
    while True:
        k, d = divmod(k, len(_PLACES))
        place += _PLACES[d]
        if k == 0:
            break
    if len(place) < 2:
        place += "沙"  # not one of _PLACES, so a padded name never equals a two-digit one
    return place + ("市", "县", "区")[i % 3] + _DEPTS[i % len(_DEPTS)]


def base_report(agency_id: int, year: int) -> str:
    """One agency's report for one year: its own boilerplate, that year's numbers."""
    ra = random.Random(agency_id)  # the agency's style: which sentences, in which order
    ry = random.Random(agency_id * 100_003 + year)  # that year's numbers and small choices
    agency = agency_name(agency_id)
    unit = "局" if not agency.endswith("人民政府") else "区政府"
    chosen = ra.sample(range(len(_SENTENCES)), 10)
    parts = [f"{agency}{year}年政府信息公开工作年度报告",
             f"本报告根据《中华人民共和国政府信息公开条例》要求，由{agency}编制。本报告所列数据统计期限自{year}年1月1日起至{year}年12月31日止。",
             "一、总体情况"]
    for k in chosen:
        if ry.random() < 0.85:
            parts.append(_SENTENCES[k].format(y=year, u=unit, a=ry.randint(10, 3000), b=ry.randint(10, 900),
                                              c=ry.randint(1, 60)))
    parts.append("二、主动公开政府信息情况")
    for label in ("规章", "行政规范性文件"):
        parts.append(f"{label} {ry.randint(0, 9)} {ry.randint(0, 5)} {ry.randint(0, 40)}")
    for label in ("行政许可", "行政处罚", "行政强制"):
        parts.append(f"{label} {ry.randint(0, 5000)}")
    parts.append(f"行政事业性收费 {ry.randint(0, 900)}.{ry.randint(0, 99)}")
    parts.append("三、收到和处理政府信息公开申请情况")
    for label in _ROWS_REQ:
        nums = [ry.randint(0, 40) for _ in range(6)]
        parts.append(label + " " + " ".join(map(str, nums + [sum(nums)])))
    parts.append("四、政府信息公开行政复议、行政诉讼情况")
    parts.append(" ".join(str(ry.randint(0, 6)) for _ in range(15)))
    parts.append(_PROBLEMS[ra.randrange(len(_PROBLEMS))])
    parts.append("六、其他需要报告的事项\n本年度未收取信息处理费。" + ("" if ry.random() < 0.5 else
                                                          f"本机关{year}年度政务公开工作要点落实情况已在网站公开。"))
    return "\n".join(parts)


def variant(text: str, kind: str, rng: random.Random) -> str:
    if kind == "exact":  # the same words, other spacing, wraps and punctuation widths
        t = text.replace("，", ",").replace("。", ". ").replace("：", ":")
        return "\n\n".join(t.split("\n")) + ("  " if rng.random() < 0.5 else "")
    if kind == "traditional":
        return text.translate(_s2t_table())
    lines = text.split("\n")
    r = rng.random()
    if r < 0.3:  # portal chrome around the body
        chrome = [c.format(u="本单位", b=rng.randint(10, 9999), c=rng.randint(1000, 9999)) for c in _CHROME]
        lines = chrome[:3] + lines + chrome[3:]
    elif r < 0.55:  # PDF extraction: page numbers, hard wraps
        out = []
        for i, ln in enumerate(lines):
            out.extend(ln[j : j + 38] for j in range(0, max(len(ln), 1), 38))
            if i % 12 == 11:
                out.append(f"- {i // 12 + 1} -")
        lines = out
    elif r < 0.8:  # a sentence dropped
        if len(lines) > 6:
            del lines[rng.randrange(3, len(lines) - 3)]
    elif r < 0.9:  # one or two numbers mistyped
        return _typos("\n".join(lines), rng, 2)
    else:  # all at once: chrome, a dropped sentence, PDF wraps, typos
        chrome = [c.format(u="本单位", b=rng.randint(10, 9999), c=rng.randint(1000, 9999)) for c in _CHROME]
        if len(lines) > 6:
            del lines[rng.randrange(3, len(lines) - 3)]
        lines = chrome[:3] + [ln[j : j + 38] for ln in lines for j in range(0, max(len(ln), 1), 38)] + chrome[3:]
        return _typos("\n".join(lines), rng, 3)
    return "\n".join(lines)


def _typos(t: str, rng: random.Random, k: int) -> str:
    digits = [i for i, ch in enumerate(t) if ch.isdigit()]
    for pos in rng.sample(digits, min(k, len(digits))):
        t = t[:pos] + str((int(t[pos]) + 1) % 10) + t[pos + 1 :]
    return t


@dataclass(slots=True)
class Spec:
    """A report to generate: small, so that 1M of them fit; the text is rendered when needed."""

    agency: int
    year: int
    truth: int
    kind: str
    seed: int


def generate_specs(n: int, seed: int = 1) -> list[Spec]:
    """n reports: ~80% distinct bases (agencies x consecutive years), ~20% planted copies, shuffled."""
    rng = random.Random(seed)
    n_base = int(n * 0.8)
    specs: list[Spec] = []
    agency, year = 0, 2015
    for b in range(n_base):
        specs.append(Spec(agency, year, b, "base", 0))
        year += 1
        if year > 2024 or rng.random() < 0.12:  # this agency's run of years ends
            agency += 1
            year = rng.randint(2012, 2021)
    while len(specs) < n:
        base = specs[rng.randrange(n_base)]
        kind = rng.choices(["exact", "traditional", "near"], weights=[35, 15, 50])[0]
        specs.append(Spec(base.agency, base.year, base.truth, kind, rng.randrange(2**31)))
    rng.shuffle(specs)
    return specs


def render(spec: Spec) -> str:
    text = base_report(spec.agency, spec.year)
    return text if spec.kind == "base" else variant(text, spec.kind, random.Random(spec.seed))


def generate(n: int, seed: int = 1) -> list[Doc]:
    return [Doc(render(s), s.year, s.truth, s.kind) for s in generate_specs(n, seed)]


def pair_count(labels: np.ndarray) -> int:
    _, counts = np.unique(labels, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


def precision_recall(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Pair precision and recall of a clustering against the truth."""
    joint = pred.astype(np.int64) * np.int64(len(truth) + 1) + truth.astype(np.int64)
    tp = pair_count(joint)
    p_pairs, t_pairs = pair_count(pred), pair_count(truth)
    return (tp / p_pairs if p_pairs else 1.0), (tp / t_pairs if t_pairs else 1.0)


def run_size(n: int, threshold: float, sweep: bool, trace: bool = False, progress: bool = False) -> dict[str, float]:
    t0 = time.perf_counter()
    specs = generate_specs(n)
    truth = np.array([d.truth for d in specs], dtype=np.int64)
    years = np.array([d.year for d in specs], dtype=np.int64)
    t_gen = time.perf_counter() - t0

    if trace:
        tracemalloc.start()
    t1, c1 = time.perf_counter(), time.process_time()
    t_render = c_render = 0.0
    sigs = np.zeros((n, dedup.NUM_PERM), dtype=np.uint64)
    exact = np.zeros(n, dtype=np.uint64)
    for i, spec in enumerate(specs):
        r0, rc0 = time.perf_counter(), time.process_time()
        text = render(spec)  # texts are made one at a time and dropped: 1M texts would need ~6 GB
        t_render += time.perf_counter() - r0
        c_render += time.process_time() - rc0
        norm = dedup.normalise_text(text)
        exact[i] = int.from_bytes(hashlib.sha256(norm.encode("utf-8")).digest()[:8], "little")
        sig = dedup.signature(norm, normalised=True)
        if sig is not None:
            sigs[i] = sig
        if progress and (i + 1) % 100_000 == 0:
            print(f"  ... {i + 1:,} signatures", file=sys.stderr, flush=True)
    t_sig = time.perf_counter() - t1 - t_render  # rendering the generated texts is not dedup work
    c_sig = time.process_time() - c1 - c_render

    t2, c2 = time.perf_counter(), time.process_time()
    # exact: equal keys chained; near: LSH candidates verified on the signature
    order = np.argsort(exact, kind="stable")
    same = exact[order][1:] == exact[order][:-1]
    ex_i, ex_j = order[:-1][same], order[1:][same]
    near = dedup.near_duplicates(sigs, threshold=0.0 if sweep else threshold)
    t_near = time.perf_counter() - t2
    c_near = time.process_time() - c2
    peak = 0
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    out: dict[str, float] = {"n": n, "generate_s": t_gen + t_render, "signatures_s": t_sig, "dedup_s": t_near,
                             "cpu_s": c_sig + c_near,
                             "candidates": near.candidates, "peak_mib": peak / 2**20, "sigs_mib": sigs.nbytes / 2**20,
                             "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if sweep:  # how far apart copies and distinct reports are: the threshold goes in the gap
        same = truth[near.pairs_i] == truth[near.pairs_j]
        pos, neg = near.similarity[same], near.similarity[~same]
        if pos.size:
            out["copies: min / p1 / p5 jaccard"] = tuple(np.percentile(pos, [0, 1, 5]))  # type: ignore[assignment]
        if neg.size:
            out["distinct candidates: p99 / p99.9 / max"] = tuple(  # type: ignore[assignment]
                np.percentile(neg, [99, 99.9, 100]))
    thresholds = [0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95] if sweep else [threshold]
    for t in thresholds:
        keep = near.similarity >= t
        ni, nj = near.pairs_i[keep], near.pairs_j[keep]
        for guard in ("text", "text+year"):
            ai, aj = np.r_[ex_i, ni], np.r_[ex_j, nj]
            if guard == "text+year":
                ok = years[ai] == years[aj]
                ai, aj = ai[ok], aj[ok]
            t3 = time.perf_counter()
            labels = dedup.cluster(n, ai, aj)
            p, r = precision_recall(labels, truth)
            out[f"{guard}@{t}"] = (p, r)  # type: ignore[assignment]
            out["cluster_s"] = time.perf_counter() - t3
    return out


def run_store(url: str, n: int) -> None:
    """The store's own, incremental path: save n generated reports one by one, then score its records.

    Copies get the metadata a parser would plausibly give them: the PDF/near copies lose the agency
    half of the time (only the text keys can place them), mirrors carry a Traditional agency name.
    """
    import tempfile

    from crawler.items import ReportItem
    from crawler.store import open_store

    specs = generate_specs(n, seed=11)
    rng = random.Random(11)
    scratch = tempfile.TemporaryDirectory(prefix="zwgk-bench-archive-")  # bodies are not kept
    store = open_store(url, archive_dir=scratch.name)
    labels = np.zeros(n, dtype=np.int64)
    statuses: dict[str, int] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    for i, spec in enumerate(specs):
        text = render(spec)
        agency: str | None = agency_name(spec.agency)
        if spec.kind == "traditional":
            agency = agency.translate(_s2t_table())
        elif spec.kind in ("near", "exact") and rng.random() < 0.5:
            agency = None
        body = text.encode("utf-8")
        item = ReportItem(url=f"http://bench/{i}.html", body=body, kind="html", fetched_at="2024-01-01T00:00:00Z",
                          body_sha256=hashlib.sha256(body).hexdigest(), portal="bench",
                          document={"text": text},
                          report={"is_report": True, "year": spec.year, "agency": agency, "text": text,
                                  "title": f"{agency or ''}{spec.year}年政府信息公开工作年度报告"})
        res = store.save(item)
        statuses[res.status] = statuses.get(res.status, 0) + 1
        labels[i] = res.report_id if res.report_id is not None else -(i + 1)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    truth = np.array([s.truth for s in specs], dtype=np.int64)
    p, r = precision_recall(labels, truth)
    print(f"\nstore {url.split('?')[0]}: {n:,} saves in {wall:.1f}s wall ({wall / n * 1e3:.1f} ms/save), "
          f"{cpu:.1f}s CPU in this process; {statuses}")
    print(f"  records {len(set(labels.tolist())):,} for {len(set(truth.tolist())):,} true reports  "
          f"precision {p:.4f}  recall {r:.4f}")
    store.close()
    scratch.cleanup()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated corpus sizes (default 10000,100000)")
    ap.add_argument("--threshold", type=float, default=dedup.NEAR_THRESHOLD)
    ap.add_argument("--sweep", action="store_true", help="precision/recall for a range of thresholds")
    ap.add_argument("--tracemalloc", action="store_true",
                    help="also trace Python allocations (accurate peak, but slows hashing ~2x)")
    ap.add_argument("--store", help="also save --store-n generated reports through this store (a scratch "
                    "database!) and score the records it keeps")
    ap.add_argument("--store-n", type=int, default=5000)
    args = ap.parse_args(argv)
    if args.store:
        run_store(args.store, args.store_n)
        if not args.sizes:
            return 0
    print(f"MinHash: {dedup.NUM_PERM} slots, {dedup.NGRAM}-char n-grams, LSH {dedup.BANDS} bands x "
          f"{dedup.ROWS} rows; near threshold {args.threshold}")
    prev: tuple[int, float] | None = None  # growth is reported on CPU time: wall time varies with load
    for n in (int(s) for s in args.sizes.split(",") if s):
        res = run_size(n, args.threshold, args.sweep, args.tracemalloc, progress=n >= 100_000)
        total = res["signatures_s"] + res["dedup_s"]
        cpu = res["cpu_s"]
        growth = ""
        if prev:
            growth = f"  CPU x{cpu / prev[1]:.1f} for size x{n / prev[0]:.0f}"
        print(f"\nn={n:>9,}  normalise+minhash {res['signatures_s']:.1f}s  lsh+verify {res['dedup_s']:.1f}s  "
              f"total {total:.1f}s wall, {res['cpu_s']:.1f}s CPU ({res['cpu_s'] / n * 1e6:.0f} us CPU/report)"
              f"{growth}")
        traced = f"peak traced {res['peak_mib']:.0f} MiB  " if res["peak_mib"] else ""
        print(f"  candidate pairs {int(res['candidates']):,}  signatures {res['sigs_mib']:.0f} MiB  {traced}"
              f"max RSS {res['maxrss_mib']:.0f} MiB (rendering the texts: {res['generate_s']:.1f}s, "
              "not counted)")
        for k, v in res.items():
            if "jaccard" in k or "max" in k and isinstance(v, tuple):
                print(f"  {k}: " + " / ".join(f"{x:.3f}" for x in v))  # type: ignore[union-attr]
            if "@" in k:
                p, r = v  # type: ignore[misc]
                f1 = 2 * p * r / (p + r) if p + r else 0.0
                print(f"  {k:<16} precision {p:.4f}  recall {r:.4f}  F1 {f1:.4f}")
        prev = (n, cpu)
    return 0


if __name__ == "__main__":
    sys.exit(main())
