"""Batches for the trainer, padded the way prediction pads them.

A model that reads its context as a vector (``ContextWindow.mode == "vector"``) is
trained on batches of consecutive sentences of an article (:class:`ArticleRunBatches`),
so that most sentences find the sentence before them in their own batch and every
sentence is encoded once; a context that is not in the batch is added as an extra row
that carries no loss (:class:`StanceCollator`). A window-context model (``"window"``) is
trained on the same runs, packed into passages by :func:`stance.windows.pack_passages`,
exactly as prediction packs an article.
"""

from __future__ import annotations

import random
from collections import defaultdict

import torch

from stance.tokenization import TokenEncoder
from stance.windows import pack_passages, pad_passages


class StanceCollator:
    """Pads token ids and builds the attention and pooling masks with the same
    :class:`TokenEncoder` that prediction uses, so training sees exactly the
    inputs the saved model will see.

    With ``context_vectors``, each feature's ``context_ids`` (the previous sentence,
    tokenised alone) is matched to the row of the batch with the same tokens, or added
    as an unlabelled row, and ``context_index`` tells the network which row it is.
    """

    def __init__(self, encoder: TokenEncoder, context_vectors: bool = False,
                 passage_tokens: int | None = None):
        self.encoder = encoder
        self.context_vectors = context_vectors
        self.passage_tokens = passage_tokens

    def __call__(self, features: list[dict]) -> dict[str, torch.Tensor]:
        if self.passage_tokens:
            return self.passages(features)
        ids = [list(f["input_ids"]) for f in features]
        stance = [f["stance_labels"] for f in features]
        techniques = [f["technique_labels"] for f in features]
        extra: dict[str, torch.Tensor] = {}
        if self.context_vectors:
            row_of = {tuple(row): i for i, row in enumerate(ids)}
            context_index = []
            for f in features:
                context = tuple(f["context_ids"])
                if not context:
                    context_index.append(-1)
                    continue
                if context not in row_of:
                    row_of[context] = len(ids)
                    ids.append(list(context))
                context_index.append(row_of[context])
            padding = len(ids) - len(features)
            context_index += [-1] * padding
            stance += [0] * padding
            techniques += [[0.0] * len(techniques[0])] * padding
            extra = {"context_index": torch.tensor(context_index, dtype=torch.long),
                     "labeled": torch.tensor([1] * len(features) + [0] * padding, dtype=torch.long)}
            pooled = None
        else:
            pooled = [f["pooled"] for f in features]
        input_ids, attention_mask, pool_mask = map(torch.from_numpy, self.encoder.pad(ids, pooled))
        return {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "pool_mask": pool_mask,
            "stance_labels": torch.tensor(stance, dtype=torch.long),
            "technique_labels": torch.tensor(techniques, dtype=torch.float32),
            **extra,
        }


    def passages(self, features: list[dict]) -> dict[str, torch.Tensor]:
        """A window-context batch: the features (runs of consecutive sentences) packed into
        passages; one pooling row and one label per feature, in passage order."""
        ids = [list(f["input_ids"]) for f in features]
        context_ids = [list(f["context_ids"]) for f in features]
        packed = pack_passages(ids, context_ids, self.passage_tokens)
        input_ids, attention, pool, passage_of, members = pad_passages(packed, self.encoder.pad_id)
        order = members.tolist()
        return {
            "input_ids": torch.from_numpy(input_ids),
            "attention_mask": torch.from_numpy(attention),
            "pool_mask": torch.from_numpy(pool),
            "passage_of": torch.from_numpy(passage_of),
            "stance_labels": torch.tensor([features[i]["stance_labels"] for i in order], dtype=torch.long),
            "technique_labels": torch.tensor([features[i]["technique_labels"] for i in order],
                                             dtype=torch.float32),
        }


class ArticleRunBatches:
    """Batches of ``batch_size`` rows made of runs of at most ``run`` consecutive sentences
    of one article, the runs shuffled anew (and deterministically) every epoch.

    The number of batches is the same every epoch: ``ceil(rows / batch_size)``.

    With ``run_length`` (the padded width a run needs, e.g. its longest passage), runs of
    similar width are put in the same batch: the shuffled runs are sorted by it within
    pools of ``pool`` batches, and the batches are then served in a shuffled order. A
    window-context model needs this: a batch padded to its one long passage wastes most of
    its tokens (about 2.8x on the project's labels without sorting).
    """

    def __init__(self, groups: list[str], places: list[int], batch_size: int, seed: int,
                 run: int = 8, run_length=None, pool: int = 50):
        members: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for index, (group, place) in enumerate(zip(groups, places)):
            members[group].append((place, index))
        self.articles = [[i for _, i in sorted(rows)] for _, rows in sorted(members.items())]
        self.rows = len(groups)
        self.batch_size = batch_size
        self.run = run
        self.seed = seed
        self.epoch = 0
        self.run_length = run_length
        self.pool = pool

    def __len__(self) -> int:
        return -(-self.rows // self.batch_size)

    def __iter__(self):
        rng = random.Random(self.seed * 100_003 + self.epoch)
        self.epoch += 1
        runs = []
        for article in self.articles:
            start = rng.randrange(self.run) if len(article) > self.run else 0
            cuts = [0, *range(start or self.run, len(article), self.run), len(article)]
            runs += [article[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]
        rng.shuffle(runs)
        if self.run_length is not None:
            sorted_runs, rows, pool = [], 0, []
            for run in runs:
                pool.append(run)
                rows += len(run)
                if rows >= self.pool * self.batch_size or run is runs[-1]:
                    sorted_runs += sorted(pool, key=self.run_length)
                    rows, pool = 0, []
            runs = sorted_runs
        order = [i for run in runs for i in run]
        batches = [order[begin:begin + self.batch_size] for begin in range(0, len(order), self.batch_size)]
        if self.run_length is not None:
            rng.shuffle(batches)
        yield from batches
