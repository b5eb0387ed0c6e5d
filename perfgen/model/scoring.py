"""Stage 3b: the scores of a self-evaluation (绩效自评), computed from the targets and the actuals.

Every number a 自评表 shows beyond what the officer writes — 执行率 and its points, each indicator's
points and score, the points of each 一级 (with an absent 一级's points moved to the others), the
indicators' total, the cap by 执行率, 总分 and 等级 — is computed here from a *profile*
(`scoring.yaml`, or a layout's changes to one), never typed. The functions are pure and layout-
neutral: `derive` gives them an item's budget, execution and indicator rows, and puts the results
into the fields the layout marks `score:`; `checks` reports the notes they leave (A-codes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from .fieldtypes import ROUNDING
from .indicators import Parsed, parse_value
from ..errors import ProfileError

DATA = Path(__file__).with_name("scoring.yaml")
HUNDRED = Decimal(100)
REVERSE = ("linear", "ratio")
PROFILE_KEYS = ("description", "total", "execution", "level1", "absent", "reverse", "bands", "over", "caps", "grades", "places", "rounding")
# What a field marked `score:` can show: an item's (a project's) and an indicator row's.
ITEM_SCORES = ("满分", "执行率", "执行率分值", "执行率得分", "指标分值", "指标得分", "扣分", "上限", "总分", "等级")
ROW_SCORES = ("分值", "得分", "一级分值", "评价")


@dataclass(frozen=True)
class Band:
    """A 定性 result (达成 / 部分达成 / 未达成): the words that mean it and its share of the points."""

    name: str
    words: tuple[str, ...]
    low: Decimal  # % of the points, included
    high: Decimal  # % of the points, excluded (included for the top band)
    full: bool = False  # no score written: the band's high


@dataclass(frozen=True)
class Cap:
    below: Decimal  # 执行率 below this % …
    cap: Decimal  # … caps the total at this


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    total: Decimal
    execution: Decimal
    level1: Mapping[str, Decimal]
    absent: Mapping[str, tuple[str, ...]]
    reverse: str
    bands: tuple[Band, ...]
    over_margin: Decimal | None
    over_explain: bool
    over_deduct: Decimal
    caps: tuple[Cap, ...]
    grades: tuple[tuple[str, Decimal], ...]  # highest first
    places: int
    rounding: str = ROUND_HALF_UP

    def round(self, value: Decimal) -> Decimal:
        return value.quantize(Decimal(1).scaleb(-self.places), self.rounding)

    def band(self, word: str) -> Band | None:
        word = word.strip()
        return next((b for b in self.bands if word in b.words or word == b.name), None)

    @property
    def indicators(self) -> Decimal:
        """The points the indicators share."""
        return self.total - self.execution


@cache
def _raw_profiles() -> dict[str, dict]:
    return {str(k): dict(v) for k, v in YAML(typ="safe", pure=False).load(DATA.read_text(encoding="utf-8")).items()}


def profile_names() -> list[str]:
    return list(_raw_profiles())


def make_profile(name: str, changes: Mapping[str, Any] | None = None) -> Profile:
    """The profile `name` of scoring.yaml with `changes` (a layout's) applied; `ProfileError` with
    the key's place when a value cannot be used."""
    raw = _raw_profiles().get(name)
    if raw is None:
        raise ProfileError(("profile",), f"没有名为「{name}」的评分方案：可用的有 {'、'.join(profile_names())}")
    data = {**raw, **(changes or {})}
    for k in data:
        if k not in PROFILE_KEYS:
            raise ProfileError((k,), f"评分方案没有「{k}」这一项：可以改的有 {'、'.join(PROFILE_KEYS[1:])}", key=True)
    over = _mapping(data.get("over") or {}, ("over",))
    rounding = str(data.get("rounding", "四舍五入"))
    if rounding not in ROUNDING:
        raise ProfileError(("rounding",), f"舍入方式「{rounding}」应是 {'、'.join(ROUNDING)} 之一")
    reverse = str(data.get("reverse", "linear"))
    if reverse not in REVERSE:
        raise ProfileError(("reverse",), f"反向指标的算法「{reverse}」应是 linear（超出目标按比例扣至 2 倍时为 0）或 ratio（目标值 / 实际值）")
    places = _number(data.get("places", 2), ("places",))
    if places != int(places) or not 0 <= places <= 4:
        raise ProfileError(("places",), "places（得分的小数位）应是 0 到 4 的整数")
    level1 = {str(k): _number(v, ("level1", k)) for k, v in _mapping(data.get("level1") or {}, ("level1",)).items()}
    absent = {str(k): tuple(str(x) for x in _list(v, ("absent", k))) for k, v in _mapping(data.get("absent") or {}, ("absent",)).items()}
    for k, to in absent.items():
        for target in (k, *to):
            if target not in level1:
                raise ProfileError(("absent", k), f"「{target}」不在 level1 的一级指标里（{'、'.join(level1) or '无'}）")
    bands = tuple(_band(b, ("bands", i)) for i, b in enumerate(_list(data.get("bands") or [], ("bands",))))
    caps = tuple(sorted((_cap(c, ("caps", i)) for i, c in enumerate(_list(data.get("caps") or [], ("caps",)))), key=lambda c: c.below))
    grades = tuple(sorted(((str(k), _number(v, ("grades", k))) for k, v in _mapping(data.get("grades") or {}, ("grades",)).items()), key=lambda g: -g[1]))
    profile = Profile(
        name, str(data.get("description") or ""), _number(data.get("total", 100), ("total",)), _number(data.get("execution", 10), ("execution",)),
        level1, absent, reverse, bands, _number(over["margin"], ("over", "margin")) if over.get("margin") is not None else None,
        bool(over.get("explain", False)), _number(over.get("deduct", 0), ("over", "deduct")), caps, grades, int(places), ROUNDING[rounding],
    )  # fmt: skip
    if level1 and sum(level1.values(), Decimal(0)) != profile.indicators:
        raise ProfileError(("level1",), f"各一级指标的分值合计 {sum(level1.values(), Decimal(0))}，应等于总分减去执行率分值（{profile.indicators}）")
    return profile


def _mapping(value: Any, loc: tuple) -> dict:
    if not isinstance(value, Mapping):
        raise ProfileError(loc, "这里应是「名称: 数值」的映射")
    return dict(value)


def _list(value: Any, loc: tuple) -> list:
    if not isinstance(value, (list, tuple)):
        raise ProfileError(loc, "这里应是列表")
    return list(value)


def _number(value: Any, loc: tuple) -> Decimal:
    if isinstance(value, bool):
        raise ProfileError(loc, f"「{value}」应是数值")
    try:
        number = Decimal(str(getattr(value, "source_text", value)))
    except ArithmeticError:
        raise ProfileError(loc, f"「{value}」应是数值") from None
    if not number.is_finite() or number < 0:
        raise ProfileError(loc, f"「{value}」应是不小于 0 的数值")
    return number


def _band(value: Any, loc: tuple) -> Band:
    data = _mapping(value, loc)
    name = str(data.get("name") or "")
    if not name:
        raise ProfileError(loc, "每个定性等级要写 name（例如 达成）")
    low, high = _number(data.get("low", 0), (*loc, "low")), _number(data.get("high", 100), (*loc, "high"))
    if not low < high <= HUNDRED:
        raise ProfileError(loc, f"「{name}」的区间应满足 0 ≤ low < high ≤ 100")
    return Band(name, tuple(str(w) for w in data.get("words") or [name]), low, high, bool(data.get("full", False)))


def _cap(value: Any, loc: tuple) -> Cap:
    data = _mapping(value, loc)
    return Cap(_number(data.get("below"), (*loc, "below")), _number(data.get("cap"), (*loc, "cap")))


# ---------------------------------------------------------------------------------------------
# Scoring


@dataclass(frozen=True)
class Note:
    """Something a score could not be computed from, or that the finance system would refuse: the
    rule's code (A…), the input it concerns (an input name of the layout's `evaluation:`), the message."""

    code: str
    about: str
    message: str
    row: int | None = None  # the row of the item's indicators it concerns


@dataclass(frozen=True)
class RowInput:
    """What an indicator row gives the scoring: its 一级 (framework's words), 指标值 parsed, what
    the officer wrote as 实际完成值, 分值 and 得分 (定性), and whether a reason is written."""

    level1: str
    name: str
    target: Parsed
    actual: str | None
    weight: Decimal | None = None
    given: Decimal | None = None
    reason: bool = False
    kind: str = ""  # a declared 定量 / 定性, "" when the layout has none


@dataclass(frozen=True)
class RowScore:
    weight: Decimal | None  # the points of the row
    score: Decimal | None
    level1_weight: Decimal | None
    verdict: str = ""  # the 定性 band, or 达成 / 未达成 for 定量


@dataclass(frozen=True)
class ItemScore:
    rate: Decimal | None  # 执行率 in %, rounded to the profile's places
    execution: Decimal | None  # its points
    rows: tuple[RowScore, ...]
    indicator_points: Decimal
    indicator_score: Decimal
    deducted: Decimal
    cap: Decimal | None
    total: Decimal | None  # none while a row or the 执行率 cannot be scored
    grade: str
    notes: tuple[Note, ...] = field(default=())

    def item_values(self, profile: Profile) -> dict[str, Any]:
        return {
            "满分": profile.total, "执行率": self.rate, "执行率分值": profile.execution, "执行率得分": self.execution, "指标分值": self.indicator_points,
            "指标得分": self.indicator_score, "扣分": self.deducted, "上限": self.cap, "总分": self.total, "等级": self.grade,
        }  # fmt: skip

    @staticmethod
    def row_values(row: RowScore) -> dict[str, Any]:
        return {"分值": row.weight, "得分": row.score, "一级分值": row.level1_weight, "评价": row.verdict}


def execution_rate(budget: Decimal | None, executed: Decimal | None, profile: Profile) -> tuple[Decimal | None, Decimal | None]:
    """(执行率 in %, its points): 执行数 / 预算数, the points in proportion up to 100 %; no rate
    without a budget above 0 or an execution."""
    if budget is None or executed is None or budget <= 0:
        return None, None
    rate = executed / budget * HUNDRED
    return profile.round(rate), profile.round(min(rate, HUNDRED) / HUNDRED * profile.execution)


def direction(target: Parsed) -> str:
    """正向 (≥ >), 等于 (=) or 反向 (≤ <) by the comparator; 定性 without a number."""
    if not target.number:
        return "定性"
    return {"≥": "正向", ">": "正向", "≤": "反向", "<": "反向"}.get(target.comparator, "等于")


def quantitative(kind: str, target: Decimal, actual: Decimal, weight: Decimal, profile: Profile) -> Decimal:
    """The points of a 定量 indicator before rounding: 正向 and 等于 in proportion up to the target
    (等于 0: full when the actual is not above 0); 反向 full up to the target, then `reverse`."""
    if kind == "反向":
        if actual <= target:
            return weight
        if target <= 0:
            return Decimal(0)
        if profile.reverse == "ratio":
            return target / actual * weight
        return max(Decimal(0), (1 - (actual - target) / target) * weight)
    if target == 0 and kind == "等于":
        return weight if actual <= 0 else Decimal(0)
    if actual >= target or target <= 0:
        return weight
    return max(Decimal(0), actual / target * weight)


def row_weights(rows: Sequence[RowInput], profile: Profile) -> tuple[list[Decimal | None], dict[str, Decimal]]:
    """Each row's points (written, or the rest of its 一级's points shared equally) and the points
    of each 一级 present (an absent 一级's points moved to the ones `absent` names)."""
    present = list(dict.fromkeys(r.level1 for r in rows))
    if profile.level1:
        points = {k: v for k, v in profile.level1.items()}
        for gone, to in profile.absent.items():
            if gone not in present:
                receivers = [t for t in to if t in present]
                share = sum((points[t] for t in receivers), Decimal(0))
                moved = points.pop(gone)
                for t in receivers:
                    points[t] += profile.round(moved * points[t] / share) if t != receivers[-1] else Decimal(0)
                if receivers:
                    points[receivers[-1]] += moved - sum(profile.round(moved * profile.level1[t] / share) for t in receivers[:-1])
        groups = {k: [i for i, r in enumerate(rows) if r.level1 == k] for k in present}
        pools = {k: points.get(k) for k in present}
    else:
        groups = {"": list(range(len(rows)))}
        pools = {"": profile.indicators}
    weights: list[Decimal | None] = [r.weight for r in rows]
    for k, members in groups.items():
        pool = pools.get(k)
        missing = [i for i in members if weights[i] is None]
        if pool is None or not missing:
            continue
        rest = pool - sum((w for i in members if (w := weights[i]) is not None), Decimal(0))
        if rest < 0:
            continue
        share = profile.round(rest / len(missing))
        for i in missing[:-1]:
            weights[i] = share
        weights[missing[-1]] = rest - share * (len(missing) - 1)
    level1 = {k: v for k, v in pools.items() if k and v is not None}
    return weights, level1


def score_row(row: RowInput, weight: Decimal | None, profile: Profile, index: int) -> tuple[Decimal | None, str, list[Note]]:
    """(score, verdict, notes) of one indicator row."""
    notes: list[Note] = []
    kind = direction(row.target)
    if "定量" in row.kind and kind == "定性":
        kind = "定量?"
    if row.actual is None or not str(row.actual).strip():
        notes.append(Note("A001", "actual", f"「{row.name}」没有填写实际完成值：定量指标填数值，定性指标填 达成、部分达成 或 未达成。", index))
        return None, "", notes
    if weight is None:
        notes.append(Note("A006", "weight", f"「{row.name}」没有分值，也无法由一级指标的分值分配：请填写分值。", index))
        return None, "", notes
    actual = str(row.actual).strip()
    if kind == "定性":
        band = profile.band(actual)
        if band is None:
            words = "、".join(b.name for b in profile.bands)
            notes.append(Note("A002", "actual", f"「{row.name}」是定性指标，实际完成值「{actual}」应是 {words} 之一（可在偏差原因里说明具体情况）。", index))
            return None, "", notes
        low, high = profile.round(weight * band.low / HUNDRED), profile.round(weight * band.high / HUNDRED)
        top = band.high == HUNDRED
        if row.given is None:
            if band.full:
                return high, band.name, notes
            notes.append(Note("A003", "given", f"「{row.name}」评为「{band.name}」，请填写得分：应在 {low}（含）到 {high}（{'含' if top else '不含'}）之间。", index))
            return None, band.name, notes
        if not (low <= row.given <= high if top else low <= row.given < high):
            notes.append(Note("A003", "given", f"「{row.name}」评为「{band.name}」，得分 {row.given} 不在 {low}（含）到 {high}（{'含' if top else '不含'}）之间：请调整得分或评价。", index))
        return min(row.given, weight), band.name, notes
    parsed = parse_value(actual)
    if not parsed.number or kind == "定量?":
        if not parsed.number:
            notes.append(Note("A004", "actual", f"「{row.name}」是定量指标（{row.target.text}），实际完成值「{actual}」却不是数值：请填写实际达到的数值，例如 {row.target.number}{row.target.unit}。", index))
        else:
            notes.append(Note("I005", "actual", f"「{row.name}」标为定量，指标值却没有数值：无法计分。", index))
        return None, "", notes
    target, value = Decimal(row.target.number), Decimal(parsed.number)
    points = quantitative(kind, target, value, weight, profile)
    verdict = "达成" if points >= weight else "未达成"
    over = profile.over_margin is not None and kind in ("正向", "等于") and target > 0 and value >= target * (1 + profile.over_margin / HUNDRED)
    if over:
        if profile.over_deduct:
            points = max(Decimal(0), points - profile.over_deduct)
            notes.append(Note("A005", "reason", f"「{row.name}」实际完成值 {actual} 超出指标值 {row.target.text} {profile.over_margin}% 以上（指标偏离），扣 {profile.over_deduct} 分。", index))
        if profile.over_explain and not row.reason:
            notes.append(Note("A007", "reason", f"「{row.name}」实际完成值 {actual} 超出指标值 {row.target.text} {profile.over_margin}% 以上：请在偏差原因里说明（目标是否定得过低）。", index))
    return min(profile.round(points), weight), verdict, notes


def score_item(budget: Decimal | None, executed: Decimal | None, rows: Sequence[RowInput], profile: Profile) -> ItemScore:
    """The self-evaluation of one project: 执行率, each row, the total capped and graded."""
    rate, execution = execution_rate(budget, executed, profile)
    notes: list[Note] = []
    if rate is None:
        notes.append(Note("A008", "executed", "没有预算数（或为 0）或执行数，算不出预算执行率：请填写全年预算数和全年执行数。"))
    weights, level1 = row_weights(rows, profile)
    scored = []
    for i, (row, weight) in enumerate(zip(rows, weights, strict=True)):
        score, verdict, row_notes = score_row(row, weight, profile, i)
        notes.extend(row_notes)
        scored.append(RowScore(weight, score, level1.get(row.level1), verdict))
    points = sum((w for w in weights if w is not None), Decimal(0))
    if points != profile.indicators:
        notes.append(Note("A009", "weight", f"各指标分值合计 {points}，应为 {profile.indicators}（总分 {profile.total} 减去预算执行率的 {profile.execution} 分）：请调整分值。"))
    for k, pool in level1.items():
        given = sum((w for r, w in zip(rows, weights, strict=True) if r.level1 == k and w is not None), Decimal(0))
        if given != pool:
            notes.append(Note("A009", "weight", f"「{k}」各指标分值合计 {given}，应为 {pool}：请调整分值。"))
    indicator_score = sum((r.score for r in scored if r.score is not None), Decimal(0))
    deducted = sum((profile.over_deduct for n in notes if n.code == "A005"), Decimal(0))
    total = profile.round((execution or Decimal(0)) + indicator_score)
    cap = next((c.cap for c in profile.caps if rate is not None and rate < c.below), None)
    if cap is not None and total > cap:
        notes.append(Note("A010", "executed", f"预算执行率 {rate}% 低于 {next(c.below for c in profile.caps if c.cap == cap)}%，总分以 {cap} 分为上限（算出 {total} 分）。"))
        total = cap
    grade = next((name for name, low in profile.grades if total >= low), "")
    if execution is None or any(r.score is None for r in scored):  # an unfinished evaluation has no total
        return ItemScore(rate, execution, tuple(scored), points, profile.round(indicator_score), deducted, cap, None, "", tuple(notes))
    return ItemScore(rate, execution, tuple(scored), points, profile.round(indicator_score), deducted, cap, total, grade, tuple(notes))
