"""The codebook: every field key the parser can produce, with its printed label, meaning and unit.

One source of truth: the keys come from the template layouts the parser reads with
(crawler/report/tables.py through completeness.expected_keys, the legacy 统计表 rows and the prose
patterns); this module only adds the words beside them. A key the layouts gain without a label here
fails `codebook()` loudly instead of appearing undocumented. `zwgk fields` prints it, the docs page
docs/fields.md and the Datasette metadata are generated from it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass

from crawler.report.completeness import PREFIX, TEMPLATES, TITLE, expected_keys
from crawler.report.legacy_tables import ROWS as LEGACY_ROWS
from crawler.report.parse import PROSE_KEYS

LEGACY = "legacy"  # 2008–2018 reports: a 统计表 appendix or figures in sentences
UNIT_COUNT, UNIT_CHANGE, UNIT_YUAN = "count", "signed count", "yuan"

# Table 二 rows: label as printed, meaning.
ACTIVE_ROWS = {
    "rules": ("规章", "government rules (规章)"),
    "normative": ("行政规范性文件", "normative documents"),
    "licensing": ("行政许可", "administrative licensing"),
    "other_services": ("其他对外管理服务事项", "other external administrative services"),
    "penalty": ("行政处罚", "administrative penalties"),
    "coercion": ("行政强制", "administrative coercive measures"),
    "fees": ("行政事业性收费", "administrative fees and charges"),
    "procurement": ("政府集中采购", "centralised government procurement"),
}
# Table 二 columns: label as printed, meaning, unit. Both templates' columns; a key is in the
# templates whose layout has it.
ACTIVE_COLUMNS = {
    "issued": ("本年制发件数", "issued this year", UNIT_COUNT),
    "repealed": ("本年废止件数", "repealed this year", UNIT_COUNT),
    "in_force": ("现行有效件数", "in force at the end of the year", UNIT_COUNT),
    "made": ("本年新制作数量", "newly made this year", UNIT_COUNT),
    "published": ("本年新公开数量", "newly made public this year", UNIT_COUNT),
    "total": ("对外公开总数量", "total made public so far", UNIT_COUNT),
    "previous": ("上一年项目数量", "items in the previous year", UNIT_COUNT),
    "change": ("本年增/减", "change this year (negative = fewer)", UNIT_CHANGE),
    "decisions": ("处理决定数量", "decisions made this year", UNIT_COUNT),
    "count": ("采购项目数量", "procurement projects", UNIT_COUNT),
    "amount_yuan": ("金额", "amount (converted to yuan from the printed 万元)", UNIT_YUAN),
}
# Cells whose printed header is more specific than the column's.
ACTIVE_CELL_LABELS = {
    "fees.amount_yuan": "本年收费金额（单位：万元）",
    "procurement.amount_yuan": "采购总金额",
}

# Table 三 rows: label as printed (group, then item), meaning.
REQUEST_ROW_LABELS = {
    "new": ("一、本年新收政府信息公开申请数量", "new requests received this year"),
    "carried_over": ("二、上年结转政府信息公开申请数量", "requests carried over from the previous year"),
    "granted": ("三、本年度办理结果 （一）予以公开", "outcome: disclosed"),
    "partial": ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "outcome: partly disclosed"),
    "denied.state_secret": ("（三）不予公开 1.属于国家秘密", "withheld: state secret"),
    "denied.prohibited": ("（三）不予公开 2.其他法律行政法规禁止公开", "withheld: prohibited by other laws"),
    "denied.security": ("（三）不予公开 3.危及“三安全一稳定”", "withheld: endangers security or stability"),
    "denied.third_party": ("（三）不予公开 4.保护第三方合法权益", "withheld: third-party rights"),
    "denied.internal": ("（三）不予公开 5.属于三类内部事务信息", "withheld: internal affairs"),
    "denied.process": ("（三）不予公开 6.属于四类过程性信息", "withheld: deliberative (process) information"),
    "denied.enforcement": ("（三）不予公开 7.属于行政执法案卷", "withheld: law-enforcement case file"),
    "denied.query": ("（三）不予公开 8.属于行政查询事项", "withheld: administrative query matter"),
    "unable.not_held": ("（四）无法提供 1.本机关不掌握相关政府信息", "cannot provide: not held by this agency"),
    "unable.need_create": ("（四）无法提供 2.没有现成信息需要另行制作", "cannot provide: would have to be created"),
    "unable.unclear": ("（四）无法提供 3.补正后申请内容仍不明确", "cannot provide: still unclear after correction"),
    "not_processed.complaint": ("（五）不予处理 1.信访举报投诉类申请", "not processed: petition or complaint"),
    "not_processed.repeat": ("（五）不予处理 2.重复申请", "not processed: repeated request"),
    "not_processed.publication": ("（五）不予处理 3.要求提供公开出版物", "not processed: asks for a publication"),
    "not_processed.excessive": ("（五）不予处理 4.无正当理由大量反复申请", "not processed: excessive repeated requests"),
    "not_processed.confirm": ("（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
                              "not processed: asks to confirm or reissue information already obtained"),
    "other.no_correction": ("（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                            "other: applicant did not complete the request in time"),
    "other.unpaid_fee": ("（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                         "other: applicant did not pay the fee in time"),
    "other.misc": ("（六）其他处理 3.其他", "other: other handling"),
    "other.all": ("（六）其他处理", "other handling (one row in the 2019 template)"),
    "total": ("（七）总计", "requests handled this year, all outcomes"),
    "carried_forward": ("四、结转下年度继续办理", "requests carried forward to next year"),
}
REQUEST_COLUMN_LABELS = {
    "natural_person": ("自然人", "natural persons"),
    "business": ("法人或其他组织 商业企业", "businesses"),
    "research": ("法人或其他组织 科研机构", "research institutions"),
    "nonprofit": ("法人或其他组织 社会公益组织", "non-profit organisations"),
    "legal": ("法人或其他组织 法律服务机构", "legal service providers"),
    "other_org": ("法人或其他组织 其他", "other organisations"),
    "total": ("总计", "all applicants"),
}
APPEAL_GROUP_LABELS = {
    "review": ("行政复议", "administrative reconsideration"),
    "suit_direct": ("行政诉讼 未经复议直接起诉", "lawsuits filed directly"),
    "suit_after_review": ("行政诉讼 复议后起诉", "lawsuits after reconsideration"),
}
APPEAL_COLUMN_LABELS = {
    "upheld": ("结果维持", "decision upheld"),
    "corrected": ("结果纠正", "decision corrected"),
    "other": ("其他结果", "other result"),
    "pending": ("尚未审结", "not yet concluded"),
    "total": ("总计", "total cases"),
}


@dataclass(frozen=True)
class Field:
    """One codebook entry."""

    key: str
    table: str  # 二 | 三 | 四
    table_title: str
    label: str  # as printed in the template (row, then column)
    meaning: str  # in English
    templates: tuple[str, ...]  # "2019", "2021", "legacy"
    unit: str  # count | signed count | yuan


def _describe(key: str) -> tuple[str, str, str]:
    """Label, meaning and unit of one key; KeyError when this module has no words for a part of it."""
    section, rest = key.split(".", 1)
    row, col = rest.rsplit(".", 1)
    if section == "active":
        row_label, row_meaning = ACTIVE_ROWS[row]
        col_label, col_meaning, unit = ACTIVE_COLUMNS[col]
        return f"{row_label} {ACTIVE_CELL_LABELS.get(rest, col_label)}", f"{row_meaning}: {col_meaning}", unit
    if section == "requests":
        row_label, row_meaning = REQUEST_ROW_LABELS[row]
        col_label, col_meaning = REQUEST_COLUMN_LABELS[col]
        return f"{row_label} · {col_label}", f"{row_meaning}, {col_meaning}", UNIT_COUNT
    if section == "appeals":
        group_label, group_meaning = APPEAL_GROUP_LABELS[row]
        col_label, col_meaning = APPEAL_COLUMN_LABELS[col]
        return f"{group_label} {col_label}", f"{group_meaning}: {col_meaning}", UNIT_COUNT
    raise KeyError(section)


def _key_templates() -> dict[str, list[str]]:
    """key -> the templates that have it, in the order keys are printed."""
    out: dict[str, list[str]] = {}
    for table in TITLE:
        # The current template's printed order first; keys only the 2019 template has follow.
        for template in sorted(TEMPLATES, reverse=True):
            # other_all: a 2021 report printing the 2019 template's single 其他处理 row
            for other_all in (False, True):
                for key in expected_keys(table, template, other_all):
                    found = out.setdefault(key, [])
                    if template not in found and not (other_all and template == "2021" and key.startswith(
                            "requests.other.all")):
                        found.append(template)
    for found in out.values():
        found.sort()
    for key in sorted(PROSE_KEYS | {k for k, _ in LEGACY_ROWS}):
        out.setdefault(key, []).append(LEGACY)
    return out


def codebook() -> list[Field]:
    """Every key the parser can produce, in the template's printed order."""
    fields = []
    for key, templates in _key_templates().items():
        try:
            label, meaning, unit = _describe(key)
        except KeyError as exc:
            raise RuntimeError(f"codebook: no label for {exc} in key {key!r}; add it in crawler/report/codebook.py") from exc
        table = next(t for t, prefix in PREFIX.items() if key.startswith(prefix))
        fields.append(Field(key, table, TITLE[table], label, meaning, tuple(templates), unit))
    return fields


