"""Comparing two revisions of a component: normalised XML and a line diff, without any I/O.

Reviewers compare what a promotion branch holds with what main holds (G
generateComponentDiff). Two reads of the same content must compare equal, so
:func:`normalize_component_xml` drops the root attributes that change with every save or
read (version, dates, authors, branch, folder names) and writes the rest one element per
line with sorted attributes and two-space indentation. Text is compared by value: a script
sent as CDATA and the same script sent escaped normalise to the same lines.

:func:`diff_lines` compares two normalised documents line by line and answers both forms a
dashboard needs without a diff library of its own: unified-style hunks and side-by-side rows.
"""

from __future__ import annotations

import difflib
import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lxml import etree

from boomi_promo.domain.component_xml import parse_component

INDENT = "  "
DEFAULT_CONTEXT_LINES = 3
DEFAULT_MAX_ROWS = 5000

VOLATILE_ROOT_ATTRIBUTES = frozenset(
    {
        "version",
        "createdDate",
        "createdBy",
        "modifiedDate",
        "modifiedBy",
        "branchId",
        "branchName",
        "currentVersion",
        "folderName",
        "folderFullPath",
        "deleted",
    }
)
"""Root attributes that describe the read, not the content: they differ between a branch and
main (or two revisions) even when the configuration is identical."""

# autojunk treats lines that repeat often (``</shape>``) as noise and then pairs the wrong
# lines; it only pays off for documents far larger than components usually are.
AUTOJUNK_FROM_LINES = 20_000


# ---------------------------------------------------------------------------- normalisation


def normalize_component_xml(xml: bytes | str) -> str:
    """The ``<bns:Component>`` in ``xml`` written in its canonical form (ends with a newline).

    Raises :class:`~boomi_promo.domain.component_xml.ComponentXmlError` (or its
    ``UnsafeComponentXmlError``) when the document is malformed, hostile or not a component.
    """
    root = parse_component(xml.encode("utf-8") if isinstance(xml, str) else xml)
    for name in list(root.attrib):
        if etree.QName(name).localname in VOLATILE_ROOT_ATTRIBUTES:
            del root.attrib[name]
    # Declarations no element or attribute uses (``xmlns:xsi`` on most reads) are noise.
    etree.cleanup_namespaces(root)
    lines: list[str] = []
    _write_element(root, 0, {}, lines)
    return "\n".join(lines) + "\n"


def _write_element(
    element: etree._Element, depth: int, parent_nsmap: dict[str | None, str], lines: list[str]
) -> None:
    indent = INDENT * depth
    nsmap: dict[str | None, str] = dict(element.nsmap)
    start = _qualified_name(element.tag, nsmap, is_attribute=False)
    attributes = _namespace_declarations(nsmap, parent_nsmap) + sorted(
        f'{_qualified_name(name, nsmap, is_attribute=True)}="{_escape_attribute(value)}"'
        for name, value in element.attrib.items()
    )
    opening = " ".join([start, *attributes])
    content = _content_of(element)
    if not content:
        lines.append(f"{indent}<{opening}/>")
        return
    only = content[0]
    if len(content) == 1 and isinstance(only, str) and "\n" not in only:
        lines.append(f"{indent}<{opening}>{_escape_text(only)}</{start}>")
        return
    lines.append(f"{indent}<{opening}>")
    child_indent = INDENT * (depth + 1)
    for item in content:
        if isinstance(item, str):
            lines.extend((child_indent + _escape_text(line)).rstrip() for line in item.split("\n"))
        else:
            _write_element(item, depth + 1, nsmap, lines)
    lines.append(f"{indent}</{start}>")


def _content_of(element: etree._Element) -> list[etree._Element | str]:
    """Child elements and normalised text in document order, whitespace-only text dropped.

    Comments and processing instructions carry no configuration and are left out; the text
    around them joins up as it would have without them.
    """
    items: list[etree._Element | str] = []
    pending = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            items.extend(_text_items(pending))
            pending = []
            items.append(child)
        pending.append(child.tail or "")
    items.extend(_text_items(pending))
    return items


def _text_items(parts: list[str]) -> list[str]:
    text = _normalize_text("".join(parts))
    return [text] if text else []


