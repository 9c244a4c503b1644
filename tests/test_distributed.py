"""The Ray engine (``stance score --engine ray``, ``stance.distributed``): the local scorer's
results document by document, bad documents recorded, resume, and an actor killed mid-run.

The tests that run Ray start one local Ray on 2 CPUs for the module (as ``--engine ray``
does without ``--address`` on this 2-core machine) and are skipped, saying why, where Ray
is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import stance
from stance.cli import main
from stance.distributed.actor_plan import ActorPlanError, plan_actors
from stance.scoring import ScoreOptions, score_inputs
from stance.scoring.documents import InputOptions

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
HAVE_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(not HAVE_RAY, reason="Ray is not installed: pip install 'stance[ray]' "
                               "(./run.sh test installs it with the test extra)")
FIELDS = InputOptions(id_field="uid", text_field="body")


# -- without Ray ---------------------------------------------------------------------------


def test_stance_and_the_local_scorer_never_import_ray(tiny_model, tmp_path):
    (tmp_path / "a.txt").write_text("The talks lasted two hours.\n")
    script = (
        "import sys, stance, stance.distributed\n"
        "from stance.cli import build_parser\n"
        "from stance.scoring import ScoreOptions, score_inputs\n"
        "build_parser().parse_args(['score', 'x', '--out', 'y', '--engine', 'ray'])\n"
        f"summary = score_inputs(stance.load({str(tiny_model)!r}), [{str(tmp_path / 'a.txt')!r}], "
        f"ScoreOptions(out={str(tmp_path / 'r.jsonl')!r}, progress=False))\n"
        "assert summary.scored == 1\n"
        "assert not any(m == 'ray' or m.startswith('ray.') for m in sys.modules), 'ray was imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_engine_ray_without_ray_says_how_to_install_it(tmp_path):
    (tmp_path / "a.txt").write_text("The talks lasted two hours.\n")
    script = (
        "import sys\n"
        "sys.modules['ray'] = None  # as if Ray were not installed\n"
        "from stance.cli import main\n"
        f"sys.exit(main(['score', {str(tmp_path / 'a.txt')!r}, '--engine', 'ray', '--out', "
        f"{str(tmp_path / 'out')!r}]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "pip install 'stance[ray]'" in proc.stderr and "Traceback" not in proc.stderr


def test_actor_pool_is_sized_by_the_cluster():
    two_cpus = {"CPU": 2.0}
    plan = plan_actors(two_cpus)
    assert (plan.actors, plan.device, plan.threads, plan.num_gpus) == (2, "cpu", 1, 0.0)
    assert plan.actors * plan.num_cpus + 0.1 <= 2  # room left for the reading tasks
    assert plan_actors(two_cpus, actors=1, cpus_per_actor=2).num_cpus == pytest.approx(1.8)
    with pytest.raises(ActorPlanError, match="lower --actors"):
        plan_actors(two_cpus, actors=3)
    assert "wait" in plan_actors(two_cpus, actors=3, strict=False).note  # a cluster that may grow
    gpus = plan_actors({"CPU": 16.0, "GPU": 4.0})
    assert (gpus.actors, gpus.device, gpus.num_gpus) == (4, "cuda", 1.0)
    assert plan_actors({"CPU": 16.0, "GPU": 4.0}, device="cpu").actors == 16
    with pytest.raises(ActorPlanError, match="no GPU"):
        plan_actors(two_cpus, device="cuda")


def test_actors_run_a_loaded_classifier_on_its_own_path_unless_another_is_named(tiny_model):
    from stance.distributed.pipeline import actor_fast_path

    loaded = stance.load(tiny_model, fast="bf16")
    assert actor_fast_path(loaded, "auto") == actor_fast_path(loaded, None) == "bf16"
    assert actor_fast_path(stance.load(tiny_model, fast="off"), "auto") == "off"
    assert actor_fast_path(loaded, "int8") == "int8"
    assert actor_fast_path(str(tiny_model), "auto") == actor_fast_path(str(tiny_model), None) == "auto"


def test_resume_keys_find_every_written_document():
    from stance.distributed.resume import ResumeKeys

    pairs = [(f"doc{i}", f"{i:016x}") for i in range(3000)]
    keys = ResumeKeys(pairs)
    assert all(pair in keys for pair in pairs)  # digests ending in NUL bytes included
    assert not any((doc_id, "0" * 16) in keys for doc_id, _ in pairs[1:])
    assert ("x", "y") not in ResumeKeys()


def test_an_interrupted_partition_write_is_cleaned_up(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from stance.distributed.partitions import PartitionFolder

    out = tmp_path / "out"
    folder = PartitionFolder(out)
    article = {"doc_id": "a", "content_hash": "h1",
               "model": {"name": "m", "version": "1", "context": {"before": 1, "after": 0,
                                                                "max_tokens": 64, "mode": None}}}
    pq.write_table(pa.Table.from_pylist([article]), folder.articles / "part-1.parquet")
    pq.write_table(pa.table({"doc_id": ["a"]}), folder.sentences / "part-1.parquet")
    # killed between the two renames of partition 2, and in the middle of writing partition 3
    pq.write_table(pa.table({"doc_id": ["b"]}), folder.sentences / "part-2.parquet")
    (folder.articles / ".part-3.parquet.x1.tmp").write_bytes(b"PAR1 half")
    (folder.articles / "part-4.parquet").write_bytes(b"not parquet")  # damaged by hand
    (folder.sentences / "part-4.parquet").write_bytes(b"not parquet")
    again = PartitionFolder(out)
    assert again.done == {("a", "h1")}
    assert again.first_record == {"model": {"name": "m", "version": "1",
                                            "context": {"before": 1, "after": 0, "max_tokens": 64}}}
    assert sorted(Path(p).name for p in again.removed) == [".part-3.parquet.x1.tmp", "part-2.parquet"]
    assert [Path(p).name for p in again.moved] == ["part-4.parquet"]
    assert sorted(p.name for p in (out / "unreadable").iterdir()) == ["articles-part-4.parquet",
                                                                      "sentences-part-4.parquet"]
    assert [p.name for p in folder.sentences.iterdir()] == ["part-1.parquet"]


def test_engine_ray_usage_errors(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("The talks lasted two hours.\n")
    base = ["score", str(tmp_path / "a.txt"), "--engine", "ray", "--out", str(tmp_path / "out")]
    assert main(base + ["--csv"]) == 2
    assert "--csv does not go with --engine ray" in capsys.readouterr().err
    assert main(["score", "-", "--engine", "ray", "--out", str(tmp_path / "out")]) == 2
    assert "cannot read standard input" in capsys.readouterr().err
    if HAVE_RAY:
        (tmp_path / "file").write_text("")
        assert main(base[:-1] + [str(tmp_path / "file")]) == 1
        assert "is a file; the Ray engine writes a folder" in capsys.readouterr().err


# -- with a local Ray on 2 CPUs ---------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    if not HAVE_RAY:
        pytest.skip("Ray is not installed: pip install 'stance[ray]'")
    import ray

    from stance.distributed.cluster import connect

    connection = connect(num_cpus=2)
    yield connection
    ray.shutdown()


@pytest.fixture(scope="module")
def model(tiny_model):
    return stance.load(tiny_model, fast="off")  # fp32 here and in the actors: comparable numbers


@pytest.fixture()
def inputs(tmp_path):
    """Every kind of input and of bad document the local scorer's tests use."""
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("Talks in Istanbul\nThe talks lasted two hours. Putin said.\n")
    (folder / "sub" / "b.md").write_text("# Peace\n\nThe Kiev regime sabotaged the talks.\n")
    (folder / "c.html").write_text(
        "<html><body><nav>Home News Sport</nav><article><h1>Exchange</h1><p>Both sides agreed "
        "to exchange 1,000 prisoners of war each after the talks in Istanbul on Friday, the "
        "delegation said.</p><p>The meeting lasted almost two hours and ended without a "
        "ceasefire.</p></article></body></html>")
    (folder / "d.jsonl").write_text(
        json.dumps({"uid": "x1", "body": "Russia is a terrorist state. The West agreed sanctions."}) + "\n"
        + "{not json\n" + json.dumps({"uid": "x2", "body": "The talks lasted two hours."}) + "\n"
        + json.dumps({"uid": "x1", "body": "A second document with the first one's id."}) + "\n"
        + json.dumps({"uid": "x3", "body": 42}) + "\n")
    (folder / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    (folder / "latin1.txt").write_bytes("Caf\xe9 talks".encode("latin-1"))
    (folder / "empty.txt").write_text("   \n")
    (folder / "furniture.txt").write_text("Skip to main content\nAdvertisement\n")
    return folder


def score_locally(model, inputs, out, **kw):
    options = ScoreOptions(out=str(out), progress=False, inputs=FIELDS, **kw)
    summary = score_inputs(model, [str(i) for i in inputs], options)
    records = {r["doc_id"]: r for r in map(json.loads, options.log_path.read_text().splitlines())}
    return summary, records, read_errors(options.errors_path)


def score_on_ray(model, inputs, out, **kw):
    from stance.distributed import RayScoreOptions, score_inputs_ray

    kw.setdefault("inputs", FIELDS)
    summary = score_inputs_ray([str(i) for i in inputs], RayScoreOptions(out=str(out), progress=False, **kw),
                               model=model)
    return summary, read_articles(out), read_errors(out / "errors.jsonl")


def read_errors(path):
    if not path.exists():
        return {}
    return {(e["doc_id"], e["source"]): e["reason"] for e in map(json.loads, path.read_text().splitlines())}


def article_rows(out):
    import pyarrow.parquet as pq

    from stance.distributed.tables import record_from_row

    return [record_from_row(r) for p in sorted((out / "articles").glob("*.parquet"))
            for r in pq.read_table(p).to_pylist()]


def read_articles(out):
    """The articles by id (the latest version of a document that changed between runs)."""
    rows = article_rows(out)
    keys = [(r["doc_id"], r["content_hash"]) for r in rows]
    assert len(keys) == len(set(keys)), "a document was written twice"
    return {r["doc_id"]: r for r in rows}


def read_sentences(out):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.concat_tables(pq.read_table(p) for p in sorted((out / "sentences").glob("*.parquet")))
    return table.sort_by([("doc_id", "ascending"), ("sentence_index", "ascending")])


def same(a, b, where="") -> None:
    """Equal records: floats to 1e-5 (fp32 in batches of other shapes), everything else exactly."""
    if isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), where
        assert math.isclose(a, b, abs_tol=1e-5), f"{where}: {a} != {b}"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for key in a:
            same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{where}: {len(a)} != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def compare_with_local(local, on_ray) -> None:
    assert sorted(on_ray) == sorted(local)
    for doc_id, record in local.items():
        same({k: v for k, v in record.items() if k != "sentences"}, on_ray[doc_id], doc_id)


