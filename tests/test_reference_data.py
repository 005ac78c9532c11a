"""Reference data in seeds/reference/: the plan's targets, districts, industries, kinds."""

import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from seeds.reference import (
    REFERENCE_DIR,
    ReferenceDataError,
    load_districts,
    load_industry_divisions,
    load_industry_sections,
    load_institution_kinds,
    load_product_kinds,
    load_reference_data,
    load_targets_2014,
    load_tech_focus,
)

# The 2014 figures (MISSION.md): metric -> (value in the plan's unit, unit, yuan or None).
EXPECTED_TARGETS = {
    "specialists": ("100", "名", None),
    "new_matching_platforms": ("4", "家", None),
    "firms_served": ("15000", "家", None),
    "financing_facilitated": ("200", "亿元", 20_000_000_000),
    "risk_guarantee_pool": ("10", "亿元", 1_000_000_000),
    "firms_with_credit_loans": ("1000", "家", None),
    "new_credit_loans": ("100", "亿元", 10_000_000_000),
    "tech_transfer_fund": ("10", "亿元", 1_000_000_000),
    "tech_branches": ("3", "家", None),
    "specialised_institutions": ("160", "个", None),
    "credit_communities": ("10", "个", None),
    "credit_community_loans": ("10", "亿元", 1_000_000_000),
    "all_financing": ("1000", "亿元", 100_000_000_000),
}

# GB/T 2260 codes of Tianjin's districts today.
EXPECTED_DISTRICTS = {
    "120101": "和平区",
    "120102": "河东区",
    "120103": "河西区",
    "120104": "南开区",
    "120105": "河北区",
    "120106": "红桥区",
    "120110": "东丽区",
    "120111": "西青区",
    "120112": "津南区",
    "120113": "北辰区",
    "120114": "武清区",
    "120115": "宝坻区",
    "120116": "滨海新区",
    "120117": "宁河区",
    "120118": "静海区",
    "120119": "蓟州区",
}


@pytest.fixture
def data_copy(tmp_path):
    """A writable copy of the reference folder, for tests that break it on purpose."""
    target = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ------------------------------------------------------------------------------------ targets


def test_targets_match_the_plans_figures():
    targets = {target.metric: target for target in load_targets_2014()}
    assert set(targets) == set(EXPECTED_TARGETS)
    for metric, (value, unit, yuan) in EXPECTED_TARGETS.items():
        target = targets[metric]
        assert (target.year, target.value, target.unit) == (2014, Decimal(value), unit), metric
        assert target.yuan == (None if yuan is None else Decimal(yuan)), metric
        assert target.is_money == (yuan is not None)


def test_headline_targets_are_20_and_10_billion_yuan():
    targets = {target.metric: target for target in load_targets_2014()}
    assert targets["financing_facilitated"].yuan == 20_000_000_000
    assert targets["new_credit_loans"].yuan == 10_000_000_000


def test_each_wording_states_its_own_figure():
    for target in load_targets_2014():
        assert f"{target.value}{target.unit}" in target.wording_zh, target.metric


def test_every_wording_is_quoted_verbatim_from_the_plan():
    plan_path = os.environ.get("PLAN_TEXT")
    if not plan_path:
        pytest.skip("set PLAN_TEXT to the path of the 2014 plan text to check quoted wording")
    plan = Path(plan_path).read_text(encoding="utf-8")
    assert "实施科技金融结合示范工程" in plan, "PLAN_TEXT does not look like the 2014 plan"
    missing = [t.metric for t in load_targets_2014() if t.wording_zh not in plan]
    assert missing == []
    missing_focus = [f.key for f in load_tech_focus() if f.name_zh not in plan]
    assert missing_focus == []


def test_wrong_yuan_amount_is_rejected(data_copy):
    _edit(data_copy / "targets_2014.toml", "yuan = 20_000_000_000", "yuan = 200_000_000_000")
    with pytest.raises(ReferenceDataError, match="financing_facilitated.*20000000000 yuan"):
        load_targets_2014(data_copy)


def test_money_target_without_yuan_is_rejected(data_copy):
    _edit(data_copy / "targets_2014.toml", "yuan = 20_000_000_000\n", "")
    with pytest.raises(ReferenceDataError, match="needs yuan"):
        load_targets_2014(data_copy)


def test_duplicate_metric_is_rejected(data_copy):
    _edit(data_copy / "targets_2014.toml", 'metric = "firms_served"', 'metric = "specialists"')
    with pytest.raises(ReferenceDataError, match="duplicate metric 'specialists'"):
        load_targets_2014(data_copy)


def test_misspelt_field_is_rejected(data_copy):
    _edit(data_copy / "targets_2014.toml", 'label_en = "Enterprises served"', 'lable_en = "x"')
    with pytest.raises(ReferenceDataError, match="unknown field"):
        load_targets_2014(data_copy)


# ---------------------------------------------------------------------------------- districts


def test_sixteen_districts_with_unique_national_codes():
    districts = load_districts()
    assert len(districts) == 16
    assert len({d.code for d in districts}) == 16
    assert {d.code: d.name_zh for d in districts} == EXPECTED_DISTRICTS
    assert all(d.name_en and d.short_name_zh in d.name_zh for d in districts)


