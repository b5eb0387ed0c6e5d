import pytest

from perfgen.model.numbering import check_format, chinese_numeral, item_number


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (2, "二"), (9, "九"), (10, "十"), (11, "十一"), (19, "十九"), (20, "二十"), (21, "二十一"),
     (99, "九十九"), (100, "一百"), (101, "一百零一"), (110, "一百一十"), (1000, "一千"), (1001, "一千零一"),
     (2020, "二千零二十")],
)  # fmt: skip
def test_chinese_numeral(n, text):
    assert chinese_numeral(n) == text


def test_one_to_twenty_one_are_distinct_and_ordered():
    labels = [item_number("{cn}、", n) for n in range(1, 22)]
    assert labels[:3] == ["一、", "二、", "三、"] and labels[-1] == "二十一、"
    assert len(set(labels)) == 21


@pytest.mark.parametrize(("fmt", "n", "label"), [("（{cn}）", 3, "（三）"), ("{n}. ", 12, "12. "), ("{n}、", 1, "1、")])
def test_item_number(fmt, n, label):
    assert item_number(fmt, n) == label


def test_out_of_range_and_bad_formats_are_refused():
    with pytest.raises(ValueError):
        chinese_numeral(0)
    with pytest.raises(ValueError):
        check_format("{x}、")