def compare_sentences(local_parquet, out) -> None:
    import pyarrow.parquet as pq

    local = pq.read_table(local_parquet).sort_by([("doc_id", "ascending"), ("sentence_index", "ascending")])
    ray_table = read_sentences(out)
    assert ray_table.schema == local.schema  # same columns, same types
    assert ray_table.num_rows == local.num_rows > 0
    same(local.to_pylist(), ray_table.to_pylist(), "sentences")


@needs_ray
def test_same_results_as_the_local_scorer_document_by_document(cluster, model, inputs, tmp_path):
    local_summary, local, local_errors = score_locally(model, [inputs], tmp_path / "local.parquet",
                                                       format="parquet")
    summary, on_ray, errors = score_on_ray(model, [inputs], tmp_path / "out", partition_documents=2)
    compare_with_local(local, on_ray)
    compare_sentences(tmp_path / "local.parquet", tmp_path / "out")
    assert errors == local_errors  # the same bad documents, with the same reasons
    reasons = {source.split("/")[-1]: reason for (_, source), reason in errors.items()}
    assert "binary file" in reasons["bin.txt"] and "not valid UTF-8" in reasons["latin1.txt"]
    assert reasons["empty.txt"] == "empty document" and "only page furniture" in reasons["furniture.txt"]
    assert "malformed JSON" in reasons["d.jsonl:2"] and "duplicate document id 'x1'" in reasons["d.jsonl:4"]
    assert (summary.scored, summary.failed, summary.duplicates, summary.skipped) == (
        local_summary.scored, local_summary.failed, local_summary.duplicates, 0)
    assert summary.sentences == local_summary.sentences and summary.partitions == 3


