"""One rule for files (issue 17, item 1): every file a rule set contributes is reached through
engine/folder.py `member`, which refuses anything outside the rule-set folder, symbolic links
included, and anything that is not a regular file. Each reader is tried here with a link pointing
out to a file holding a secret: the secret never appears in any output, and the message names the
file. Copying (new-revision, apply) refuses a link pointing out and reproduces a link inside.
"""
from __future__ import annotations

import os
import shutil

import pytest

from hardening_support import run_main

SECRET = "TOP-SECRET-7f3a"
GOOD_CASE = "as_of: 2026-03-01\nmember: {kind: student, joined_on: 2022-09-01}\nloans: []\n"


@pytest.fixture
def outside(tmp_path):
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.yaml").write_text(f"secret: {SECRET}\ntests: [{{name: {SECRET}, expect: {{}}}}]\n",
                                        encoding="utf-8")
    (folder / "secret.html.j2").write_text(f"<p>{SECRET}</p>", encoding="utf-8")
    (folder / "documents.yaml").write_text(f"evil: {{title: {SECRET}}}\n", encoding="utf-8")
    return folder


def _case(tmp_path):
    case = tmp_path / "c.yaml"
    case.write_text(GOOD_CASE, encoding="utf-8")
    return case


def _no_secret(*texts):
    for text in texts:
        assert SECRET not in text, text
        assert "Traceback" not in text and "internal error" not in text, text


@pytest.mark.parametrize("rel", ["extra.yaml", "clauses.yaml", "case.schema.yaml", "ruleset.yaml"])
def test_the_loader_refuses_a_link_out(rel, library, outside, capsys):
    target = library / rel
    if target.exists():
        target.unlink()
    target.symlink_to(outside / "secret.yaml")
    code, out, err = run_main(["check", library], capsys)
    _no_secret(out, err)
    assert code == 1 and "link pointing outside the rule set" in out and rel in out, out


def test_a_test_file_linked_out_is_not_run_or_printed(library, outside, capsys):
    (library / "tests" / "evil.yaml").symlink_to(outside / "secret.yaml")
    code, out, err = run_main(["test", library, "-v"], capsys)
    _no_secret(out, err)
    assert code == 1 and "FAIL tests/evil.yaml" in out and "link pointing outside the rule set" in out, out


def test_a_tests_folder_linked_out_is_not_read(library, outside, capsys):
    shutil.rmtree(library / "tests")
    (library / "tests").symlink_to(outside)
    code, out, err = run_main(["test", library], capsys)
    _no_secret(out, err)
    assert code == 1 and "tests" in out and "link pointing outside" in out, out


def test_a_folder_linked_out_inside_tests_is_not_walked(library, outside, capsys):
    (library / "tests" / "more").symlink_to(outside)
    code, out, err = run_main(["test", library, "-v"], capsys)
    _no_secret(out, err)
    assert "tests/more" in out and "link pointing outside" in out, out


def test_a_fixture_linked_out_is_refused(library, outside, capsys):
    fixture = library / "tests" / "fixtures" / "student.yaml"
    fixture.unlink()
    fixture.symlink_to(outside / "secret.yaml")
    code, out, err = run_main(["test", library], capsys)
    _no_secret(out, err)
    assert code == 1 and "tests/fixtures/student.yaml" in out and "link pointing outside" in out, out


def test_a_fifo_in_tests_does_not_hang(library, capsys):
    os.mkfifo(library / "tests" / "pipe.yaml")
    code, out, err = run_main(["test", library], capsys)
    assert code == 1 and "tests/pipe.yaml" in out and "not a regular file" in out, out


def test_a_loop_of_links_is_refused(library, capsys):
    (library / "a.yaml").symlink_to(library / "b.yaml")
    (library / "b.yaml").symlink_to(library / "a.yaml")
    code, out, err = run_main(["check", library], capsys)
    assert code == 1 and "a.yaml" in out and "Traceback" not in out + err, out


@pytest.mark.parametrize("what", ["documents.yaml", "template"])
def test_documents_and_templates_linked_out_are_not_read(what, library, outside, tmp_path, capsys):
    templates = library / "templates"
    templates.mkdir()
    if what == "documents.yaml":
        (templates / "evil.html.j2").write_text("<p>{{ document.title }}</p>", encoding="utf-8")
        (templates / "documents.yaml").symlink_to(outside / "documents.yaml")
    else:
        (templates / "evil.html.j2").symlink_to(outside / "secret.html.j2")
    code, out, err = run_main(["render", "evil", _case(tmp_path), "--rulesets", library.parent,
                               "--family", "LIB-LOANS"], capsys)
    _no_secret(out, err)
    assert code == 3 and "link pointing outside the rule set" in err, (code, out, err)


def test_an_include_linked_out_is_refused_with_the_line(library, outside, tmp_path, capsys):
    templates = library / "templates"
    templates.mkdir()
    (templates / "evil.html.j2").write_text("<h1>x</h1>\n{% include '_part.html.j2' %}\n", encoding="utf-8")
    (templates / "_part.html.j2").symlink_to(outside / "secret.html.j2")
    code, out, err = run_main(["render", "evil", _case(tmp_path), "--rulesets", library.parent,
                               "--family", "LIB-LOANS"], capsys)
    _no_secret(out, err)
    assert code == 3 and err.startswith("certrules: templates/evil.html.j2:2: template '_part.html.j2' is refused"), err


