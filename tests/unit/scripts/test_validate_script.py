"""Script checks: parsed with real grammars, never run; syntax errors and forbidden APIs."""

from __future__ import annotations

import pytest

from boomi_promo.domain.scripts import (
    MAX_SCRIPT_BYTES,
    IssueType,
    LanguageName,
    ScriptEmpty,
    ScriptIssue,
    ScriptLanguage,
    ScriptTooLarge,
    validate_script,
)
from tests.unit.scripts.samples import (
    GROOVY_SPLIT_LINES,
    ORDINARY_GROOVY,
    ORDINARY_JAVASCRIPT,
)

GROOVY = ScriptLanguage.GROOVY
JAVASCRIPT = ScriptLanguage.JAVASCRIPT


def security(source: str, language: ScriptLanguage = GROOVY) -> list[ScriptIssue]:
    report = validate_script(source, language)
    assert all(issue.type is IssueType.SECURITY for issue in report.errors), report.errors
    return list(report.errors)


def flagged_apis(source: str, language: ScriptLanguage = GROOVY) -> list[str]:
    return [issue.api for issue in security(source, language)]


# --- ordinary scripts pass -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ORDINARY_GROOVY))
def test_ordinary_groovy_scripts_pass(name: str) -> None:
    report = validate_script(ORDINARY_GROOVY[name], GROOVY)

    assert report.errors == ()
    assert report.warnings == ()
    assert report.is_valid


@pytest.mark.parametrize("name", sorted(ORDINARY_JAVASCRIPT))
def test_ordinary_javascript_scripts_pass(name: str) -> None:
    report = validate_script(ORDINARY_JAVASCRIPT[name], JAVASCRIPT)

    assert report.errors == ()
    assert report.is_valid


def test_groovy_annotations_on_script_variables_are_valid_groovy() -> None:
    source = "import groovy.transform.Field\n\n@Field\ndef counter = 0\ncounter++\n"

    assert validate_script(source, GROOVY).is_valid


# --- syntax ----------------------------------------------------------------------------------


def test_a_missing_closing_brace_is_a_syntax_error_on_the_line_of_the_open_brace() -> None:
    source = (
        "import com.boomi.execution.ExecutionUtil\n"
        "\n"
        "for (int i = 0; i < dataContext.getDataCount(); i++) {\n"
        "    InputStream is = dataContext.getStream(i)\n"
        "    dataContext.storeStream(is, dataContext.getProperties(i))\n"
    )

    report = validate_script(source, GROOVY)

    assert not report.is_valid
    assert [(e.type, e.line, e.column) for e in report.errors] == [(IssueType.SYNTAX, 3, 54)]
    assert report.errors[0].message.startswith("missing '}'")


def test_a_missing_brace_in_javascript_names_its_line() -> None:
    source = "function pad(s) {\n    while (s.length < 8) {\n        s = '0' + s;\n    return s;\n"

    (first, second) = validate_script(source, JAVASCRIPT).errors

    assert (first.type, first.line, first.column) == (IssueType.SYNTAX, 1, 17)
    assert (second.line, second.column) == (2, 26)
    assert first.message.startswith("missing '}'")


@pytest.mark.parametrize(
    ("language", "source", "line", "column", "message"),
    [
        (GROOVY, "def total = 0\ndef x = = 1\n", 2, 9, "unexpected '='"),
        (GROOVY, "output1 = input1.trim(\n", 1, 22, "missing ')'"),
        (GROOVY, "def f() { return 1 }}\n", 1, 21, "unexpected '}'"),
        (GROOVY, 'def s = "never ends\nx = 1\n', 1, 20, "missing '\"'"),
        (JAVASCRIPT, "var a = [1, 2;\n", 1, 9, "missing ']'"),
        (JAVASCRIPT, "var x = 1;\nvar y = 1 +* 2;\n", 2, 11, "unexpected '+'"),
    ],
)
def test_syntax_errors_have_a_line_a_column_and_a_plain_message(
    language: ScriptLanguage, source: str, line: int, column: int, message: str
) -> None:
    (error,) = validate_script(source, language).errors

    assert (error.type, error.line, error.column) == (IssueType.SYNTAX, line, column)
    assert error.message.startswith(message)


