"""Agency names: a place alone is its people's government; a department without its place gets the
one place of its level that the site metadata or the text names."""

from __future__ import annotations

import pytest

from crawler.report.agency import government_of, place_for_department
from crawler.report.parse import normalise_agency, parse_text
from crawler.report.region import division_index


@pytest.mark.parametrize(
    ("raw", "year", "want"),
    [
        ("三明市", 2022, "三明市人民政府"),
        ("莆田市", 2008, "莆田市人民政府"),
        ("福建省", 2015, "福建省人民政府"),
        ("广西壮族自治区", 2015, "广西壮族自治区人民政府"),
        ("延边朝鲜族自治州", 2015, "延边朝鲜族自治州人民政府"),
        ("鄂温克族自治旗", 2015, "鄂温克族自治旗人民政府"),
        ("福建省莆田市", 2015, "福建省莆田市人民政府"),
    ],
)
def test_place_alone_is_its_government(raw: str, year: int, want: str) -> None:
    assert normalise_agency(raw, [raw], year) == (want, [])


@pytest.mark.parametrize("raw", ["莆田市林业局", "平潭综合实验区", "三明市人民政府", "三明市政府", "市林"])
def test_not_a_place_alone(raw: str) -> None:
    assert government_of(raw, division_index(2022)) is None


def test_department_takes_the_province_the_site_names() -> None:
    name, warns = normalise_agency("省建设厅", ["省建设厅2010年政府信息公开工作年度报告", "浙江省建设厅网站"],
                                   2010, site=["浙江省建设厅网站"])
    assert (name, warns) == ("浙江省建设厅", [])


def test_department_takes_the_province_the_body_names() -> None:
    body = "根据《浙江省政府信息公开暂行办法》，现将本厅2010年政府信息公开工作情况报告如下。"
    assert normalise_agency("省建设厅", ["省建设厅2010年…", body], 2010) == ("浙江省建设厅", [])


def test_city_department_from_site_metadata_even_when_the_body_names_other_cities() -> None:
    body = "我局参照福州市、厦门市的做法，推进莆田市林业政务公开。"
    name, warns = normalise_agency("市林业局", ["市林业局2016年…", "莆田市人民政府", body], 2016,
                                   site=["莆田市人民政府"])
    assert (name, warns) == ("莆田市林业局", [])


def test_ambiguous_place_is_kept_and_warned() -> None:
    body = "我局参照福州市、厦门市的做法。"
    name, warns = normalise_agency("市林业局", [body], 2016)
    assert name == "市林业局"
    assert len(warns) == 1 and "福州市" in warns[0] and "厦门市" in warns[0] and "kept as written" in warns[0]


def test_ambiguous_site_metadata_is_not_settled_by_the_text() -> None:
    place, why = place_for_department("市", ["福州市 莆田市"], ["莆田市"], division_index(2016))
    assert place is None and "site metadata" in why


def test_report_keeps_the_raw_name() -> None:
    text = "三明市2022年政府信息公开工作年度报告\n一、总体情况\n2022年，我市认真贯彻《条例》。"
    rep = parse_text(text, title="三明市2022年政府信息公开工作年度报告")
    assert rep.agency == "三明市人民政府" and rep.agency_raw == "三明市"
    assert rep.region["code"] == "350400"


def test_report_department_place_from_page_meta() -> None:
    text = "市林业局2016年政府信息公开工作年度报告\n一、概述\n2016年，我局认真贯彻《条例》。"
    rep = parse_text(text, title="市林业局2016年政府信息公开工作年度报告",
                     meta={"site": {"SiteName": "莆田市人民政府", "ContentSource": "莆田市林业局"}})
    assert rep.agency == "莆田市林业局" and rep.agency_raw == "市林业局"
    assert rep.region["code"] == "350300"
