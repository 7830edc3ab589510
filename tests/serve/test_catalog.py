"""Rule sets on offer: from the configured folders only, each read and checked once per digest."""
from __future__ import annotations

import shutil
import time

import pytest

from serving import A2

from engine.errors import RevisionError
from engine.serve import catalog as catalog_module
from engine.serve.catalog import Catalog


@pytest.fixture
def copy_of_a2(tmp_path):
    folder = tmp_path / "rules" / "ZBC-SC-2025-A9"
    shutil.copytree(A2, folder)
    manifest = folder / "ruleset.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("revision: A/2", "revision: A/9")
                        .replace("status: approved", "status: draft"), encoding="utf-8")
    return folder


def test_a_rule_set_is_loaded_once_per_digest_and_again_when_it_changes(copy_of_a2, monkeypatch):
    loads = []
    real = catalog_module.load_cached
    monkeypatch.setattr(catalog_module, "load_cached", lambda folder: loads.append(folder) or real(folder))
    c = Catalog([copy_of_a2.parent], refresh_seconds=0)
    item = c.find("A9")
    assert item.folder == copy_of_a2 and item.status == "draft"
    first = c.ruleset(item)
    assert c.ruleset(c.find("A9")) is first and len(loads) == 1
    rules = next(copy_of_a2.glob("05-*.yaml"))
    time.sleep(0.01)
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# a comment changes the digest\n", encoding="utf-8")
    changed = c.find("A9")
    assert changed.digest != item.digest
    assert c.ruleset(changed) is not first and c.ruleset(changed).digest == changed.digest and len(loads) == 2


def test_only_the_configured_folders_are_offered(copy_of_a2):
    c = Catalog([copy_of_a2.parent])
    ids = [it.id for it in c.items()]
    assert "ZBC-SC-2025-A9" in ids and "ZBC-SC-2025-A2" in ids      # the bundled ones, as for every command
    assert "ZBC-SC-2025-A9" not in [it.id for it in Catalog().items()]
    with pytest.raises(RevisionError):
        Catalog().find(str(copy_of_a2))
    with pytest.raises(RevisionError):
        Catalog().find("../../etc")


def test_the_selection_is_the_command_lines(copy_of_a2):
    import engine
    c = Catalog()
    case = {"as_of": "2026-01-20"}
    item, selection = c.select(case)
    _, expected = engine.select_ruleset(case)
    assert selection == expected and item.revision == "A/2"
    assert c.select(case, "A/1")[1] == engine.select_ruleset(case, "A/1")[1]
    assert c.select({"as_of": "2025-01-01"})[1] == engine.select_ruleset({"as_of": "2025-01-01"})[1]