CSV_COLUMNS = ("key", "table", "table_title", "label", "meaning", "templates", "unit")


def to_csv(fields: list[Field]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for f in fields:
        writer.writerow([f.key, f.table, f.table_title, f.label, f.meaning, " ".join(f.templates), f.unit])
    return buf.getvalue()


def to_json(fields: list[Field]) -> str:
    return json.dumps([asdict(f) for f in fields], ensure_ascii=False, indent=1) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(fields: list[Field]) -> str:
    """The docs page: one section per table, one row per key."""
    lines = [
        "# Codebook: the field keys of 政府信息公开工作年度报告",
        "",
        "Generated by `zwgk fields --format markdown` from the parser's own template layouts "
        "(crawler/report/codebook.py); do not edit by hand.",
        "",
        f"{len(fields)} keys. Templates: `2019` (国办公开办函〔2019〕60号), `2021` (国办公开办函〔2021〕30号), "
        "`legacy` (2008–2018 reports: a 统计表 appendix or figures written in sentences). "
        "Units: `count`; `signed count` (本年增/减, negative = fewer); `yuan` (printed in 万元, stored in yuan). "
        "A key a report does not print is absent (empty), never 0.",
    ]
    for table in TITLE:
        rows = [f for f in fields if f.table == table]
        lines += ["", f"## Table {table} — {TITLE[table]} (`{PREFIX[table]}*`, {len(rows)} keys)", "",
                  "| key | label (as printed) | meaning | templates | unit |", "|---|---|---|---|---|"]
        lines += [f"| `{f.key}` | {_cell(f.label)} | {_cell(f.meaning)} | {' '.join(f.templates)} | {f.unit} |"
                  for f in rows]
    return "\n".join(lines) + "\n"
