"""The line diff a reviewer reads: hunks as in a unified diff, rows for a side-by-side view."""

from __future__ import annotations

import difflib

from boomi_promo.domain.xml_diff import (
    DiffLine,
    DiffSummary,
    LineType,
    RowKind,
    SideBySideRow,
    diff_lines,
)


def doc(*lines: str) -> str:
    return "".join(f"{line}\n" for line in lines)


NUMBERED = [f"line {n}" for n in range(1, 21)]


def test_identical_documents_have_no_hunks_and_only_same_rows() -> None:
    result = diff_lines(doc(*NUMBERED), doc(*NUMBERED))

    assert result.identical
    assert result.hunks == []
    assert result.summary == DiffSummary(added=0, removed=0, changed=0)
    assert [r.kind for r in result.rows] == [RowKind.SAME] * 20
    assert result.rows[4] == SideBySideRow("line 5", "line 5", 5, 5, RowKind.SAME)
    assert not result.truncated


def test_a_changed_line_is_one_hunk_with_context_and_one_changed_row() -> None:
    new = [*NUMBERED]
    new[9] = "line 10 edited"

    result = diff_lines(doc(*NUMBERED), doc(*new))

    [hunk] = result.hunks
    assert (hunk.old_start, hunk.old_lines, hunk.new_start, hunk.new_lines) == (7, 7, 7, 7)
    assert hunk.lines[2:5] == [
        DiffLine(LineType.CONTEXT, "line 9", 9, 9),
        DiffLine(LineType.REMOVED, "line 10", 10, None),
        DiffLine(LineType.ADDED, "line 10 edited", None, 10),
    ]
    assert [r for r in result.rows if r.kind is not RowKind.SAME] == [
        SideBySideRow("line 10", "line 10 edited", 10, 10, RowKind.CHANGED)
    ]
    assert result.summary == DiffSummary(added=0, removed=0, changed=1)


def test_added_and_removed_lines_keep_both_numberings() -> None:
    new = [*NUMBERED[:3], "inserted", *NUMBERED[3:15], *NUMBERED[16:]]

    result = diff_lines(doc(*NUMBERED), doc(*new))

    assert result.summary == DiffSummary(added=1, removed=1, changed=0)
    changed_rows = [r for r in result.rows if r.kind is not RowKind.SAME]
    assert changed_rows == [
        SideBySideRow(None, "inserted", None, 4, RowKind.ADDED),
        SideBySideRow("line 16", None, 16, None, RowKind.REMOVED),
    ]
    assert len(result.hunks) == 2, "changes far apart are separate hunks"
    after_insert = next(r for r in result.rows if r.left == "line 10")
    assert (after_insert.left_line, after_insert.right_line) == (10, 11)


def test_hunk_ranges_match_a_unified_diff() -> None:
    new = [*NUMBERED]
    new[0:2] = ["first"]
    new[12:12] = ["a", "b"]
    new.append("last")

    result = diff_lines(doc(*NUMBERED), doc(*new))

    headers = [
        line
        for line in difflib.unified_diff(NUMBERED, new, lineterm="", n=3)
        if line.startswith("@@")
    ]
    assert [
        f"@@ -{h.old_start},{h.old_lines} +{h.new_start},{h.new_lines} @@" for h in result.hunks
    ] == headers


def test_against_an_empty_side_everything_is_added() -> None:
    result = diff_lines("", doc("<a>", "  <b/>", "</a>"))

    [hunk] = result.hunks
    assert (hunk.old_start, hunk.old_lines, hunk.new_start, hunk.new_lines) == (0, 0, 1, 3)
    assert [line.type for line in hunk.lines] == [LineType.ADDED] * 3
    assert [(r.left, r.right, r.kind) for r in result.rows] == [
        (None, "<a>", RowKind.ADDED),
        (None, "  <b/>", RowKind.ADDED),
        (None, "</a>", RowKind.ADDED),
    ]
    assert result.summary == DiffSummary(added=3, removed=0, changed=0)


def test_a_replaced_block_pairs_lines_and_lists_the_rest() -> None:
    result = diff_lines(doc("keep", "old 1", "old 2", "tail"), doc("keep", "new 1", "tail"))

    assert [(r.left, r.right, r.kind) for r in result.rows] == [
        ("keep", "keep", RowKind.SAME),
        ("old 1", "new 1", RowKind.CHANGED),
        ("old 2", None, RowKind.REMOVED),
        ("tail", "tail", RowKind.SAME),
    ]
    assert result.summary == DiffSummary(added=0, removed=1, changed=1)


def test_big_documents_are_cut_at_the_cap_but_counted_in_full() -> None:
    old = [f"<entry key={n}/>" for n in range(300)]
    new = [f"<entry key={n} edited/>" if n % 10 == 0 else line for n, line in enumerate(old)]

    result = diff_lines(doc(*old), doc(*new), max_rows=100)

    assert result.truncated
    assert len(result.rows) == 100
    assert sum(len(h.lines) for h in result.hunks) == 100
    assert result.summary == DiffSummary(added=0, removed=0, changed=30)


def test_a_diff_within_the_cap_is_not_truncated() -> None:
    new = [*NUMBERED, "one more"]

    result = diff_lines(doc(*NUMBERED), doc(*new), max_rows=21)

    assert not result.truncated
    assert len(result.rows) == 21