def test_the_digest_does_not_read_a_link_out(library, outside):
    from engine.loader import digest_of
    (library / "extra.yaml").symlink_to(outside / "secret.yaml")
    before = digest_of(library)
    (outside / "secret.yaml").write_text("changed: outside\n", encoding="utf-8")
    assert digest_of(library) == before


@pytest.mark.parametrize("link", ["file", "folder"])
@pytest.mark.parametrize("command", ["new-revision", "apply"])
def test_copying_refuses_a_link_out_and_writes_nothing(command, link, library, outside, tmp_path, capsys):
    if link == "file":
        (library / "tests" / "more.yaml").symlink_to(outside / "secret.yaml")
    else:
        (library / "tests" / "more").symlink_to(outside)
    out_dir = tmp_path / "LIB-LOANS-2026-R2"
    if command == "new-revision":
        args = ["new-revision", library, "--revision", "R2", "--effective", "2026-06-01", "--out", out_dir]
    else:
        patch = tmp_path / "p.yaml"
        patch.write_text("certrules_patch: 1\n", encoding="utf-8")
        args = ["apply", patch, "--to", library, "--out", out_dir, "--revision", "R2", "--effective", "2026-06-01"]
    code, out, err = run_main(args, capsys)
    _no_secret(out, err)
    assert code == 3 and "link pointing outside the rule set; it is not copied" in err and "tests/more" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["outside", "rulesets"] + (["p.yaml"] if command == "apply" else []))


def test_copying_reproduces_a_link_inside(library, tmp_path, capsys):
    (library / "tests" / "fixtures" / "again.yaml").symlink_to("student.yaml")
    (library / "tests" / "fixtures2").symlink_to("fixtures")
    out_dir = tmp_path / "LIB-LOANS-2026-R2"
    code, out, err = run_main(["new-revision", library, "--revision", "R2", "--effective", "2026-06-01",
                               "--out", out_dir], capsys)
    assert code == 0, err
    again = out_dir / "tests" / "fixtures" / "again.yaml"
    assert again.is_symlink() and os.readlink(again) == "student.yaml"
    assert (out_dir / "tests" / "fixtures2").is_symlink() and os.readlink(out_dir / "tests" / "fixtures2") == "fixtures"
    assert again.resolve().parent == (out_dir / "tests" / "fixtures").resolve()


def test_member_is_the_one_rule(tmp_path):
    from engine.folder import RefusedPath, member
    root = tmp_path / "rs"
    (root / "sub").mkdir(parents=True)
    (root / "a.yaml").write_text("a: 1\n", encoding="utf-8")
    (root / "sub" / "in.yaml").symlink_to("../a.yaml")
    (tmp_path / "out.yaml").write_text("x: 1\n", encoding="utf-8")
    (root / "out.yaml").symlink_to(tmp_path / "out.yaml")
    assert member(root, "a.yaml") == (root / "a.yaml").resolve()
    assert member(root, "sub/in.yaml") == (root / "a.yaml").resolve()
    for bad, why in [("../out.yaml", "points outside"), ("/etc/passwd", "points outside"), ("out.yaml", "link pointing outside"),
                     ("sub", "is a folder"), ("nope.yaml", "does not exist"), ("a\\b", "points outside"),
                     ("", "not a relative path")]:
        with pytest.raises(RefusedPath, match=why):
            member(root, bad)


def test_a_pdf_never_shows_a_file_from_outside(tmp_path):
    """Chromium prints a page opened from a file: a template's iframe, object or embed of
    file:///etc/passwd put that file into the PDF until the print policy (engine/render.py PRINT_POLICY)."""
    import shutil as sh
    from engine.render import chromium, print_pdf
    if chromium() is None or sh.which("pdftotext") is None:
        if os.environ.get("CERTRULES_REQUIRE_BROWSER"):
            pytest.fail("Chromium and pdftotext are needed for this test")
        pytest.skip("needs Chromium and pdftotext")
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    html = ('<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="default-src *">'
            f'</head><body><p>visible</p><iframe src="{secret.as_uri()}"></iframe><object data="{secret.as_uri()}">'
            f'</object><embed src="{secret.as_uri()}"><img src="{secret.as_uri()}"></body></html>')
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(print_pdf(html))
    import subprocess as sp
    text = sp.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "visible" in text and SECRET not in text, text


@pytest.mark.parametrize("first, second", [("clauses.yaml", "Clauses.yaml"),
                                           ("tests/caf\u00e9.yaml", "tests/cafe\u0301.yaml")])
def test_names_one_on_macos_or_windows_are_refused(first, second, library, capsys):
    """Two files a case-insensitive (or Unicode-normalising) file system holds as one: the rule set
    would differ between machines, so it does not load, and the message names both."""
    (library / "tests").mkdir(exist_ok=True)
    if not (library / first).exists():
        (library / first).write_text("tests: []\n", encoding="utf-8")
    shutil.copy(library / first, library / second)
    if {p.name for p in (library / second).parent.iterdir()} >= {first.split("/")[-1], second.split("/")[-1]}:
        code, out, err = run_main(["check", library], capsys)
        assert code == 1, (out, err)
        assert "differ only in letter case or Unicode form" in out + err
        assert second.split("/")[-1] in out + err or first.split("/")[-1] in out + err
    else:      # this file system already holds them as one file: nothing to refuse
        assert (library / first).exists()