def test_former_counties_keep_their_2014_names():
    former = {d.name_zh: (d.name_2014_zh, d.code_2014) for d in load_districts()}
    assert former["宁河区"] == ("宁河县", "120221")
    assert former["静海区"] == ("静海县", "120223")
    assert former["蓟州区"] == ("蓟县", "120225")
    assert former["滨海新区"] == ("滨海新区", "120116")


def test_duplicate_district_code_is_rejected(data_copy):
    _edit(data_copy / "districts.csv", "120102,河东区", "120101,河东区")
    with pytest.raises(ReferenceDataError, match=r"districts.csv line \d+: duplicate code"):
        load_districts(data_copy)


# --------------------------------------------------------------------------------- industries


def test_all_twenty_sections():
    sections = load_industry_sections()
    assert [s.code for s in sections] == list("ABCDEFGHIJKLMNOPQRST")
    assert all(s.name_zh and s.name_en for s in sections)


def test_every_division_belongs_to_an_existing_section():
    sections = {s.code for s in load_industry_sections()}
    divisions = load_industry_divisions()
    assert divisions
    assert {d.section for d in divisions} <= sections
    assert len({d.code for d in divisions}) == len(divisions)


def test_the_plans_industries_have_their_divisions():
    divisions = {d.code: d for d in load_industry_divisions()}
    required = [f"{n:02d}" for n in [*range(1, 6), *range(26, 42), 44, 63, 64, 65, 73, 74, 75, 77]]
    assert set(required) <= set(divisions)
    assert divisions["27"].name_zh == "医药制造业"
    assert divisions["39"].name_zh == "计算机、通信和其他电子设备制造业"
    assert divisions["37"].section == "C" and divisions["65"].section == "I"
    assert divisions["73"].section == "M" and divisions["01"].section == "A"


def test_focus_tags_point_where_the_plan_points():
    divisions = {d.code: d for d in load_industry_divisions()}
    assert "biomedicine" in divisions["27"].tech_focus
    assert "aerospace" in divisions["37"].tech_focus
    assert "new_energy" in divisions["44"].tech_focus
    assert "information_technology" in divisions["65"].tech_focus
    assert "energy_saving_environment" in divisions["77"].tech_focus
    assert "urban_agriculture" in divisions["01"].tech_focus
    used = {tag for d in divisions.values() for tag in d.tech_focus}
    assert used == {f.key for f in load_tech_focus()}, "every focus area has a division"


def test_division_with_unknown_section_is_rejected(data_copy):
    _edit(data_copy / "industries.csv", "77,division,N,", "77,division,Z,")
    with pytest.raises(ReferenceDataError, match="section 'Z' is not defined"):
        load_industry_divisions(data_copy)


def test_unknown_focus_tag_is_rejected(data_copy):
    _edit(data_copy / "industries.csv", ",aerospace\n", ",space\n")
    with pytest.raises(ReferenceDataError, match="unknown tech_focus"):
        load_industry_divisions(data_copy)


# -------------------------------------------------------------------------------------- kinds


def test_product_kinds_and_which_are_credit_loans():
    kinds = {k.key: k for k in load_product_kinds()}
    assert set(kinds) == {
        "credit_loan",
        "ip_pledge",
        "guarantee_loan",
        "pledge_loan",
        "equity_investment",
        "insurance",
        "leasing",
        "other",
    }
    assert kinds["credit_loan"].name_zh == "信用贷款"
    assert kinds["ip_pledge"].name_zh == "知识产权质押贷款"
    assert {k for k, v in kinds.items() if v.is_credit_loan} == {"credit_loan"}
    assert {k for k, v in kinds.items() if v.is_loan} == {
        "credit_loan",
        "ip_pledge",
        "guarantee_loan",
        "pledge_loan",
    }


def test_institution_kinds_count_toward_the_plans_targets():
    kinds = {k.key: k for k in load_institution_kinds()}
    assert set(kinds) == {
        "tech_branch",
        "bank",
        "credit_community",
        "guarantee",
        "fund",
        "insurer",
        "leasing",
        "service",
        "other",
    }
    assert kinds["tech_branch"].name_zh == "科技支行"
    assert kinds["credit_community"].name_zh == "信用共同体"
    counted = {k: v.counts_toward for k, v in kinds.items() if v.counts_toward}
    assert counted == {
        "tech_branch": "tech_branches",
        "credit_community": "credit_communities",
        "service": "specialised_institutions",
    }


def test_counts_toward_an_unknown_target_is_rejected(data_copy):
    _edit(data_copy / "institution_kinds.toml", '"tech_branches"', '"tech_branch_count"')
    with pytest.raises(ReferenceDataError, match="not a target"):
        load_institution_kinds(data_copy)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(ReferenceDataError, match="file not found"):
        load_reference_data(tmp_path)


def test_everything_loads_together():
    data = load_reference_data()
    assert len(data.targets_2014) == 13
    assert len(data.districts) == 16
    assert len(data.industry_sections) == 20
