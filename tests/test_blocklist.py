"""No labelled record may overlap the held-out evaluation data (../shared/heldout/blocklist.json).

The file exists in the project's workspace and not on a user's machine; the tests on
the real file skip where it is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stance.cli import main
from stance.labelset import read_records
from stance.labelset.blocklist import Blocklist, project_blocklist, text_key, url_key

from conftest import REPO, toy_rows, write_labels

BLOCKLIST = REPO.parent / "shared" / "heldout" / "blocklist.json"
# A held-out page (its URL is listed, so it must never be used for labels).
HELD_OUT_URL = ("https://english.elpais.com/international/2025-11-21/"
                "trump-gives-ukrainian-president-thanksgiving-deadline-to-respond-to-peace-plan.html")
needs_blocklist = pytest.mark.skipif(not BLOCKLIST.is_file(), reason="no held-out blocklist here")


def test_normalisations_follow_the_file():
    assert url_key("HTTPS://www.Example.com/a/b/?x=1#frag") == "example.com/a/b"
    assert url_key("http://m.site.ua/news/") == "site.ua/news"
    assert text_key("  Kyiv’s «talks»,\tended!  ") == "kyiv s talks ended"


@needs_blocklist
def test_project_labels_do_not_overlap_the_held_out_data():
    blocklist = Blocklist.load(BLOCKLIST)
    records = read_records(REPO / "labels")
    assert len(records) > 1000
    assert blocklist.problems(records) == []


def _planted(tmp_path: Path, url: str) -> Path:
    rows = toy_rows()
    rows.append({"id": "m-x-001-01", "text": "A sentence modelled on a held-out page.", "lang": "en",
                 "source": "x-001", "stance": "neutral", "techniques": [], "origin": "modelled",
                 "url": url, "outlet": "El Pais", "excerpt": "x-001", "position": 1, "split": "train"})
    return write_labels(tmp_path / "labels", rows)


@needs_blocklist
def test_a_planted_record_on_a_held_out_page_is_caught(tmp_path, capsys):
    labels = _planted(tmp_path, HELD_OUT_URL)
    [problem] = Blocklist.load(BLOCKLIST).problems(read_records(labels))
    assert "m-x-001-01" in problem and "held-out page" in problem
    assert main(["check", "--labels", str(labels), "--blocklist", str(BLOCKLIST)]) == 1
    assert "overlap the held-out data" in capsys.readouterr().err
    clean = _planted(tmp_path / "clean", "https://example.org/not-held-out")
    assert main(["check", "--labels", str(clean), "--blocklist", str(BLOCKLIST)]) == 0


def test_a_planted_text_is_caught_and_training_refuses(tmp_path, tiny_base):
    from stance_training.config import TrainConfig
    from stance_training.data import HeldOutOverlapError, prepare_data

    labels = _planted(tmp_path, "https://example.org/page")
    import hashlib

    def digest(value):
        return hashlib.sha256(value.encode()).hexdigest()[:16]

    fake = tmp_path / "blocklist.json"
    fake.write_text(json.dumps({"url_sha256_16": [],
                                "text_sha256_16": [digest(text_key(toy_rows()[0]["text"]))]}))
    with pytest.raises(HeldOutOverlapError, match="t000"):
        prepare_data(TrainConfig(labels=str(labels), out=str(tmp_path / "m"), blocklist=str(fake)))


def test_the_project_blocklist_is_found_beside_the_checkout():
    assert project_blocklist(REPO / "labels") == (BLOCKLIST.resolve() if BLOCKLIST.is_file() else None)