def test_columns_count_characters_not_bytes() -> None:
    (error,) = validate_script('def s = "ü€"; def x = = 1\n', GROOVY).errors

    assert (error.line, error.column) == (1, 23)  # the second "=": byte 26


def test_brackets_inside_strings_and_comments_do_not_count() -> None:
    source = 'def open = "{ ( ["\n// } ) ]\n/* { */\ndef re = /a{2}/\noutput1 = open\n'

    assert validate_script(source, GROOVY).is_valid


# --- security: Groovy ------------------------------------------------------------------------


def test_runtime_exec_is_refused() -> None:
    (issue,) = security('Runtime.getRuntime().exec("ls")\n')

    assert (issue.line, issue.column, issue.api) == (1, 1, "Runtime.getRuntime")
    assert "Runtime.getRuntime is not allowed" in issue.message


def test_new_file_is_refused() -> None:
    (issue,) = security('def x = 1\ndef passwd = new File("/etc/passwd").text\n')

    assert (issue.line, issue.column, issue.api) == (2, 18, "File")


def test_class_for_name_is_refused() -> None:
    (issue,) = security('def k = Class.forName("x")\n')

    assert (issue.line, issue.column, issue.api) == (1, 15, "Class.forName")
    assert "reflection" in issue.message


@pytest.mark.parametrize(
    ("source", "api"),
    [
        ('new ProcessBuilder("ls", "-l").start()', "ProcessBuilder"),
        ('"rm -rf /".execute()', "execute()"),
        ('["ls", "-l"].execute()', "execute()"),
        ('def cmd = "ls"\ncmd.execute()', "execute()"),
        ('new FileInputStream("a")', "FileInputStream"),
        ('new FileOutputStream("a")', "FileOutputStream"),
        ('new FileReader("a")', "FileReader"),
        ('new FileWriter("a")', "FileWriter"),
        ('new RandomAccessFile("a", "r")', "RandomAccessFile"),
        ("Files.readAllLines(x)", "Files.readAllLines"),
        ('def p = Paths.get("/tmp")', "Paths.get"),
        ('def f = java.io.File.createTempFile("a", "b")', "java.io.File.createTempFile"),
        ("import java.io.File", "File"),
        ('new Socket("host", 25)', "Socket"),
        ("new ServerSocket(8080)", "ServerSocket"),
        ('new URL("http://x").text', "URL"),
        ("URLConnection c = null", "URLConnection"),
        ("def c = x as HttpURLConnection", "HttpURLConnection"),
        ('m = x.getClass().getDeclaredMethod("run")', "getDeclaredMethod()"),
        ("m = x.getClass().getDeclaredMethods()", "getDeclaredMethods()"),
        ('m = x.getClass().getMethod("run")', "getMethod()"),
        ("field.setAccessible(true)", "setAccessible()"),
        ("def fields = x.class.declaredFields", "declaredFields"),
        ("java.lang.reflect.Method m = null", "java.lang.reflect"),
        ("import java.lang.reflect.*", "java.lang.reflect"),
        ("def forName = Class.&forName", "forName"),
        ("ClassLoader cl = null", "ClassLoader"),
        ("new URLClassLoader(urls)", "URLClassLoader"),
        ("new GroovyClassLoader().parseClass(src)", "GroovyClassLoader"),
        ("def loader = this.class.classLoader", "classLoader"),
        ("def l = Thread.currentThread().getContextClassLoader()", "Thread.currentThread"),
        ('new GroovyShell().parse("1")', "GroovyShell"),
        ('Eval.me("1 + 1")', "Eval.me"),
        ('evaluate("1 + 1")', "evaluate()"),
        ("System.exit(1)", "System.exit"),
        ("new Thread({ -> work() }).start()", "Thread"),
        ('@Grab("org.apache.commons:commons-lang3:3.12.0")\nimport org.apache.Foo', "@Grab"),
        ('def out = "${Runtime.getRuntime().exec("id")}"', "Runtime.getRuntime"),
    ],
)
def test_forbidden_groovy_apis_are_refused(source: str, api: str) -> None:
    assert api in flagged_apis(source)


