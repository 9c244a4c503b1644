"""``score_dataset``: a Ray Dataset of documents in, a Dataset of scored articles out.

The steps, each a ``map_batches``:

1. reading (stateless tasks): rows to documents, HTML main text extracted;
2. splitting (stateless tasks): language, sentences and offsets; documents already
   written are marked skipped;
3. scoring (an actor pool): the model loads once per actor and scores whole batches
   of documents with the local scorer's pipeline.

Steps 1 and 2 run as light tasks (0.1 CPU each) that Ray fuses into one; they scale
apart from the model, which gets the rest of the cluster (see :mod:`.actor_plan`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping

import pyarrow as pa

from .actor_plan import PREPARE_CPUS, ActorPlan, plan_actors
from .cluster import import_ray
from .reading import documents_from_rows
from .resume import ResumeKeys
from .scorer import ArticleScorer
from .segmenting import segment_documents
from .tables import SCORED, ResultTables, record_from_row

#: Documents per call of a model actor (their sentences are batched together, ``batch_size``
#: at a time, sorted by length as the local scorer does). Small, so that the actors share
#: the work evenly (a long article has a hundred sentences) and a retried call redoes little.
DOCS_PER_BATCH = 4
#: Ray Data blocks are cut at about this many bytes per expected document (a news article
#: and its sentences: a few KB), so that the documents of one big file or input block
#: reach every actor in small blocks instead of one actor in one block.
BLOCK_BYTES_PER_DOCUMENT = 8 * 1024


def load_driver_model(model=None, fast: str = "off"):
    """The model as the driver sees it (checked whole, on the CPU): a loaded classifier is
    used as it is; a folder, Hub id or None (the default model) is loaded."""
    from ..classifier import StanceClassifier

    if isinstance(model, StanceClassifier):
        return model
    import stance

    return stance.load(model, device="cpu", fast=fast)


def actor_fast_path(model, fast: str | None) -> str:
    """The inference path each actor loads: ``fast`` when it names a path; else (None or
    ``auto``), for a loaded classifier, the path it runs (``fp32`` is ``off``), so that the
    actors score as the classifier the caller holds does; else ``auto``, which each actor
    resolves for its own hardware, as ``stance.load`` does."""
    from ..classifier import StanceClassifier

    if fast is not None and fast != "auto":
        return fast
    if isinstance(model, StanceClassifier):
        return "off" if model.precision == "fp32" else model.precision
    return "auto"


def score_documents(documents, model, *, context: bool = True,
                    thresholds: Mapping[str, float] | None = None, language: str | None = None,
                    batch_size: int = 32, docs_per_batch: int = DOCS_PER_BATCH, fast: str = "auto",
                    plan: ActorPlan, done: ResumeKeys | None = None):
    """Steps 2 and 3 for a Dataset already in the DOCUMENTS layout (see :mod:`.tables`)."""
    ray = import_ray()
    model.check_thresholds(thresholds)
    from ..scoring.runner import scoring_settings

    tables = ResultTables.for_model(model)
    light = dict(batch_format="pyarrow", num_cpus=PREPARE_CPUS,
                 compute=ray.data.TaskPoolStrategy(size=plan.prepare_tasks))
    segmented = documents.map_batches(segment_documents, fn_kwargs={"language": language, "done": done},
                                      **light)
    scored = segmented.map_batches(
        ArticleScorer, batch_format="pyarrow", batch_size=docs_per_batch,
        compute=ray.data.ActorPoolStrategy(size=plan.actors), num_cpus=plan.num_cpus,
        num_gpus=plan.num_gpus or None,
        fn_constructor_kwargs=dict(
            model_path=str(os.path.abspath(model.path)), settings=scoring_settings(model, context),
            tables=tables, device=plan.device, fast=fast, threads=plan.threads, context=context,
            batch_size=batch_size, thresholds=dict(thresholds) if thresholds else None))
    # Set on the pipeline's context, which Ray Data shares with the datasets it was derived
    # from (score_dataset's docstring says so).
    scored.context.target_max_block_size = docs_per_batch * BLOCK_BYTES_PER_DOCUMENT
    return scored


def score_dataset(ds, model=None, *, context: bool = True, thresholds: Mapping[str, float] | None = None,
                  language: str | None = None, batch_size: int = 32, docs_per_batch: int = DOCS_PER_BATCH,
                  actors: int | None = None, cpus_per_actor: int = 1, device: str = "auto",
                  fast: str | None = None):
    """Score a Dataset of documents; one result row per document, in a new Dataset.

    ``ds`` has a column ``id`` and a column ``text`` (plain text, or HTML whose main text
    is extracted), and optionally ``lang`` (ISO code; else ``language``, else detected)
    and ``source``. ``model`` is a model folder (it must be at the same path on every
    node), a Hub id, None for the default model, or a loaded classifier (its folder and
    inference path are used). The model is loaded once here to check it, then once in
    each actor.

    Each result row is the local scorer's record for the document (``doc_id``, ``source``,
    ``content_hash``, ``model``, ``language``, ``n_sentences``, ``stance_shares``,
    ``leaning``, ...), its sentences nested in ``sentences``, plus ``status`` (``scored``
    or ``failed``) and ``error`` (why a document failed). :func:`sentence_table` flattens
    it to one row per sentence. Nothing runs until the result is consumed (``write_parquet``,
    ``iter_batches``, ...). Actors: one per GPU where the cluster has GPUs (``device``
    ``auto`` or ``cuda``), else one per ``cpus_per_actor`` CPUs; ``actors`` overrides.
    ``fast``: the actors' inference path (see :func:`actor_fast_path`: a loaded classifier's
    own path unless another is named).

    Ray Data shares one context between a Dataset and those derived from it: this sets
    its ``target_max_block_size`` small (blocks of about ``docs_per_batch`` documents), so
    that the documents of a large input block reach every actor.
    """
    ray = import_ray()
    classifier = load_driver_model(model)
    columns = ds.columns()  # None when Ray cannot tell without running the pipeline
    missing = {"id", "text"} - set(columns) if columns is not None else set()
    if missing:
        raise ValueError(f"the Dataset has no column {', '.join(sorted(missing))} (columns: "
                         f"{', '.join(columns)}); score_dataset needs 'id' and 'text' "
                         "(rename them with ds.rename_columns)")
    plan = plan_actors(ray.cluster_resources(), device, actors, cpus_per_actor, strict=False)
    if plan.note:
        warnings.warn(plan.note, stacklevel=2)
    documents = ds.map_batches(documents_from_rows, batch_format="pyarrow", num_cpus=PREPARE_CPUS,
                               compute=ray.data.TaskPoolStrategy(size=plan.prepare_tasks))
    return score_documents(documents, classifier, context=context, thresholds=thresholds,
                           language=language, batch_size=batch_size, docs_per_batch=docs_per_batch,
                           fast=actor_fast_path(model, fast),
                           plan=plan)


def sentence_rows_of(batch: pa.Table) -> pa.Table:
    """Stateless step: result rows to one row per sentence of the scored ones, with the
    columns of ``stance score --out results.parquet``."""
    tables = result_tables_of(batch.schema)
    records = [record_from_row(row) for row in batch.to_pylist() if row["status"] == SCORED]
    return tables.sentence_table(records)


def result_tables_of(schema: pa.Schema) -> ResultTables:
    """The labels of a result table, read back from its schema."""
    stances = tuple(schema.field("stance_shares").type.names)
    techniques = tuple(schema.field("technique_counts").type.names)
    tops = set(schema.field("top_sentences").type.names)
    default = next((label for label in stances if label not in tops), stances[-1])
    return ResultTables(stances, techniques, default)


def sentence_table(scored):
    """The per-sentence Dataset of a :func:`score_dataset` result (scored documents only)."""
    return scored.map_batches(sentence_rows_of, batch_format="pyarrow")
