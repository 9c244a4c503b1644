"""``stance score --engine ray``: files and folders in, Parquet partitions out, on a Ray cluster.

The driver (this process) lists the input files, checks the model and the output folder,
joins the cluster (or starts Ray here), and streams the pipeline of :mod:`.pipeline`.
Results come back to the driver, which keeps the local scorer's rules: a document id
seen twice is scored once and the repeat is reported; bad documents go to
``OUT/errors.jsonl`` with their reason; scored ones are committed in Parquet partition
pairs (:mod:`.partitions`). Results are taken in input order, so a rerun or the local
scorer meets the documents in the same order.

Fault tolerance: a model actor that dies is restarted by Ray and its unfinished batches
are run again; only finished batches reach the driver, so every document is written
exactly once. If the driver itself dies, everything committed stays and the same command
resumes (documents with the same id and content hash are skipped).
"""

from __future__ import annotations

import sys
import time
import warnings
from dataclasses import dataclass, field

from ..scoring.documents import Document, InputOptions
from ..scoring.output import ErrorLog
from ..scoring.runner import OutputError, check_settings, scoring_settings
from .actor_plan import PREPARE_CPUS, plan_actors
from .cluster import connect, import_ray
from .partitions import PartitionFolder
from .pipeline import DOCS_PER_BATCH, actor_fast_path, load_driver_model, score_documents
from .reading import count_inputs, expand_paths, read_inputs
from .resume import ResumeKeys
from .tables import FAILED, SCORED, SKIPPED, ResultTables, record_from_row


