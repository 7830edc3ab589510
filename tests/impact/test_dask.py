"""The impact map on a Dask cluster (distributed.LocalCluster): the same bytes as the local run, the
rule sets shipped to the workers rather than read from a shared disk."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed", reason="the dask extra: pip install 'certrules[dask]'")

from engine.corpus import generate_cases  # noqa: E402
from engine.impact import impact  # noqa: E402
from engine.impact.executors import bundle, dask_compare, compare_chunk  # noqa: E402
from engine.impact.tally import Tally  # noqa: E402
from engine.jsonout import dumps  # noqa: E402
from engine.registry import load_cached  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
A1, A2 = REPO / "rulesets" / "ZBC-SC-2024-A1", REPO / "rulesets" / "ZBC-SC-2025-A2"


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as c:
        yield c


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("dask") / "corpus.jsonl"
    path.write_text("".join(generate_cases(load_cached(A2), 900, 31)), encoding="utf-8")
    return path


def test_dask_run_equals_the_local_run_byte_for_byte(cluster, corpus):
    local = dumps(impact(A1, A2, corpus, workers=2, progress=False))
    on_dask = dumps(impact(A1, A2, corpus, executor="dask", scheduler=cluster.scheduler_address, progress=False))
    assert on_dask == local
    assert '"affected"' in local and '"migrations"' in local


def test_the_cli_takes_executor_and_scheduler(cluster, corpus, tmp_path):
    from engine.cli import main
    a, b = tmp_path / "local.json", tmp_path / "dask.json"
    assert main(["diff", str(A1), str(A2), "--cases", str(corpus), "--format", "json", "-o", str(a)]) == 0
    assert main(["diff", str(A1), str(A2), "--cases", str(corpus), "--format", "json", "-o", str(b),
                 "--executor", "dask", "--scheduler", cluster.scheduler_address]) == 0
    assert a.read_bytes() == b.read_bytes()


def test_workers_need_no_shared_disk(cluster, corpus, tmp_path):
    """The rule sets travel as bundles: the workers compare after the folders are gone from disk."""
    old, new = tmp_path / A1.name, tmp_path / A2.name
    shutil.copytree(A1, old)
    shutil.copytree(A2, new)
    bundles = [bundle(old), bundle(new)]
    shutil.rmtree(old)
    shutil.rmtree(new)
    from engine.corpus.sources import iter_records
    chunk = (0, list(iter_records(corpus))[:60])
    with distributed.Client(cluster.scheduler_address) as client:
        remote = client.submit(dask_compare, bundles, chunk, pure=False).result()
    from engine.impact.compare import Comparer
    here = compare_chunk(chunk, Comparer(load_cached(A1), load_cached(A2)))
    assert isinstance(remote, Tally) and dumps(remote.report()) == dumps(here.report())


def test_an_unreachable_scheduler_is_a_plain_error(corpus, capsys):
    from engine.cli import main
    assert main(["diff", str(A1), str(A2), "--cases", str(corpus), "--executor", "dask",
                 "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler" in err and "Traceback" not in err
    assert main(["diff", str(A1), str(A2), "--cases", str(corpus), "--executor", "dask"]) == 2
    assert "--scheduler" in capsys.readouterr().err
