"""Self-evaluation scoring (perfgen/scoring.py) on hand-computed cases, boundaries included."""

from decimal import Decimal as D

import pytest

from perfgen.model.indicators import parse_value
from perfgen.errors import ProfileError
from perfgen.model.scoring import RowInput, execution_rate, make_profile, quantitative, row_weights, score_item, score_row

NATIONAL = make_profile("财预〔2020〕10号")
YITIHUA = make_profile("一体化")


@pytest.mark.parametrize(
    ("budget", "executed", "rate", "points"),
    [
        ("100", "90", "90.00", "9.00"),  # exactly 90 %
        ("100", "100", "100.00", "10.00"),  # exactly 100 %
        ("100", "130", "130.00", "10.00"),  # above 100 %: the points stop at 10
        ("202.64", "132.912", "65.59", "6.56"),  # 132.912 / 202.64 = 65.5902… %
        ("1000", "792.7", "79.27", "7.93"),  # 梁平: 79.27 % × 10 = 7.927 → 7.93 (廊坊's 86 % → 9 is wrong: 8.60)
        ("100", "86", "86.00", "8.60"),
        ("0", "5", None, None),  # no budget, no rate
        ("100", None, None, None),
    ],
)
def test_execution_rate_in_proportion_up_to_its_points(budget, executed, rate, points):
    got = execution_rate(D(budget), D(executed) if executed else None, NATIONAL)
    assert got == (D(rate) if rate else None, D(points) if points else None)


@pytest.mark.parametrize(
    ("kind", "target", "actual", "points"),
    [
        ("正向", "50", "50", "8"),  # on target: full
        ("正向", "50", "65", "8"),  # 130 % of target: still full (the over-achievement is a note)
        ("正向", "50", "40", "6.4"),  # 40 / 50 × 8
        ("正向", "0", "0", "8"),  # target 0: any actual ≥ 0 meets it
        ("等于", "0", "0", "8"),
        ("等于", "0", "1", "0"),  # = 0 and something happened: nothing
        ("等于", "8", "6", "6"),  # 6 / 8 × 8
        ("反向", "90", "90", "8"),  # at the ceiling: full
        ("反向", "90", "80", "8"),  # below it: full
        ("反向", "100", "150", "4"),  # linear: (1 − 50 / 100) × 8
        ("反向", "100", "200", "0"),  # twice the target: 0
        ("反向", "100", "250", "0"),
        ("反向", "0", "1", "0"),
    ],
)
def test_quantitative_directions(kind, target, actual, points):
    assert quantitative(kind, D(target), D(actual), D(8), NATIONAL) == D(points)


def test_reverse_ratio_profile():
    ratio = make_profile("财预〔2020〕10号", {"reverse": "ratio"})
    assert quantitative("反向", D(100), D(200), D(8), ratio) == D(4)  # 100 / 200 × 8
    assert quantitative("反向", D(100), D(80), D(8), ratio) == D(8)


def row(value, actual, weight=None, given=None, level1="产出指标", reason=False, kind=""):
    return RowInput(level1, "指标", parse_value(value), actual, D(weight) if weight is not None else None, D(given) if given is not None else None, reason, kind)


@pytest.mark.parametrize(
    ("actual", "given", "score", "code"),
    [
        ("达成预期指标", None, "10.00", None),  # 达成 without a score: full
        ("达成", "8", "8", None),  # the band's low end is inside it
        ("达成", "7.99", "7.99", "A003"),  # below the 达成 band
        ("部分达成", "6", "6", None),
        ("部分达成", "8", "8", "A003"),  # 80 % belongs to 达成, not 部分达成
        ("部分达成", None, None, "A003"),  # a partial result needs the officer's score
        ("未达成", "5.99", "5.99", None),
        ("未达成", "6", "6", "A003"),
        ("效果明显", None, None, "A002"),  # not a result word
        ("", None, None, "A001"),
    ],
)
def test_qualitative_bands(actual, given, score, code):
    got, _, notes = score_row(row("效果明显", actual or None, 10, given), D(10), NATIONAL, 0)
    assert got == (D(score) if score else None)
    assert [n.code for n in notes] == ([code] if code else [])