@needs_ray
def test_same_results_on_the_corpus(cluster, tiny_vector_model, tmp_path):
    """The corpus articles, read with context (the tiny model that reads its context as a
    vector: the tiny pair model's 64 positions cannot hold a corpus sentence and its context)."""
    if not CORPUS.is_dir():
        pytest.skip(f"the corpus is not here ({CORPUS})")
    model = stance.load(tiny_vector_model, fast="off")
    local_summary, local, _ = score_locally(model, [CORPUS], tmp_path / "local.parquet", format="parquet")
    summary, on_ray, errors = score_on_ray(model, [CORPUS], tmp_path / "out")
    assert errors == {} and local_summary.failed == 0 and len(local) == len(list(CORPUS.glob("*.txt")))
    compare_with_local(local, on_ray)
    compare_sentences(tmp_path / "local.parquet", tmp_path / "out")
    assert summary.sentences == local_summary.sentences > 100


@needs_ray
def test_rerun_skips_what_is_written_rescores_what_changed_and_keeps_its_settings(
        cluster, model, inputs, tmp_path):
    out = tmp_path / "out"
    first, _, errors = score_on_ray(model, [inputs], out)
    again, articles, errors_again = score_on_ray(model, [inputs], out)
    assert (again.scored, again.skipped) == (0, first.scored)
    assert again.failed == first.failed and errors_again == errors  # the errors file is not repeated
    assert len((out / "errors.jsonl").read_text().splitlines()) == len(errors)
    (inputs / "a.txt").write_text("The talks lasted two hours.\n")
    (inputs / "empty.txt").write_text("Both sides agreed a prisoners exchange.\n")  # now scorable
    third, articles, errors = score_on_ray(model, [inputs], out)
    assert (third.scored, third.skipped) == (2, first.scored - 1)
    assert not any(source.endswith("empty.txt") for _, source in errors)  # no longer an error
    rows = article_rows(out)
    assert len({r["content_hash"] for r in rows if r["doc_id"].endswith("a.txt")}) == 2  # old and new
    assert len(rows) == first.scored + 2
    assert len({(r["doc_id"], r["content_hash"]) for r in rows}) == len(rows)
    assert read_sentences(out).num_rows == sum(r["n_sentences"] for r in rows)
    from stance.scoring.runner import SettingsMismatchError

    with pytest.raises(SettingsMismatchError, match="sentences read alone"):  # before Ray is used
        score_on_ray(model, [inputs], out, context=False)


