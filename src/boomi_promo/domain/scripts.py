"""Checking a Groovy or JavaScript map/process script before it reaches Boomi: parsed, never run.

Each script is parsed into a concrete syntax tree by tree-sitter with a real grammar for its
language (Apache Groovy 2.x-4.x; current ECMAScript, a superset of what Boomi's engine runs), so
the checks see the script as a compiler would: syntax errors are the parser's own ERROR and
MISSING nodes, and the security screen matches node kinds and identifiers. A comment or a
string literal that merely mentions ``Runtime`` is a comment or string node and is never
flagged; code inside a GString interpolation (``"${...}"``) is code and is.

The screen is static: it refuses the APIs a script in a shared Atom has no business calling
(processes, files, sockets and URLs, reflection, class loaders, dynamic code, JVM control,
``@Grab``, and JavaScript's ``eval``/``Function``/``load`` and Java interop). It cannot see
through computed method names; it is a review aid, not a sandbox.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

import dekobon_tree_sitter_groovy
import tree_sitter_javascript
from tree_sitter import Language, Node, Parser, Tree

MAX_SCRIPT_BYTES = 10 * 1024
"""Largest script accepted, in UTF-8 bytes (10 KB)."""
MAX_REPORTED_ISSUES = 50
"""A broken script can yield hundreds of errors; the first ones are the ones to fix."""


class ScriptLanguage(StrEnum):
    GROOVY = "groovy"
    JAVASCRIPT = "javascript"


class LanguageName(StrEnum):
    """The ``language`` values Boomi script components carry."""

    GROOVY = "groovy"
    GROOVY2 = "groovy2"  # Groovy 2.4, the language value Boomi recommends
    JAVASCRIPT = "javascript"

    @property
    def language(self) -> ScriptLanguage:
        if self is LanguageName.JAVASCRIPT:
            return ScriptLanguage.JAVASCRIPT
        return ScriptLanguage.GROOVY


class IssueType(StrEnum):
    SYNTAX = "SYNTAX"
    SECURITY = "SECURITY"
    USAGE = "USAGE"
    """A warning: valid and allowed, but probably not what the author meant."""


class Risk(StrEnum):
    """Why an API is refused; the value completes the sentence "... is not allowed: it ..."."""

    PROCESS = "runs operating-system commands"
    FILES = "reads or writes files on the Atom"
    NETWORK = "opens network connections from the Atom"
    REFLECTION = "uses reflection, which can bypass access checks"
    CLASS_LOADING = "loads classes at run time"
    DYNAMIC_CODE = "compiles and runs code that cannot be checked in advance"
    JVM_CONTROL = "controls the Atom's JVM (exit or threads)"
    DEPENDENCIES = "downloads and loads libraries at run time"
    JAVA_INTEROP = "reaches Java classes from JavaScript"


@dataclass(frozen=True, order=True)
class ScriptIssue:
    line: int
    """1-based."""
    column: int
    """1-based, in characters."""
    type: IssueType
    message: str
    api: str = ""
    """For SECURITY issues: the API refused, e.g. ``Runtime.getRuntime``."""


@dataclass(frozen=True)
class ScriptReport:
    language: ScriptLanguage
    errors: tuple[ScriptIssue, ...]
    warnings: tuple[ScriptIssue, ...]

    @property
    def is_valid(self) -> bool:
        return not self.errors


class ScriptRejected(ValueError):
    """The script is not checked at all (empty or too large)."""

    code: ClassVar[str]


class ScriptEmpty(ScriptRejected):
    code = "SCRIPT_EMPTY"


class ScriptTooLarge(ScriptRejected):
    code = "SCRIPT_TOO_LARGE"

    def __init__(self, message: str, size_bytes: int) -> None:
        super().__init__(message)
        self.size_bytes = size_bytes


def validate_script(source: str, language: ScriptLanguage) -> ScriptReport:
    """Syntax errors and forbidden APIs of ``source`` as errors, doubtful usage as warnings.

    Raises :class:`ScriptEmpty` for a blank script and :class:`ScriptTooLarge` above
    :data:`MAX_SCRIPT_BYTES`.
    """
    if not source.strip():
        raise ScriptEmpty("The script is empty: paste the script to check.")
    # surrogatepass: a lone surrogate sent in JSON still counts, and fails to parse, honestly
    data = source.encode("utf-8", errors="surrogatepass")
    if len(data) > MAX_SCRIPT_BYTES:
        raise ScriptTooLarge(
            f"The script is {len(data)} bytes; scripts may be at most {MAX_SCRIPT_BYTES} bytes "
            "(10 KB). Split it into smaller scripts.",
            size_bytes=len(data),
        )
    parser = Parser(_GRAMMARS[language])
    first_parse = parser.parse(data)
    stranded = _stranded_annotations(first_parse) if language is ScriptLanguage.GROOVY else []
    tree = parser.parse(_blanked(data, stranded)) if stranded else first_parse
    text = _SourceText(data)
    screen = _GroovyScreen(text) if language is ScriptLanguage.GROOVY else _JavaScriptScreen(text)
    for root in (tree.root_node, *stranded):
        for node, field in _walk(root):
            screen.visit(node, field)
    errors = sorted({*_syntax_issues(tree, text), *screen.issues})
    warnings = sorted(screen.warnings())
    return ScriptReport(
        language=language,
        errors=tuple(errors[:MAX_REPORTED_ISSUES]),
        warnings=tuple(warnings[:MAX_REPORTED_ISSUES]),
    )


_GRAMMARS: dict[ScriptLanguage, Language] = {
    ScriptLanguage.GROOVY: Language(dekobon_tree_sitter_groovy.language()),
    ScriptLanguage.JAVASCRIPT: Language(tree_sitter_javascript.language()),
}


class _SourceText:
    """Node text and 1-based character positions (tree-sitter counts bytes)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.line_starts = [0]
        newline = data.find(b"\n")
        while newline != -1:
            self.line_starts.append(newline + 1)
            newline = data.find(b"\n", newline + 1)

    def of(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def position(self, node: Node) -> tuple[int, int]:
        row, byte_column = node.start_point
        start = self.line_starts[row]
        prefix = self.data[start : start + byte_column].decode("utf-8", errors="replace")
        return row + 1, len(prefix) + 1

    def issue(self, node: Node, kind: IssueType, message: str, api: str = "") -> ScriptIssue:
        line, column = self.position(node)
        return ScriptIssue(line=line, column=column, type=kind, message=message, api=api)


def _walk(root: Node) -> Iterator[tuple[Node, str | None]]:
    """``root`` and every node under it in document order, each with the field its parent
    names it by (iterative: a deeply nested script must not exhaust the recursion limit)."""
    cursor = root.walk()
    while True:
        node = cursor.node
        if node is not None:
            yield node, cursor.field_name
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return


# --- syntax ----------------------------------------------------------------------------------


def _stranded_annotations(tree: Tree) -> list[Node]:
    """Annotations the Groovy grammar could not attach to what they annotate.

    Groovy allows annotations on imports and script variables (``@Grab(...) import ...``,
    ``@Field def x``); the grammar does not, and leaves them in ERROR nodes. The script is
    parsed again with them blanked out, so valid Groovy is not reported as broken and a real
    error around them still is; the annotations themselves are screened on their own.
    """
    stranded: list[Node] = []
    for node, _ in _walk(tree.root_node):
        if node.type != "annotation":
            continue
        parent = node.parent
        if parent is not None and parent.is_error:
            stranded.append(node)
    return stranded


def _blanked(data: bytes, nodes: list[Node]) -> bytes:
    """``data`` with the text of ``nodes`` turned into spaces; lines and columns are kept."""
    blanked = bytearray(data)
    for node in nodes:
        for offset in range(node.start_byte, node.end_byte):
            if blanked[offset] != ord("\n"):
                blanked[offset] = ord(" ")
    return bytes(blanked)


_OPENERS = {"(": ")", "[": "]", "{": "}", "${": "}"}
_CLOSERS = frozenset(_OPENERS.values())


def _syntax_issues(tree: Tree, text: _SourceText) -> list[ScriptIssue]:
    """The parser's ERROR and MISSING nodes as plain sentences.

    An unbalanced bracket makes the parser's recovery mark large, unhelpful regions, so
    brackets are matched first (over the tree's tokens: brackets inside strings and comments
    do not count) and, when any is unbalanced, those are the errors reported.
    """
    root = tree.root_node
    if not root.has_error:
        return []
    unbalanced = _bracket_issues(root, text)
    if unbalanced:
        return unbalanced
    issues: list[ScriptIssue] = []
    pending = [root]
    while pending:
        node = pending.pop()
        if node.is_missing:
            issues.append(text.issue(node, IssueType.SYNTAX, f"missing '{node.type}'"))
        elif node.is_error:
            issues.append(_unexpected(node, text))
        elif node.has_error:
            pending.extend(reversed(node.children))
    return issues


def _bracket_issues(root: Node, text: _SourceText) -> list[ScriptIssue]:
    issues: list[ScriptIssue] = []
    open_brackets: list[Node] = []
    awaited: Counter[str] = Counter()  # closers the open brackets wait for
    for token in _tokens(root):
        if token.type in _OPENERS:
            open_brackets.append(token)
            awaited[_OPENERS[token.type]] += 1
            continue
        if token.type not in _CLOSERS:
            continue
        if not awaited[token.type]:
            message = f"unexpected '{token.type}' with nothing to close"
            issues.append(text.issue(token, IssueType.SYNTAX, message))
            continue
        while True:
            opener = open_brackets.pop()
            awaited[_OPENERS[opener.type]] -= 1
            if _OPENERS[opener.type] == token.type:
                break
            issues.append(_unclosed(opener, text))
    issues.extend(_unclosed(opener, text) for opener in open_brackets)
    return issues


def _tokens(root: Node) -> Iterator[Node]:
    """Leaf tokens in document order; brackets the parser only assumed (MISSING) are left out."""
    pending = [root]
    while pending:
        node = pending.pop()
        if node.child_count == 0:
            if not node.is_missing:
                yield node
        elif node.type not in _OPAQUE_TOKENS:
            pending.extend(reversed(node.children))


_OPAQUE_TOKENS = frozenset({"comment", "line_comment", "block_comment", "regex"})
"""Nodes whose inner tokens are text, not code (a ``}`` in a regex closes nothing)."""


def _unclosed(opener: Node, text: _SourceText) -> ScriptIssue:
    closer = _OPENERS[opener.type]
    return text.issue(
        opener, IssueType.SYNTAX, f"missing '{closer}': this '{opener.type}' is never closed"
    )


def _unexpected(error: Node, text: _SourceText) -> ScriptIssue:
    """An ERROR node holds what the parser skipped; its first skipped token is the culprit."""
    skipped = next(
        (child for child in error.children if child.child_count == 0 and not child.is_missing),
        None,
    )
    culprit = skipped or next(_tokens(error), error)
    shown = text.of(culprit).splitlines()[0][:40] if text.of(culprit).strip() else ""
    message = f"unexpected '{shown}'" if shown else "unexpected end of script"
    return text.issue(culprit, IssueType.SYNTAX, message)


# --- security --------------------------------------------------------------------------------


def _refused(api: str, risk: Risk) -> str:
    return f"{api} is not allowed: it {risk.value}"


def _member_chain(text: _SourceText, node: Node, name: str, access_kinds: set[str]) -> str:
    """The API as written: ``Runtime.getRuntime`` or ``java.lang.Runtime.getRuntime`` rather
    than the bare ``Runtime`` or ``java`` the screen matched."""
    api, current = name, node
    parent = current.parent
    while parent is not None and parent.type in access_kinds:
        if parent.child_by_field_name("object") != current:
            break
        member = parent.child_by_field_name("field") or parent.child_by_field_name("property")
        if member is None:
            break
        api = f"{api}.{text.of(member)}"
        current, parent = parent, parent.parent
    return api


class _Screen(ABC):
    """Collects SECURITY issues while the tree is walked, and the calls made on ``dataContext``."""

    def __init__(self, text: _SourceText) -> None:
        self.text = text
        self.issues: list[ScriptIssue] = []
        self._first_document_read: Node | None = None
        self._stores_documents = False

    @abstractmethod
    def visit(self, node: Node, field: str | None) -> None:
        """Judge one node; ``field`` is the name its parent gives it."""

    def flag(self, node: Node, api: str, risk: Risk) -> None:
        self.issues.append(self.text.issue(node, IssueType.SECURITY, _refused(api, risk), api))

    def note_call(self, receiver: str, method: str, node: Node) -> None:
        if receiver != "dataContext":
            return
        if method == "storeStream":
            self._stores_documents = True
        elif method in {"getStream", "getDataCount"} and self._first_document_read is None:
            self._first_document_read = node

    def warnings(self) -> list[ScriptIssue]:
        if self._first_document_read is None or self._stores_documents:
            return []
        return [
            self.text.issue(
                self._first_document_read,
                IssueType.USAGE,
                "the script reads documents from dataContext but never calls "
                "dataContext.storeStream, so no document leaves this step",
            )
        ]


_GROOVY_CLASSES: dict[str, Risk] = {
    "Runtime": Risk.PROCESS,
    "ProcessBuilder": Risk.PROCESS,
    "File": Risk.FILES,
    "FileInputStream": Risk.FILES,
    "FileOutputStream": Risk.FILES,
    "FileReader": Risk.FILES,
    "FileWriter": Risk.FILES,
    "RandomAccessFile": Risk.FILES,
    "Files": Risk.FILES,
    "Paths": Risk.FILES,
    "Socket": Risk.NETWORK,
    "ServerSocket": Risk.NETWORK,
    "URL": Risk.NETWORK,
    "URLConnection": Risk.NETWORK,
    "HttpURLConnection": Risk.NETWORK,
    "ClassLoader": Risk.CLASS_LOADING,
    "URLClassLoader": Risk.CLASS_LOADING,
    "GroovyClassLoader": Risk.CLASS_LOADING,
    "GroovyShell": Risk.DYNAMIC_CODE,
    "Eval": Risk.DYNAMIC_CODE,
    "Thread": Risk.JVM_CONTROL,
}
_GROOVY_METHODS: dict[str, Risk] = {
    "forName": Risk.REFLECTION,
    "getMethod": Risk.REFLECTION,
    "getMethods": Risk.REFLECTION,
    "getDeclaredMethod": Risk.REFLECTION,
    "getDeclaredMethods": Risk.REFLECTION,
    "getDeclaredField": Risk.REFLECTION,
    "getDeclaredFields": Risk.REFLECTION,
    "getDeclaredConstructor": Risk.REFLECTION,
    "getDeclaredConstructors": Risk.REFLECTION,
    "setAccessible": Risk.REFLECTION,
    "getClassLoader": Risk.CLASS_LOADING,
    "getContextClassLoader": Risk.CLASS_LOADING,
    "defineClass": Risk.CLASS_LOADING,
    "evaluate": Risk.DYNAMIC_CODE,
}
_GROOVY_PROPERTIES: dict[str, Risk] = {
    # Groovy reads getX() as the property x
    "classLoader": Risk.CLASS_LOADING,
    "contextClassLoader": Risk.CLASS_LOADING,
    "declaredMethods": Risk.REFLECTION,
    "declaredFields": Risk.REFLECTION,
    "declaredConstructors": Risk.REFLECTION,
}
_GRAB_ANNOTATIONS = frozenset({"Grab", "Grapes", "GrabResolver", "GrabConfig", "GrabExclude"})
_DECLARED_NAME_FIELDS = frozenset({"name", "field", "property", "method", "key"})
"""Where an identifier names something declared, a member of something else or a map key
(``[File: name]`` is the string "File"), not a class."""
_JDK_ROOTS = frozenset({"java", "javax", "groovy"})
_REFLECT_PACKAGE = "java.lang.reflect"
_COMMAND_RECEIVERS = frozenset({"string_literal", "gstring", "list_literal"})


class _GroovyScreen(_Screen):
    def visit(self, node: Node, field: str | None) -> None:
        kind = node.type
        if kind in {"identifier", "type_identifier"}:
            self._class_reference(node, field)
        elif kind == "method_invocation":
            self._method_call(node)
        elif kind in {"field_access", "safe_navigation_expression"}:
            self._member(node, field)
        elif kind in {"method_pointer_expression", "method_reference_expression"}:
            self._method_reference(node)
        elif kind in {"qualified_name", "qualified_type"}:
            if _in_reflect_package(self.text.of(node)):
                self.flag(node, _REFLECT_PACKAGE, Risk.REFLECTION)
        elif kind == "annotation":
            self._annotation(node)

    def _method_reference(self, node: Node) -> None:
        """``Class.&forName`` and ``Class::forName`` hand the method on to be called later."""
        method = node.child_by_field_name("method") or node.child_by_field_name("name")
        method_name = self.text.of(method) if method is not None else ""
        if method is not None and method_name in _GROOVY_METHODS:
            self.flag(method, method_name, _GROOVY_METHODS[method_name])
        elif method is not None and method_name == "execute":
            # "cmd".&execute hands String.execute() on: the process starts when it is called
            self.flag(method, "execute()", Risk.PROCESS)

    def _annotation(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        annotation = self.text.of(name).rsplit(".", 1)[-1] if name is not None else ""
        if annotation in _GRAB_ANNOTATIONS:
            self.flag(node, f"@{annotation}", Risk.DEPENDENCIES)

    def _class_reference(self, node: Node, field: str | None) -> None:
        name = self.text.of(node)
        risk = _GROOVY_CLASSES.get(name)
        if risk is None:
            return
        if field not in _DECLARED_NAME_FIELDS:
            self.flag(node, self._api_name(node, name), risk)
            return
        qualified = self._qualified_class(node, field)
        if qualified is not None:
            self.flag(node, self._api_name(qualified, self.text.of(qualified)), risk)

    def _qualified_class(self, node: Node, field: str | None) -> Node | None:
        """``java.io.File`` written as an expression: the access whose member is the class."""
        parent = node.parent
        owner = parent.child_by_field_name("object") if parent is not None else None
        if field != "field" or owner is None:
            return None
        parts = self.text.of(owner).split(".")
        if parts[0] in _JDK_ROOTS and all(part.isidentifier() for part in parts):
            return parent
        return None

    def _api_name(self, node: Node, name: str) -> str:
        return _member_chain(self.text, node, name, {"field_access", "safe_navigation_expression"})

    def _method_call(self, node: Node) -> None:
        function = node.child_by_field_name("function")
        if function is None:
            return
        if function.type == "identifier":
            if self.text.of(function) == "evaluate":
                self.flag(function, "evaluate()", Risk.DYNAMIC_CODE)
            return
        receiver = function.child_by_field_name("object")
        member = function.child_by_field_name("field") or function.child_by_field_name("property")
        if receiver is None or member is None:
            return
        if self._computed_name(member):
            return
        method, owner = _unquoted(self.text.of(member)), self.text.of(receiver)
        self.note_call(owner, method, member)
        arguments = node.child_by_field_name("arguments")
        argument_count = arguments.named_child_count if arguments is not None else 0
        if method in _GROOVY_METHODS:
            # Class.forName names the class; m.setAccessible only names a variable
            named_class = receiver.type == "identifier" and owner[:1].isupper()
            api = f"{owner}.{method}" if named_class else f"{method}()"
            self.flag(member, api, _GROOVY_METHODS[method])
        elif method == "exit" and owner in {"System", "java.lang.System"}:
            self.flag(member, "System.exit", Risk.JVM_CONTROL)
        elif method == "execute" and (
            receiver.type in _COMMAND_RECEIVERS or argument_count in {0, 2}
        ):
            # Groovy's String/List.execute() and execute(env, dir) start a process
            self.flag(member, "execute()", Risk.PROCESS)

    def _member(self, node: Node, field: str | None) -> None:
        if field == "function":
            return  # a method call: _method_call judges it
        if self.text.of(node) == _REFLECT_PACKAGE:
            self.flag(node, _REFLECT_PACKAGE, Risk.REFLECTION)
            return
        member = node.child_by_field_name("field") or node.child_by_field_name("property")
        if member is None or self._computed_name(member):
            return
        name = _unquoted(self.text.of(member))
        if name in _GROOVY_PROPERTIES:
            self.flag(member, name, _GROOVY_PROPERTIES[name])

    def _computed_name(self, member: Node) -> bool:
        """``obj."$name"()`` names its member at run time: nothing can tell what it reaches."""
        if member.type == "quoted_identifier" and any(
            child.type != "string_fragment" and child.type != '"' and child.type != "'"
            for child in member.children
        ):
            self.flag(member, "a member named at run time", Risk.DYNAMIC_CODE)
            return True
        return False


def _unquoted(name: str) -> str:
    """``"execute"`` written as a quoted member name is the member ``execute``."""
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'":
        return name[1:-1]
    return name


def _in_reflect_package(qualified: str) -> bool:
    dotted = "".join(qualified.split())
    return dotted == _REFLECT_PACKAGE or dotted.startswith(_REFLECT_PACKAGE + ".")


_JS_GLOBALS: dict[str, Risk] = {
    "eval": Risk.DYNAMIC_CODE,
    "Function": Risk.DYNAMIC_CODE,
    "load": Risk.DYNAMIC_CODE,
    "loadWithNewGlobal": Risk.DYNAMIC_CODE,
    "Java": Risk.JAVA_INTEROP,
    "JavaImporter": Risk.JAVA_INTEROP,
    "Packages": Risk.JAVA_INTEROP,
    "java": Risk.JAVA_INTEROP,
    "javax": Risk.JAVA_INTEROP,
    "importClass": Risk.JAVA_INTEROP,
    "importPackage": Risk.JAVA_INTEROP,
}
_JS_GLOBAL_OBJECTS = frozenset({"this", "globalThis", "global", "window", "self"})
_JS_COMMON_PROPERTY_NAMES = frozenset({"load", "java", "javax"})
"""Globals whose names are also ordinary property names (``xml.load()``): only bare uses count."""


class _JavaScriptScreen(_Screen):
    def visit(self, node: Node, field: str | None) -> None:
        kind = node.type
        if kind in {"identifier", "shorthand_property_identifier"}:
            name = self.text.of(node)
            if name in _JS_GLOBALS and field != "name":
                self.flag(node, self._api_name(node, name), _JS_GLOBALS[name])
        elif kind == "property_identifier" and field == "property":
            self._property(node)
        elif kind == "subscript_expression":
            self._computed_property(node)
        elif kind == "call_expression":
            self._call(node)

    def _api_name(self, node: Node, name: str) -> str:
        return _member_chain(self.text, node, name, {"member_expression"})

    def _property(self, node: Node) -> None:
        name = self.text.of(node)
        if name in _JS_GLOBALS and name not in _JS_COMMON_PROPERTY_NAMES:
            self.flag(node, name, _JS_GLOBALS[name])
        elif name == "constructor" and self._is_constructor_of_constructor(node):
            self.flag(node, "constructor.constructor (the Function constructor)", Risk.DYNAMIC_CODE)

    def _is_constructor_of_constructor(self, node: Node) -> bool:
        access = node.parent
        owner = access.child_by_field_name("object") if access is not None else None
        if owner is None or owner.type != "member_expression":
            return False
        inner = owner.child_by_field_name("property")
        return inner is not None and self.text.of(inner) == "constructor"

    def _computed_property(self, node: Node) -> None:
        """``this["eval"]`` reaches the same function as ``eval``; a string key is code here.

        A key built from string pieces (``"ev" + "al"``) is folded first; a key computed at run
        time on the global object (``globalThis[name]``) cannot be checked and is refused.
        """
        index = node.child_by_field_name("index")
        owner = node.child_by_field_name("object")
        if index is None:
            return
        key = self._constant_string(index)
        if key is not None:
            if key in _JS_GLOBALS:
                self.flag(index, key, _JS_GLOBALS[key])
            return
        if owner is not None and self.text.of(owner) in _JS_GLOBAL_OBJECTS:
            self.flag(index, "a global chosen at run time", Risk.DYNAMIC_CODE)

    def _constant_string(self, node: Node) -> str | None:
        if node.type == "string":
            return self.text.of(node)[1:-1]
        if node.type == "parenthesized_expression" and node.named_child_count == 1:
            inner = node.named_children[0]
            return self._constant_string(inner) if inner is not None else None
        if node.type == "binary_expression":
            operator = node.child_by_field_name("operator")
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if operator is None or self.text.of(operator) != "+" or left is None or right is None:
                return None
            first, second = self._constant_string(left), self._constant_string(right)
            if first is not None and second is not None:
                return first + second
        return None

    def _call(self, node: Node) -> None:
        function = node.child_by_field_name("function")
        if function is None or function.type != "member_expression":
            return
        receiver = function.child_by_field_name("object")
        member = function.child_by_field_name("property")
        if receiver is not None and member is not None:
            self.note_call(self.text.of(receiver), self.text.of(member), member)