@dataclass
class RayScoreOptions:
    out: str  # a folder
    inputs: InputOptions = field(default_factory=InputOptions)
    batch_size: int = 32
    docs_per_batch: int = DOCS_PER_BATCH
    language: str | None = None
    thresholds: dict | None = None
    progress: bool = True
    context: bool = True
    force: bool = False
    #: Ray cluster to join (``auto``, ``HOST:PORT``, ``ray://HOST:10001``); None: start Ray here.
    address: str | None = None
    #: CPUs of the Ray started here (None: all this process may use).
    num_cpus: int | None = None
    actors: int | None = None
    cpus_per_actor: int = 1
    device: str = "auto"
    #: Inference path of the actors (``auto``: the path of a loaded classifier given as the
    #: model; else each actor's hardware decides, for batch scoring).
    fast: str = "auto"
    #: A partition pair is committed every this many documents or sentences, whichever first.
    partition_documents: int = 1000
    partition_sentences: int = 50_000

    def __post_init__(self) -> None:
        for name in ("batch_size", "docs_per_batch", "partition_documents", "partition_sentences"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")


@dataclass
class RaySummary:
    scored: int = 0
    skipped: int = 0
    failed: int = 0
    duplicates: int = 0
    sentences: int = 0
    seconds: float = 0.0
    partitions: int = 0
    actors: str = ""

    def __str__(self) -> str:
        rate = self.sentences / self.seconds if self.seconds else 0.0
        dup = f" ({self.duplicates} of them duplicate ids)" if self.duplicates else ""
        return (f"{self.scored} documents scored, {self.skipped} already done, {self.failed} "
                f"failed{dup}; {self.sentences} sentences in {self.seconds:.1f} s ({rate:.0f} "
                f"sentences/s, {self.actors}); {self.partitions} partition(s) written")


class _Sink:
    """What the driver does with each result row (the local scorer's rules)."""

    def __init__(self, folder: PartitionFolder, errors: ErrorLog, tables: ResultTables,
                 options: RayScoreOptions, summary: RaySummary, bar):
        self.folder, self.errors, self.tables = folder, errors, tables
        self.options, self.summary, self.bar = options, summary, bar
        self.seen: dict[str, str] = {}
        self.pending: list[dict] = []
        self.pending_sentences = 0

    def take(self, row: dict) -> None:
        first = self.seen.get(row["doc_id"])
        if first is not None:
            self.summary.duplicates += 1
            self._fail(Document(row["doc_id"], row["source"], error=(
                f"duplicate document id {row['doc_id']!r} (first at {first}); only the first was "
                "scored: give every document its own id (--id-field)")))
            return
        self.seen[row["doc_id"]] = row["source"]
        if row["status"] == SKIPPED:
            self.summary.skipped += 1
        elif row["status"] == FAILED:
            self._fail(Document(row["doc_id"], row["source"], error=row["error"]))
            return
        elif row["status"] == SCORED:
            record = record_from_row(row)
            self.pending.append(record)
            self.pending_sentences += record["n_sentences"]
            if (len(self.pending) >= self.options.partition_documents
                    or self.pending_sentences >= self.options.partition_sentences):
                self.flush()
            return
        self.bar.update(1)

    def _fail(self, document: Document) -> None:
        self.errors.append(document.doc_id, document.source, document.error)
        self.summary.failed += 1
        self.bar.update(1)

    def flush(self) -> None:
        if not self.pending:
            return
        self.folder.write(self.pending, self.tables)
        for record in self.pending:
            self.errors.scored(record["doc_id"], record["source"])
        self.summary.scored += len(self.pending)
        self.summary.sentences += self.pending_sentences
        self.summary.partitions += 1
        self.bar.update(len(self.pending))
        self.pending, self.pending_sentences = [], 0


def score_inputs_ray(inputs: list[str], options: RayScoreOptions, model=None) -> RaySummary:
    """Score every document of ``inputs`` on Ray into the folder ``options.out``.

    ``model``: a folder, Hub id, loaded classifier, or None (the default model). Raises
    :class:`~stance.scoring.runner.OutputError` when the folder cannot be written,
    :class:`~stance.scoring.runner.SettingsMismatchError` when it holds results of other
    settings (unless ``options.force``), ``ValueError`` for bad inputs or options.
    """
    from tqdm.auto import tqdm

    started = time.perf_counter()
    import_ray()  # a missing Ray is said before anything else is done
    found = expand_paths(inputs)
    folder = PartitionFolder(options.out)  # before the model loads: a bad --out fails at once
    for path in folder.removed:
        print(f"note: removed {path}, left by an interrupted write (its documents are scored again)",
              file=sys.stderr)
    for path in folder.moved:
        print(f"note: {path} could not be read; moved to {folder.path / 'unreadable'} (its "
              "documents are scored again)", file=sys.stderr)
    classifier = load_driver_model(model)
    classifier.check_thresholds(options.thresholds)
    settings = scoring_settings(classifier, options.context)
    check_settings(folder, settings, options.force)
    tables = ResultTables.for_model(classifier)
    connection = connect(options.address, options.num_cpus)
    summary = RaySummary()
    errors = ErrorLog(folder.errors_path)
    bar = None
    try:
        import ray

        plan = plan_actors(connection.resources(), options.device, options.actors,
                           options.cpus_per_actor, strict=options.address is None)
        if plan.note:
            print(f"note: {plan.note}", file=sys.stderr)
        summary.actors = plan.describe()
        light = dict(num_cpus=PREPARE_CPUS, compute=ray.data.TaskPoolStrategy(size=plan.prepare_tasks))
        documents = read_inputs(found, options.inputs, **light)
        results = score_documents(
            documents, classifier, context=options.context, thresholds=options.thresholds,
            language=options.language, batch_size=options.batch_size,
            docs_per_batch=options.docs_per_batch, plan=plan,
            fast=actor_fast_path(model, options.fast),
            done=ResumeKeys(folder.done))
        results.context.execution_options.preserve_order = True
        bar = tqdm(desc=f"scoring on {plan.describe()}", unit="doc",
                   total=count_inputs(found, options.inputs), disable=not options.progress,
                   file=sys.stderr, dynamic_ncols=True)
        sink = _Sink(folder, errors, tables, options, summary, bar)
        with warnings.catch_warnings():
            # Ray Data's advice for small inputs ("could launch more tasks") is no news here
            warnings.filterwarnings("ignore", message=r"The (maximum|minimum) number of concurrent",
                                    category=UserWarning)
            try:
                for batch in results.iter_batches(batch_size=None, batch_format="pyarrow"):
                    for row in batch.to_pylist():
                        sink.take(row)
                    elapsed = time.perf_counter() - started
                    bar.set_postfix(sent_per_s=f"{summary.sentences / elapsed:.0f}", failed=summary.failed)
            finally:
                sink.flush()  # what came back before a failure or Ctrl-C is kept
    except OSError as err:
        raise OutputError(f"writing results to {folder.path} failed: {err.strerror or err}; every "
                          "partition written so far is kept, and rerunning the same command "
                          "resumes from there") from None
    finally:
        if bar is not None:
            bar.close()
        try:
            errors.close()
        except OSError:
            pass
        connection.close()
        summary.seconds = time.perf_counter() - started
    return summary