def test_quantitative_actual_must_be_a_number_and_over_achievement_is_noted():
    assert [n.code for n in score_row(row("≥50个", "完成"), D(8), NATIONAL, 0)[2]] == ["A004"]
    score, verdict, notes = score_row(row("≥50个", "65个"), D(8), NATIONAL, 0)  # exactly 130 %
    assert (score, verdict, [n.code for n in notes]) == (D(8), "达成", ["A007"])
    assert score_row(row("≥50个", "64个"), D(8), NATIONAL, 0)[2] == []  # 128 %: not over the margin
    assert score_row(row("≥50个", "65个", reason=True), D(8), NATIONAL, 0)[2] == []  # explained
    score, _, notes = score_row(row("≥50个", "65个", reason=True), D(8), YITIHUA, 0)  # 一体化: 指标偏离 costs 2 points
    assert (score, [n.code for n in notes]) == (D(6), ["A005"])


def test_weights_shared_within_each_level1_and_an_absent_level1_redistributed():
    rows = [row("≥1个", "1", level1="产出指标") for _ in range(3)] + [row("≥1个", "1", level1="效益指标") for _ in range(2)]
    weights, level1 = row_weights(rows, NATIONAL)
    # 满意度 absent: its 10 points go to 产出 and 效益 in proportion 50 : 30 → 6.25 and 3.75
    assert level1 == {"产出指标": D("56.25"), "效益指标": D("33.75")}
    assert weights == [D("18.75"), D("18.75"), D("18.75"), D("16.88"), D("16.87")]  # 56.25 / 3; 33.75 / 2, the rest on the last
    assert sum(weights) == 90


def test_written_weights_are_kept_and_checked():
    rows = [row("≥1个", "1", 40), row("≥1个", "1", 10), row("效果明显", "达成", 30, level1="效益指标"), row("≥90%", "95%", 10, level1="满意度指标")]
    result = score_item(D(100), D(100), rows, NATIONAL)
    assert [r.weight for r in result.rows] == [D(40), D(10), D(30), D(10)]
    assert (result.total, result.grade, result.notes) == (D("100.00"), "优", ())
    short = score_item(D(100), D(100), rows[:3], NATIONAL)  # 满意度 absent: 产出 should now have 56.25
    assert {n.code for n in short.notes} == {"A009"}


def test_total_capped_by_execution_rate_and_graded():
    rows = [row("≥1个", "1", 90)]
    for executed, rate, total, grade in (("79.99", "79.99", "89", "良"), ("80", "80.00", "98.00", "优"), ("49", "49.00", "59", "差"), ("65", "65.00", "79", "中")):
        result = score_item(D(100), D(executed), rows, YITIHUA)
        assert (result.rate, result.total, result.grade) == (D(rate), D(total), grade), executed
    assert score_item(D(100), D("79.99"), rows, YITIHUA).notes[0].code == "A010"
    assert score_item(D(100), D("65.6"), rows, NATIONAL).total == D("96.56")  # the national profile has no cap


def test_a_score_never_exceeds_its_weight():
    result = score_item(D(100), D(100), [row("≥1个", "1", 90, given="95")], NATIONAL)
    assert result.rows[0].score == D(90)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reverse": "倒数"}, "linear"),
        ({"level1": {"产出指标": 60, "效益指标": 30, "满意度指标": 10}}, "合计"),
        ({"bands": [{"name": "达成", "low": 90, "high": 80}]}, "区间"),
        ({"rounding": "进一"}, "舍入"),
        ({"colour": 1}, "colour"),
    ],
)
def test_profile_changes_are_checked(changes, message):
    with pytest.raises(ProfileError, match=message):
        make_profile("财预〔2020〕10号", changes)


def test_an_unfinished_evaluation_has_no_total():
    result = score_item(D(100), D(100), [row("≥1个", "1", 45), row("≥1个", None, 45)], NATIONAL)
    assert (result.total, result.grade, result.indicator_score) == (None, "", D(45))
    assert score_item(D(0), D(0), [row("≥1个", "1", 90)], NATIONAL).total is None