def test_several_forbidden_calls_are_each_reported_in_script_order() -> None:
    source = (
        'Runtime.getRuntime().exec("ls")\n'
        'new File("/etc/passwd")\n'
        'Class.forName("x")\n'
        "System.exit(0)\n"
    )

    issues = security(source)

    assert [(issue.line, issue.api) for issue in issues] == [
        (1, "Runtime.getRuntime"),
        (2, "File"),
        (3, "Class.forName"),
        (4, "System.exit"),
    ]


def test_mentions_in_comments_and_strings_are_not_flagged() -> None:
    source = (
        '// Runtime.getRuntime().exec("ls") was removed\n'
        '/* new File("/etc/passwd"), Class.forName("x"), System.exit(0) */\n'
        'def note = "Runtime, ProcessBuilder and File are not used here"\n'
        "def single = 'Class.forName(\"x\")'\n"
        'def multi = """\n    new Socket("h", 1)\n"""\n'
        "def pattern = /Runtime.getRuntime/\n"
        'logger.info("evaluate() and @Grab are mentioned, not called")\n'
        "output1 = note + single + multi\n"
    )

    report = validate_script(source, GROOVY)

    assert report.errors == ()


def test_names_that_only_look_like_forbidden_classes_are_allowed() -> None:
    source = (
        "def fileName = props.getProperty('document.dynamic.userdefined.File')\n"
        "def record = [File: fileName, URL: 'x']\n"
        "output1 = record.File + inputUrl.toURL\n"
        "def result = statement.execute(sql)\n"
    )

    assert validate_script(source, GROOVY).errors == ()


# --- security: JavaScript --------------------------------------------------------------------


def test_javascript_eval_is_refused() -> None:
    (issue,) = security('var one = eval("1");\n', JAVASCRIPT)

    assert (issue.line, issue.column, issue.api) == (1, 11, "eval")
    assert "eval is not allowed" in issue.message


@pytest.mark.parametrize(
    ("source", "api"),
    [
        ('var f = new Function("a", "return a");', "Function"),
        ('var g = Function("return this")();', "Function"),
        ('var c = ({}).constructor.constructor("return 1");', "constructor.constructor"),
        ('load("http://example.com/lib.js");', "load"),
        ('loadWithNewGlobal({script: "1"});', "loadWithNewGlobal"),
        ('var File = Java.type("java.io.File");', "Java.type"),
        ("var Ext = Java.extend(Base, {});", "Java.extend"),
        ("var R = Packages.java.lang.Runtime;", "Packages.java.lang.Runtime"),
        ("var rt = java.lang.Runtime.getRuntime();", "java.lang.Runtime.getRuntime"),
        ("importClass(java.io.File);", "importClass"),
        ("importPackage(java.net);", "importPackage"),
        ('var e = this["eval"];', "eval"),
        ("var o = {eval};", "eval"),
    ],
)
def test_forbidden_javascript_apis_are_refused(source: str, api: str) -> None:
    assert any(flagged.startswith(api) for flagged in flagged_apis(source, JAVASCRIPT))


def test_javascript_mentions_in_comments_strings_and_regexes_are_not_flagged() -> None:
    source = (
        '// eval("x") and Java.type("y") were removed\n'
        "/* new Function(), importPackage(java.io) */\n"
        'var note = "eval, Function and Packages are only words";\n'
        "var re = /eval\\(|Java\\.type/g;\n"
        "var tpl = `no eval(${1 + 1}) here`;\n"
        "var doc = xml.load(note); var lang = meta.java;\n"
        "output1 = note.replace(re, '');\n"
    )

    assert validate_script(source, JAVASCRIPT).errors == ()


# --- limits, languages and warnings ----------------------------------------------------------