@needs_ray
def test_score_dataset_takes_and_gives_datasets(cluster, model, tmp_path):
    import ray

    from stance.distributed import score_dataset, sentence_table

    text = "Talks in Istanbul\nThe talks lasted two hours. The Kiev regime sabotaged the talks."
    rows = [{"id": "n1", "text": text, "lang": "en", "source": "feed"},
            {"id": "n2", "text": "<html><body><article><p>Both sides agreed a prisoners exchange "
                                  "after the talks in Istanbul on Friday, the delegation said.</p>"
                                  "</article></body></html>", "lang": None, "source": None},
            {"id": "n3", "text": "   ", "lang": None, "source": None},
            {"id": None, "text": "An article without an id.", "lang": None, "source": "feed"}]
    scored = score_dataset(ray.data.from_items(rows), model=model, actors=1)
    results = {r["doc_id"]: r for r in scored.take_all()}
    assert {r["status"] for r in results.values()} == {"scored", "failed"}
    assert results["n3"]["error"] == "empty document"
    assert any("no id" in (r["error"] or "") for r in results.values())
    assert "prisoners" in results["n2"]["sentences"][0]["text"] and results["n2"]["source"] == "n2"
    expected = model.score_article(text, lang="en", batch_size=32).to_dict()
    got = {k: v for k, v in results["n1"].items() if k in expected}
    same(expected, got, "n1")
    assert results["n1"]["model"]["name"] == model.name and results["n1"]["source"] == "feed"
    sentences = sentence_table(scored).take_all()
    assert len(sentences) == sum(r["n_sentences"] or 0 for r in results.values()) == 4
    assert sentences[0]["p_pro_kyiv"] == results["n1"]["sentences"][0]["stance_scores"]["pro_kyiv"]


