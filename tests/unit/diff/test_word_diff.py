"""The words that differ inside a changed line."""

from __future__ import annotations

from boomi_promo.domain.xml_diff import LineSegment, diff_words

LONG_LINE = (
    '<process allowSimultaneous="false" enableUserLog="{}" processLogOnErrorOnly="false" '
    'purgeDataImmediately="false" updateRunDates="true" workload="general">'
)


def marked(segments: list[LineSegment]) -> list[str]:
    return [segment.text for segment in segments if segment.changed]


def test_only_the_changed_attribute_value_is_marked_in_a_long_line() -> None:
    old, new = diff_words(LONG_LINE.format("false"), LONG_LINE.format("true"))

    assert marked(old) == ["false"]
    assert marked(new) == ["true"]
    assert "".join(s.text for s in old) == LONG_LINE.format("false")
    assert "".join(s.text for s in new) == LONG_LINE.format("true")


def test_an_inserted_word_is_marked_on_the_new_side_only() -> None:
    old, new = diff_words(
        '<shape userlabel="JSON to XML"/>', '<shape userlabel="Customer JSON to XML"/>'
    )

    assert marked(old) == []
    assert marked(new) == ["Customer "]


def test_lines_with_little_in_common_are_marked_as_a_whole() -> None:
    old, new = diff_words("<mapId>abc</mapId>", '<dragpoint name="shape1" toShape="shape2"/>')

    assert old == [LineSegment("<mapId>abc</mapId>", changed=True)]
    assert new == [LineSegment('<dragpoint name="shape1" toShape="shape2"/>', changed=True)]