def test_a_script_of_exactly_10_kb_is_checked() -> None:
    body = "x = 1\n"
    source = body * (MAX_SCRIPT_BYTES // len(body))
    source += " " * (MAX_SCRIPT_BYTES - len(source))

    assert validate_script(source, GROOVY).is_valid


def test_a_script_over_10_kb_is_refused_by_its_utf8_size() -> None:
    source = "// " + "é" * (MAX_SCRIPT_BYTES // 2)  # fewer characters than bytes

    assert len(source) < MAX_SCRIPT_BYTES
    with pytest.raises(ScriptTooLarge) as refused:
        validate_script(source, GROOVY)
    assert refused.value.code == "SCRIPT_TOO_LARGE"
    assert refused.value.size_bytes == 3 + 2 * (MAX_SCRIPT_BYTES // 2)
    assert "10 KB" in str(refused.value)


@pytest.mark.parametrize("source", ["", "   ", "\n\t\n"])
def test_an_empty_script_is_refused(source: str) -> None:
    with pytest.raises(ScriptEmpty) as refused:
        validate_script(source, JAVASCRIPT)
    assert refused.value.code == "SCRIPT_EMPTY"


@pytest.mark.parametrize(
    ("name", "language"),
    [
        (LanguageName.GROOVY, GROOVY),
        (LanguageName.GROOVY2, GROOVY),
        (LanguageName.JAVASCRIPT, JAVASCRIPT),
    ],
)
def test_boomi_language_names_choose_the_grammar(
    name: LanguageName, language: ScriptLanguage
) -> None:
    assert name.language is language


def test_the_same_text_is_judged_by_its_own_language() -> None:
    groovy_only = 'def greeting = "Hello ${name}"\noutput1 = greeting ?: "none"\n'

    assert validate_script(groovy_only, GROOVY).is_valid
    assert not validate_script(groovy_only, JAVASCRIPT).is_valid


def test_reading_documents_without_storing_them_is_a_warning_not_an_error() -> None:
    source = GROOVY_SPLIT_LINES.replace("dataContext.storeStream(", "logger.info(")

    report = validate_script(source, GROOVY)

    assert report.is_valid
    (warning,) = report.warnings
    assert warning.type is IssueType.USAGE
    assert warning.line == 9
    assert "storeStream" in warning.message


def test_a_broken_script_reports_a_bounded_number_of_errors() -> None:
    source = "{\n" * 2000

    report = validate_script(source, JAVASCRIPT)

    assert 0 < len(report.errors) <= 50
    assert report.errors[0].line == 1


@pytest.mark.parametrize(
    ("source", "language"),
    [
        ('def run = "id".&execute\nrun()', GROOVY),
        ('"id"."execute"()', GROOVY),
        ("def m = 'exe' + 'cute'\n\"id\".\"$m\"()", GROOVY),
        ('def p = props."${key}"', GROOVY),
        ('var f = this["ev" + "al"]; f("1")', JAVASCRIPT),
        ('var f = this[("ev") + "al"]; f("1")', JAVASCRIPT),
        ('var k = "eval"; globalThis[k]("1")', JAVASCRIPT),
        ('var w = window[name]("x")', JAVASCRIPT),
    ],
    ids=[
        "method-pointer-execute",
        "quoted-execute",
        "interpolated-method-name",
        "interpolated-property",
        "concatenated-eval",
        "parenthesised-concatenation",
        "global-by-variable",
        "window-by-variable",
    ],
)
def test_code_reaching_a_forbidden_api_by_another_name_is_refused(
    source: str, language: ScriptLanguage
) -> None:
    assert security(source, language), "the script must not pass"


@pytest.mark.parametrize(
    ("source", "language"),
    [
        ('def name = props."customerName"\nname.trim()', GROOVY),
        ("var value = record[fieldName]; value.trim()", JAVASCRIPT),
        ('var v = this["total"]', JAVASCRIPT),
    ],
)
def test_ordinary_dynamic_reads_pass(source: str, language: ScriptLanguage) -> None:
    assert security(source, language) == []