@needs_ray
def test_parquet_input_gives_the_results_of_the_same_documents_as_json_lines(cluster, model, tiny_model,
                                                                         tmp_path, capsys):
    import pyarrow as pa
    import pyarrow.parquet as pq

    docs = [{"uid": f"p{i}", "body": f"The talks lasted two hours. Story {i}.", "lang": "en"}
            for i in range(6)]
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    pq.write_table(pa.Table.from_pylist(docs), tmp_path / "docs.parquet")
    _, local, _ = score_locally(model, [tmp_path / "docs.jsonl"], tmp_path / "local.jsonl", language="en")
    code = main(["score", str(tmp_path / "docs.parquet"), "--engine", "ray", "--out", str(tmp_path / "out"),
                 "--model", str(tiny_model), "--fast", "off", "--id-field", "uid", "--text-field", "body",
                 "--actors", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "6 documents scored" in err and "1 model actor (1 CPU thread each)" in err
    on_ray = read_articles(tmp_path / "out")
    for record in local.values():  # the source is the Parquet file instead of file:line
        record["source"] = str(tmp_path / "docs.parquet")
    compare_with_local(local, on_ray)
    code = main(["score", str(tmp_path / "docs.parquet"), "--engine", "ray", "--out", str(tmp_path / "o2"),
                 "--model", str(tiny_model), "--text-field", "text", "--id-field", "uid"])
    assert code == 2 and "has no column 'text'" in capsys.readouterr().err


def _scorer_pids() -> list[int]:
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if any("ArticleScorer" in part for part in (proc.info["cmdline"] or [])):
            found.append(proc.info["pid"])
    return found


@needs_ray
def test_an_actor_killed_mid_run_is_retried_and_every_document_written_once(cluster, model, tmp_path):
    pytest.importorskip("psutil")
    docs = tmp_path / "many"
    docs.mkdir()
    count = 600
    for i in range(count):
        (docs / f"doc{i:04d}.txt").write_text(f"Story {i}. The talks lasted two hours. Putin said.\n")
    out = tmp_path / "out"
    outcome = {}

    def run():
        try:
            outcome["summary"] = score_on_ray(model, [docs], out, actors=1, docs_per_batch=2,
                                              partition_documents=20)[0]
        except BaseException as err:  # pragma: no cover (reported by the assertions below)
            outcome["error"] = err

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 180
    while not list((out / "articles").glob("*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.01)
    pids = _scorer_pids()
    assert pids and worker.is_alive(), "the run ended before an actor could be killed"
    written_at_kill = len(list((out / "articles").glob("*.parquet")))
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    restarted = set()
    while worker.is_alive() and time.monotonic() < deadline + 120:
        restarted |= set(_scorer_pids()) - set(pids)
        time.sleep(0.05)
    worker.join(timeout=60)
    assert not worker.is_alive() and "error" not in outcome, outcome.get("error")
    assert written_at_kill < count // 20, "the actor was killed after the last partition"
    assert restarted, "no new actor took over"
    summary = outcome["summary"]
    assert (summary.scored, summary.failed, summary.skipped) == (count, 0, 0)
    articles = read_articles(out)
    assert len(article_rows(out)) == len(articles) == count  # each document exactly once
    sentences = read_sentences(out)
    assert sentences.num_rows == sum(r["n_sentences"] for r in articles.values()) == 3 * count
    pairs = list(zip(sentences.column("doc_id").to_pylist(), sentences.column("sentence_index").to_pylist()))
    assert len(set(pairs)) == len(pairs)  # and no sentence twice
    _, local, _ = score_locally(model, [docs], tmp_path / "local.jsonl")
    compare_with_local(local, articles)


def test_the_ray_path_goes_through_the_one_article_pipeline():
    """Splitting and scoring on Ray call stance.article, as the local scorer does; nothing
    under stance/distributed splits, builds contexts or aggregates on its own (so the numbers
    cannot drift apart), and nothing in stance/ imports Ray when it is imported."""
    folder = REPO / "stance" / "distributed"
    assert "segment_article(" in (folder / "segmenting.py").read_text(encoding="utf-8")
    assert "score_segmented(" in (folder / "scorer.py").read_text(encoding="utf-8")
    for path in folder.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        for own in ("aggregate_article", "split_sentences", ".contexts("):
            assert own not in source, f"{path.name} uses {own}"
    for path in (REPO / "stance").rglob("*.py"):
        top_level = [line for line in path.read_text(encoding="utf-8").splitlines()
                     if line.startswith(("import ray", "from ray"))]
        assert top_level == [], f"{path} imports Ray at module level"