def _normalize_text(text: str) -> str:
    """Line endings unified, trailing spaces and outer blank lines gone, common indent removed.

    Scripts come back re-indented or with Windows line endings after an edit in another tool;
    neither changes what runs, and both would otherwise mark every line as changed.
    """
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    if len(lines) == 1:
        return lines[0].strip()
    return textwrap.dedent("\n".join(lines))


def _namespace_declarations(
    nsmap: dict[str | None, str], parent_nsmap: dict[str | None, str]
) -> list[str]:
    declarations = [
        (prefix or "", f'xmlns{":" + prefix if prefix else ""}="{_escape_attribute(uri)}"')
        for prefix, uri in nsmap.items()
        if parent_nsmap.get(prefix) != uri
    ]
    if None in parent_nsmap and None not in nsmap:
        declarations.append(("", 'xmlns=""'))
    return [declaration for _prefix, declaration in sorted(declarations)]


def _qualified_name(name: Any, nsmap: dict[str | None, str], *, is_attribute: bool) -> str:
    qname = etree.QName(name)
    if qname.namespace is None:
        return qname.localname
    prefixes = sorted(
        (p or "" for p, uri in nsmap.items() if uri == qname.namespace and (p or not is_attribute)),
    )
    if not prefixes:
        # lxml keeps every namespace in use declared in scope; this cannot happen after a parse.
        raise ValueError(f"no prefix in scope for namespace {qname.namespace!r}")
    prefix = prefixes[0]
    return f"{prefix}:{qname.localname}" if prefix else qname.localname


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(value: Any) -> str:
    # Newlines and tabs as character references keep every element on one line.
    return (
        _escape_text(str(value))
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


# ------------------------------------------------------------------------------------- diff


class LineType(StrEnum):
    CONTEXT = "context"
    ADDED = "added"
    REMOVED = "removed"


class RowKind(StrEnum):
    SAME = "same"
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class DiffLine:
    type: LineType
    text: str
    old_line: int | None
    """1-based line in the old (main) document; ``None`` for an added line."""
    new_line: int | None
    """1-based line in the new (branch) document; ``None`` for a removed line."""


@dataclass(frozen=True, slots=True)
class Hunk:
    """One unified-diff hunk: ranges as in ``@@ -old_start,old_lines +new_start,new_lines @@``.

    As in unified diffs, a range of zero lines starts at the line *before* the change.
    """

    old_start: int
    old_lines: int
    new_start: int
    new_lines: int
    lines: list[DiffLine]


@dataclass(frozen=True, slots=True)
class SideBySideRow:
    left: str | None
    right: str | None
    left_line: int | None
    right_line: int | None
    kind: RowKind


@dataclass(frozen=True, slots=True)
class DiffSummary:
    """Counts of side-by-side rows: paired lines that differ, lines only on one side."""

    added: int = 0
    removed: int = 0
    changed: int = 0


@dataclass(frozen=True, slots=True)
class LineDiff:
    hunks: list[Hunk] = field(default_factory=list)
    rows: list[SideBySideRow] = field(default_factory=list)
    """Every line of both documents side by side (cut at the row cap)."""
    summary: DiffSummary = field(default_factory=DiffSummary)
    """Always of the whole comparison, even when ``truncated``."""
    truncated: bool = False
    """``rows`` or the hunk lines were cut at the cap."""

    @property
    def identical(self) -> bool:
        return not self.hunks


def diff_lines(
    old: str,
    new: str,
    *,
    context: int = DEFAULT_CONTEXT_LINES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> LineDiff:
    """Compare ``old`` (main) with ``new`` (branch) line by line.

    ``max_rows`` caps the side-by-side rows and, separately, the lines of all hunks together;
    a whole hunk past the cap is left out, a hunk crossing it is cut short.
    """
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(
        None,
        old_lines,
        new_lines,
        autojunk=max(len(old_lines), len(new_lines)) >= AUTOJUNK_FROM_LINES,
    )
    opcodes = matcher.get_opcodes()
    rows = [row for opcode in opcodes for row in _rows(opcode, old_lines, new_lines)]
    counts = Counter(row.kind for row in rows)
    summary = DiffSummary(
        added=counts[RowKind.ADDED],
        removed=counts[RowKind.REMOVED],
        changed=counts[RowKind.CHANGED],
    )
    hunks, hunks_cut = _hunks(matcher, old_lines, new_lines, context, max_rows)
    return LineDiff(
        hunks=hunks,
        rows=rows[:max_rows],
        summary=summary,
        truncated=hunks_cut or len(rows) > max_rows,
    )


Opcode = tuple[str, int, int, int, int]


def _rows(opcode: Opcode, old: list[str], new: list[str]) -> list[SideBySideRow]:
    tag, i1, i2, j1, j2 = opcode
    if tag == "equal":
        return [
            SideBySideRow(old[i], new[j], i + 1, j + 1, RowKind.SAME)
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
        ]
    paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
    rows = [
        SideBySideRow(old[i1 + k], new[j1 + k], i1 + k + 1, j1 + k + 1, RowKind.CHANGED)
        for k in range(paired)
    ]
    rows.extend(
        SideBySideRow(old[i], None, i + 1, None, RowKind.REMOVED) for i in range(i1 + paired, i2)
    )
    rows.extend(
        SideBySideRow(None, new[j], None, j + 1, RowKind.ADDED) for j in range(j1 + paired, j2)
    )
    return rows


def _hunks(
    matcher: difflib.SequenceMatcher[str],
    old: list[str],
    new: list[str],
    context: int,
    max_lines: int,
) -> tuple[list[Hunk], bool]:
    hunks: list[Hunk] = []
    budget = max_lines
    for group in matcher.get_grouped_opcodes(context):
        lines = [line for opcode in group for line in _hunk_lines(opcode, old, new)]
        if budget <= 0:
            return hunks, True
        cut = len(lines) > budget
        lines = lines[:budget]
        budget -= len(lines)
        hunks.append(_hunk(lines, group))
        if cut:
            return hunks, True
    return hunks, False


def _hunk(lines: list[DiffLine], group: list[Opcode]) -> Hunk:
    old_lines = sum(1 for line in lines if line.type is not LineType.ADDED)
    new_lines = sum(1 for line in lines if line.type is not LineType.REMOVED)
    first_old, first_new = group[0][1], group[0][3]
    return Hunk(
        old_start=first_old + 1 if old_lines else first_old,
        old_lines=old_lines,
        new_start=first_new + 1 if new_lines else first_new,
        new_lines=new_lines,
        lines=lines,
    )


def _hunk_lines(opcode: Opcode, old: list[str], new: list[str]) -> list[DiffLine]:
    tag, i1, i2, j1, j2 = opcode
    if tag == "equal":
        return [
            DiffLine(LineType.CONTEXT, old[i], i + 1, j + 1)
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
        ]
    removed = [DiffLine(LineType.REMOVED, old[i], i + 1, None) for i in range(i1, i2)]
    added = [DiffLine(LineType.ADDED, new[j], None, j + 1) for j in range(j1, j2)]
    return removed + added


# ------------------------------------------------------------------------ words in a line

# Words, runs of spaces, and single punctuation marks: a changed attribute value stands out
# without its quotes and the ``=`` around it.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
WORD_DIFF_MAX_TOKENS = 2_000
"""Past this many tokens a line is marked as a whole: the comparison grows with the square."""
WORD_DIFF_MIN_SIMILARITY = 0.5
"""Below this share of common text two lines are different lines, not one line edited."""


@dataclass(frozen=True, slots=True)
class LineSegment:
    text: str
    changed: bool


def diff_words(old: str, new: str) -> tuple[list[LineSegment], list[LineSegment]]:
    """Both sides of a changed line cut into runs, the runs that differ marked ``changed``.

    A line that shares nothing with the other side is one changed run: marking every word
    of it tells a reader no more than the row colour does.
    """
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    if max(len(old_tokens), len(new_tokens)) > WORD_DIFF_MAX_TOKENS:
        return _whole(old), _whole(new)
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    if matcher.ratio() < WORD_DIFF_MIN_SIMILARITY:
        return _whole(old), _whole(new)
    left: list[LineSegment] = []
    right: list[LineSegment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        changed = tag != "equal"
        _append(left, "".join(old_tokens[i1:i2]), changed)
        _append(right, "".join(new_tokens[j1:j2]), changed)
    return left, right


def _whole(text: str) -> list[LineSegment]:
    return [LineSegment(text, changed=True)] if text else []


def _append(segments: list[LineSegment], text: str, changed: bool) -> None:
    if not text:
        return
    if segments and segments[-1].changed == changed:
        segments[-1] = LineSegment(segments[-1].text + text, changed)
    else:
        segments.append(LineSegment(text, changed))
