"""Revisions scoped by family (issue 16, item 1): FAMILY/REVISION or --family on every command that
takes a revision, `family` in a case, and an ambiguous bare revision answered with the exact spellings."""
import shutil
from pathlib import Path

import pytest

from engine.cli import main
from engine.errors import RevisionError
from engine.registry import choose, find_rulesets, resolve, select_ruleset

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1"


@pytest.fixture
def clash(tmp_path):
    """A second library family whose revisions are spelt A/1 and A/2 like the bundled ZBC-SC ones."""
    root = tmp_path / "rules"
    for rev, effective in (("A/1", "2026-01-01"), ("A/2", "2026-07-01")):
        folder = root / f"LIB-X-{rev.replace('/', '')}"
        shutil.copytree(LIBRARY, folder)
        m = folder / "ruleset.yaml"
        m.write_text(m.read_text(encoding="utf-8").replace("family: LIB-LOANS", "family: LIB-X")
                     .replace("code: LIB-LOANS-2026", "code: LIB-X").replace("revision: R1", f"revision: {rev}")
                     .replace("effective: 2026-01-01", f"effective: {effective}"), encoding="utf-8")
    return root


def test_a_revision_is_named_bare_or_qualified_by_its_family(clash):
    entries = find_rulesets([clash])
    for name in ("LIB-X/A/1", "LIB-X/A1", "lib-x/a1", "LIB-X/LIB-X-A1"):
        hits, qualified = resolve(entries, name)
        assert [(e.family, e.revision) for e in hits] == [("LIB-X", "A/1")] and qualified, name
    assert {e.family for e in resolve(entries, "A/1")[0]} == {"LIB-X", "ZBC-SC"}
    assert choose(entries, None, "ZBC-SC/A/2")[0].code == "ZBC-SC-2025"
    assert choose(entries, None, "A/2", family="LIB-X")[0].code == "LIB-X"


def test_an_ambiguous_bare_revision_lists_the_spellings_to_use(clash):
    with pytest.raises(RevisionError) as err:
        choose(find_rulesets([clash]), None, "A/1")
    assert "name one as LIB-X/A/1 or ZBC-SC/A/1 (or give --family FAMILY)" in err.value.message


def test_unknown_revisions_and_families_get_a_suggestion(clash):
    entries = find_rulesets([clash])
    with pytest.raises(RevisionError, match=r"unknown revision 'LIB-X/A/11' \(did you mean 'LIB-X/A/1'\?\)"):
        choose(entries, None, "LIB-X/A/11")
    with pytest.raises(RevisionError, match=r"no rule set of family 'LIB-Y' \(did you mean 'LIB-X'\?\)"):
        choose(entries, None, "A/1", family="LIB-Y")


def test_a_case_may_name_its_family_beside_its_revision(clash):
    case = {"as_of": "2026-03-01", "member": {"kind": "student", "joined_on": "2022-09-01"}, "revision": "A/1"}
    with pytest.raises(RevisionError) as err:
        select_ruleset(case, dirs=[clash])
    assert "add 'family: LIB-X' or 'family: ZBC-SC' to the case, or write 'revision: LIB-X/A/1'" in err.value.message
    rs, why = select_ruleset(dict(case, family="LIB-X"), dirs=[clash])
    assert (rs.family, rs.revision, why["family"]) == ("LIB-X", "A/1", "LIB-X")
    rs, _ = select_ruleset(dict(case, revision="LIB-X/A/2"), dirs=[clash])
    assert rs.revision == "A/2"
    # the command line wins over the case, and a qualified revision sets the family too
    rs, _ = select_ruleset(dict(case, family="ZBC-SC"), revision="LIB-X/A/2", dirs=[clash])
    assert (rs.family, rs.revision) == ("LIB-X", "A/2")
    with pytest.raises(RevisionError, match=r"the case's family \(LIB-Z\): no rule set of family 'LIB-Z'"):
        select_ruleset(dict(case, family="LIB-Z"), dirs=[clash])
    # by date within the family the case names (two families are found, so the date alone cannot choose)
    dated = {k: v for k, v in case.items() if k != "revision"}
    with pytest.raises(RevisionError, match="or add 'family: LIB-X' or 'family: ZBC-SC' to the case"):
        select_ruleset(dated, dirs=[clash])
    assert select_ruleset(dict(dated, as_of="2026-08-01", family="LIB-X"), dirs=[clash])[0].revision == "A/2"


def test_a_case_naming_its_family_fits_a_schema_that_does_not_declare_it(clash, tmp_path, capsys):
    case = tmp_path / "case.yaml"
    case.write_text("as_of: 2026-03-01\nfamily: LIB-X\nrevision: A/1\nmember: {kind: staff, joined_on: 2020-01-01}\n",
                    encoding="utf-8")
    assert main(["eval", str(case), "--rulesets", str(clash), "--format", "json"]) == 0
    assert '"family": "LIB-X"' in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["check", "LIB-X/A/1"], ["check", "--family", "LIB-X"], ["test", "LIB-X/A/2"], ["coverage", "--family", "LIB-X", "A/1"],
    ["diff", "LIB-X/A/1", "LIB-X/A/2"], ["diff", "--family", "LIB-X", "A/1", "A/2"],
    ["rulebook", "LIB-X/A/2", "-o", "{tmp}/book"], ["cases", "generate", "--n", "2", "--family", "LIB-X"],
    ["cases", "generate", "--n", "2", "--ruleset", "LIB-X/A/1"],
    ["new-revision", "LIB-X/A/2", "--revision", "A/3", "--effective", "2027-01-01", "--out", "{tmp}/a3"],
    ["new-revision", "--family", "LIB-X", "A/2", "--revision", "A/3", "--effective", "2027-01-01", "--out", "{tmp}/b3"],
])
def test_every_command_that_takes_a_revision_takes_a_family(clash, tmp_path, argv, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv] + ["--rulesets", str(clash)]
    code = main(argv)
    err = capsys.readouterr().err
    assert code in (0, 1) and "several families" not in err, err     # coverage exits 1 for untested clauses
    bare = [a for a in argv if a not in ("--family", "LIB-X")]
    bare = [a.replace("LIB-X/", "") for a in bare]
    if bare != argv and any(a in ("A/1", "A/2") for a in bare):
        assert main(bare) == 5
        assert "exists in several families" in capsys.readouterr().err


def test_a_bad_option_is_named_once_with_its_command():
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "engine", "diff", "--nosuch", "A/1", "A/2"], capture_output=True,
                          text=True, cwd=REPO)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "certrules: diff: unrecognized arguments: --nosuch (see certrules diff --help)"
