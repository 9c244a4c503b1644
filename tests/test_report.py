"""``stance report``: the static site written from ``stance score`` results.

Fast tests read hand-written records (the shapes ``stance score`` writes); one test scores
with the tiny model and ``--report``; one renders a report in headless Chromium.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from stance.cli import main
from stance.report import ReportInputError, ReportOutputError, write_report
from stance.report.names import page_name

STANCES = ("pro_kyiv", "pro_moscow", "neutral")
TECHNIQUES = ("loaded_language", "appeal_to_history", "ultimatum_framing")


# ---------------------------------------------------------------- hand-written records

def evidence(text: str, word: str, weight: float) -> dict:
    start = text.index(word)
    return {"start": start, "end": start + len(word), "text": word, "weight": weight}


def sentence(text: str, stance: str, p: float, techniques=(), evidence_by_label=None,
             technique_names=TECHNIQUES) -> dict:
    rest = [s for s in STANCES if s != stance]
    scores = {s: p if s == stance else round((1 - p) / len(rest), 4) for s in STANCES}
    out = {"text": text, "stance": stance, "stance_scores": scores,
           "techniques": list(techniques),
           "technique_scores": {t: 0.81 if t in techniques else 0.07 for t in technique_names},
           "truncated": False, "replaced_characters": 0}
    if evidence_by_label is not None:
        out["evidence"] = evidence_by_label
    return out


def record(doc_id: str, sentences: list[dict], language: str = "en",
           technique_names=TECHNIQUES) -> dict:
    """A record as ``stance score`` writes it: offsets, shares, leaning, rates, top sentences."""
    position = 0
    for s in sentences:
        s["start"], s["end"] = position, position + len(s["text"])
        position = s["end"] + 1
    n = len(sentences)
    shares = {c: round(sum(s["stance"] == c for s in sentences) / n, 4) for c in STANCES}
    sides = {c: sum(s["stance_scores"][c] for s in sentences) / n for c in STANCES[:2]}
    leaning = max(sides, key=sides.get) if shares["neutral"] < 0.9 else "neutral"
    counts = {t: sum(t in s["techniques"] for s in sentences) for t in technique_names}
    top = {c: sorted((i for i, s in enumerate(sentences) if s["stance"] == c),
                     key=lambda i: -sentences[i]["stance_scores"][c])[:3] for c in STANCES[:2]}
    top.update({t: [i for i, s in enumerate(sentences) if t in s["techniques"]][:3]
                for t in technique_names})
    return {"doc_id": doc_id, "source": doc_id,
            "content_hash": hashlib.sha256(doc_id.encode()).hexdigest()[:16],
            "model": {"name": "default", "version": "0.1.0",
                      "context": {"before": 1, "after": 0, "max_tokens": 64}},
            "language": language, "n_sentences": n, "stance_shares": shares, "leaning": leaning,
            "leaning_confidence": 0.62, "technique_counts": counts,
            "technique_rate": {t: round(100 * counts[t] / n, 2) for t in technique_names},
            "top_sentences": top, "sentences": sentences}


HIGHLIGHTED = "Russia offers blackmail, not peace, and calls it a negotiation."
HOSTILE = "<script>window.pwned = 1; alert('pwned')</script> was posted."


def english_article() -> dict:
    regime = "The Kiev regime sabotaged the talks, Moscow said."
    return record("feeds/kyiv-independent/2025-05-16-talks.txt", [
        sentence("Delegations from Russia and Ukraine met in Istanbul on Friday.", "neutral", 0.91),
        sentence(HIGHLIGHTED, "pro_kyiv", 0.88, ["loaded_language", "ultimatum_framing"],
                 {"loaded_language": [evidence(HIGHLIGHTED, "blackmail", 0.64)],
                  "pro_kyiv": [evidence(HIGHLIGHTED, "blackmail", 0.41),
                               evidence(HIGHLIGHTED, "peace", -0.12)]}),
        sentence("The talks lasted less than two hours.", "neutral", 0.86),
        sentence(regime, "pro_moscow", 0.74, ["loaded_language"],
                 {"loaded_language": [evidence(regime, "regime", 0.58)]}),
        sentence("Both sides agreed to exchange a thousand prisoners each.", "neutral", 0.8),
        sentence("Accept our terms or face worse, the Russian delegation reportedly warned.",
                 "pro_kyiv", 0.66, ["ultimatum_framing"]),
        sentence("We fought Sweden for twenty-one years, Medinsky told the Ukrainians.",
                 "pro_moscow", 0.58, ["appeal_to_history"]),
        sentence("Kyiv's heroic resistance shows it will not trade land for a pause.",
                 "pro_kyiv", 0.93, ["loaded_language"]),
    ])


def hostile_article() -> dict:
    return record("<b>feed</b>/\"quoted\" & <script>.jsonl", [
        sentence("Делегації зустрілися в Стамбулі в п'ятницю.", "neutral", 0.9),
        sentence(HOSTILE, "pro_moscow", 0.7, ["loaded_language"]),
        sentence('<img src="x" onerror="window.pwned = 2"> & "quotes" \'too\'', "neutral", 0.6),
        sentence("Київ відкинув ультиматум Москви.", "pro_kyiv", 0.82, ["ultimatum_framing"]),
    ], language="uk")


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


@pytest.fixture()
def results(tmp_path) -> Path:
    return write_jsonl(tmp_path / "results.jsonl", [english_article(), hostile_article()])


# ---------------------------------------------------------------- reading the HTML back

class Tags(HTMLParser):
    """Every start tag of a page with its attributes, and its visible text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag: str) -> list[dict]:
        return [attrs for t, attrs in self.tags if t == tag]


def pages(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*.html"))}


def article_page(folder: Path, doc_id: str) -> str:
    return (folder / "articles" / page_name(doc_id)).read_text(encoding="utf-8")


# ---------------------------------------------------------------- fast tests

def test_writes_an_index_and_one_self_contained_page_per_article(results, tmp_path):
    out = tmp_path / "report"
    summary = write_report(results, out)
    assert (summary.articles, summary.sentences, summary.superseded) == (2, 12, 0)
    written = pages(out)
    assert sorted(written) == sorted(["index.html"] + [
        f"articles/{page_name(r['doc_id'])}" for r in (english_article(), hostile_article())])
    index = Tags(written["index.html"])
    links = [a["href"] for a in index.all("a")]
    assert [h for h in links if h.startswith("articles/")] == [
        f"articles/{page_name(english_article()['doc_id'])}",
        f"articles/{page_name(hostile_article()['doc_id'])}"]
    assert len(index.all("tr")) == 3  # header and two articles
    for name, html in written.items():
        tags = Tags(html)
        # nothing is fetched: no external scripts, styles, images or fonts; charts are SVG
        assert not tags.all("link") and not tags.all("img") and not tags.all("iframe")
        assert all("src" not in attrs for _, attrs in tags.tags), name
        assert not re.search(r"(?:src|href)=\"(?:https?:)?//", html), name
        assert "url(" not in html and "@import" not in html
        assert tags.all("svg"), name
        csp = [m["content"] for m in tags.all("meta") if m.get("http-equiv")]
        assert csp and "default-src 'none'" in csp[0]
    english = article_page(out, english_article()["doc_id"])
    for s in english_article()["sentences"]:
        assert s["text"].replace("'", "&#39;") in english
    assert 'href="../index.html"' in english


def test_sentences_carry_stance_tint_probability_and_technique_badges(results, tmp_path):
    out = tmp_path / "report"
    write_report(results, out)
    tags = Tags(article_page(out, english_article()["doc_id"]))
    rows = [attrs for attrs in tags.all("div") if attrs.get("id", "").startswith("s")]
    assert [r["data-stance"] for r in rows] == [s["stance"] for s in english_article()["sentences"]]
    second = rows[1]
    assert second["title"].startswith("Sentence 2: pro kyiv 0.88")  # the probability on hover
    assert "plain" not in second["class"] and "plain" in rows[0]["class"]  # neutral: no tint
    assert float(re.search(r"--a:([\d.]+)", second["style"]).group(1)) > 0.2
    badges = [attrs["title"] for attrs in tags.all("span") if "badge" in attrs.get("class", "")]
    assert badges.count("ultimatum_framing") >= 2  # legend, sentence 2, sentence 6, sidebar


def test_evidence_is_underlined_when_present(results, tmp_path):
    out = tmp_path / "report"
    write_report(results, out)
    html = article_page(out, english_article()["doc_id"])
    underlined = re.findall(r'<span class="ev (k\d+)( against)?" title="([^"]*)">([^<]*)</span>',
                            html)
    by_word = {word: (cls, against, title) for cls, against, title, word in underlined}
    assert set(by_word) == {"blackmail", "peace", "regime"}
    # the strongest label of an overlap wins the colour; the title names every label
    assert by_word["blackmail"][2] == ("evidence for loaded_language: +0.64; "
                                      "evidence for pro_kyiv: +0.41")
    assert by_word["peace"][1] == " against"  # negative weight: dotted
    assert "words that carry a label" in html
    # a page whose records carry no evidence shows none and no evidence legend
    hostile = article_page(out, hostile_article()["doc_id"])
    assert 'class="ev ' not in hostile and "words that carry a label" not in hostile


def test_malformed_evidence_is_left_out_not_fatal(tmp_path):
    text = "The Kiev regime sabotaged the talks."
    broken = {"loaded_language": [{"start": 50, "end": 60, "text": "x", "weight": 0.5},
                                  {"start": 4, "end": 8, "text": "talk", "weight": 0.5},
                                  {"start": "4", "end": 8, "weight": 0.5}, "nonsense",
                                  evidence(text, "regime", 0.7)],
              "pro_moscow": "not a list"}
    path = write_jsonl(tmp_path / "r.jsonl", [record("a.txt", [
        sentence(text, "pro_moscow", 0.8, ["loaded_language"], broken)])])
    write_report(path, tmp_path / "report")
    html = article_page(tmp_path / "report", "a.txt")
    assert re.findall(r'<span class="ev [^"]*" title="[^"]*">([^<]*)</span>', html) == ["regime"]


def test_untrusted_text_shows_as_text_and_never_as_markup(results, tmp_path):
    out = tmp_path / "report"
    write_report(results, out)
    hostile = hostile_article()
    for name, html in pages(out).items():
        assert "<script>window.pwned" not in html and "<b>feed</b>" not in html, name
        tags = Tags(html)
        assert not [t for t, a in tags.tags if t in ("img", "b")], name
        assert not [k for _, a in tags.tags for k in a if k.startswith("on")], name
        scripts = tags.all("script")
        assert len(scripts) == (1 if name == "index.html" else 0), name
    html = article_page(out, hostile["doc_id"])
    text = "".join(Tags(html).text)
    assert HOSTILE in text  # shown to the reader, character for character
    assert '<img src="x" onerror="window.pwned = 2"> & "quotes" \'too\'' in text
    assert "&lt;script&gt;window.pwned = 1; alert(&#39;pwned&#39;)&lt;/script&gt;" in html
    assert '"quoted" & <script>.jsonl' in "".join(Tags(pages(out)["index.html"]).text)


def test_label_names_are_untrusted_too(tmp_path):
    """Label names come from the records: they are escaped everywhere (table header, badges,
    charts, hover titles) and never become a class name or a style."""
    evil = '"><img src=x onerror=alert(1)>'
    names = ("loaded_language", evil)
    text = "Russia offers blackmail."
    path = write_jsonl(tmp_path / "r.jsonl", [record("a.txt", [
        sentence(text, "pro_kyiv", 0.8, [evil], {evil: [evidence(text, "blackmail", 0.5)]},
                 technique_names=names)], technique_names=names)])
    out = tmp_path / "report"
    write_report(path, out)
    for name, html in pages(out).items():
        tags = Tags(html)
        assert not tags.all("img"), name
        assert not [k for _, a in tags.tags for k in a if k.startswith("on")], name
        assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html, name
        assert evil not in "".join(a.get("class", "") + a.get("style", "")
                                   for _, a in tags.tags)


def test_the_one_script_runs_by_its_hash_and_no_other_could(results, tmp_path):
    out = tmp_path / "report"
    write_report(results, out)
    index = pages(out)["index.html"]
    script = re.search(r"<script>(.*?)</script>", index, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    def policy(html):
        return [m["content"] for m in Tags(html).all("meta") if m.get("http-equiv")][0]

    assert f"script-src 'sha256-{digest}';" in policy(index)
    assert "script-src 'none';" in policy(article_page(out, english_article()["doc_id"]))


@pytest.mark.parametrize("doc_id", [
    "../../etc/passwd", "a/b/c.txt", "", " ", "..", "/", "\\\\server\\share\\x.html", "CON",
    "Доповідь 😀 «цитата».txt", "a\x00b\nc", "x" * 500, "https://example.org/a?b=c&d=<e>",
    ".hidden", "-rf", "index.html"])
def test_page_names_are_safe_whatever_the_doc_id(doc_id):
    name = page_name(doc_id)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,60}-[0-9a-f]{12}\.html", name), name


def test_page_names_never_collide_and_stay_inside_the_folder(tmp_path):
    ids = ["a/b.txt", "c/b.txt", "B.txt", "b.txt", "../b.txt", "..", ".", "", "Ü", "U"]
    path = write_jsonl(tmp_path / "r.jsonl", [
        record(i, [sentence(f"Sentence of {i!r}.", "neutral", 0.9)]) for i in ids])
    out = tmp_path / "report"
    assert write_report(path, out).articles == len(ids)
    written = sorted((out / "articles").iterdir())
    assert len(written) == len(ids) and len({p.name.lower() for p in written}) == len(ids)
    assert all(p.resolve().parent == (out / "articles").resolve() for p in written)


def test_a_new_technique_flows_through_without_code_changes(tmp_path):
    names = ("loaded_language", "whataboutism")
    text = "And what about the bombing of Belgrade?"
    path = write_jsonl(tmp_path / "r.jsonl", [record("w.txt", [
        sentence(text, "pro_moscow", 0.7, ["whataboutism"],
                 {"whataboutism": [evidence(text, "what about", 0.9)]}, technique_names=names),
        sentence("The talks lasted two hours.", "neutral", 0.9, technique_names=names),
    ], technique_names=names)])
    out = tmp_path / "report"
    write_report(path, out)
    index, page = pages(out)["index.html"], article_page(out, "w.txt")
    assert 'title="whataboutism per 100 sentences">whataboutism</button>' in index
    assert "appeal to history" not in index  # only the labels the records carry
    assert re.search(r'<span class="badge k\d+" title="whataboutism">whataboutism '
                     r'<span class="score">0.81</span>', page)
    assert "whataboutism: 50.0 per 100 sentences" in page  # the summary chart
    assert "evidence for whataboutism: +0.90" in page


def test_a_rescored_document_shows_its_last_record(tmp_path):
    old = record("a.txt", [sentence("The old text.", "neutral", 0.9)])
    new = record("a.txt", [sentence("The new text.", "pro_kyiv", 0.9)])
    other = record("b.txt", [sentence("Another text.", "neutral", 0.9)])
    path = write_jsonl(tmp_path / "r.jsonl", [old, other, new])
    summary = write_report(path, tmp_path / "report")
    assert (summary.articles, summary.superseded) == (2, 1)
    assert "older record(s)" in str(summary)
    page = article_page(tmp_path / "report", "a.txt")
    assert "The new text." in page and "The old text." not in page


@pytest.mark.parametrize("lines, expected", [
    ([], r"holds no article records"),
    (["", "   "], r"holds no article records"),
    (["GOOD", "not json"], r"line 2: not valid JSON"),
    (["GOOD", "{\"doc_id\": \"a\""], r"line 2: not valid JSON \(Expecting"),
    (["[1, 2]"], r"line 1: the line should hold one article object, found list"),
    (["{\"doc_id\": \"a\"}"], r"line 1: sentences is missing"),
    (["GOOD", "", "BAD_SCORE"], r"line 3: sentences\[0\]\.stance_scores\.neutral should be a "
                                r"number, found 'high'"),
    (["BAD_STANCE"], r"line 1: sentences\[0\]\.stance 'pro_mars' has no score"),
    (["NO_SENTENCES"], r"line 1: sentences is empty"),
    (["BAD_TOP"], r"line 1: top_sentences\.pro_kyiv should be a list of sentence indexes"),
    (["doc_id,text\na,b"], r"line 1: not valid JSON"),  # a CSV export given by mistake
])
def test_a_bad_results_file_names_the_file_and_line(tmp_path, lines, expected):
    good = record("a.txt", [sentence("The talks lasted two hours.", "neutral", 0.9)])
    variants = {"GOOD": good}
    bad_score = json.loads(json.dumps(good))
    bad_score["sentences"][0]["stance_scores"]["neutral"] = "high"
    bad_stance = json.loads(json.dumps(good))
    bad_stance["sentences"][0]["stance"] = "pro_mars"
    variants.update(BAD_SCORE=bad_score, BAD_STANCE=bad_stance,
                    NO_SENTENCES={**good, "sentences": []},
                    BAD_TOP={**good, "top_sentences": {"pro_kyiv": [7]}})
    path = tmp_path / "results.jsonl"
    path.write_text("".join((json.dumps(variants[line]) if line in variants else line) + "\n"
                            for line in lines), encoding="utf-8")
    with pytest.raises(ReportInputError, match=re.escape(str(path)) + r"(, )?.*" + expected):
        write_report(path, tmp_path / "report")
    assert not (tmp_path / "report").exists()  # nothing half written


def test_not_utf8_is_a_clear_error(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_bytes(b"\xff\xfe{}\n")
    with pytest.raises(ReportInputError, match=r"results.jsonl, line 1: not UTF-8"):
        write_report(path, tmp_path / "report")


def test_cli_report_exit_codes_and_messages(results, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["report", str(results), "--out", str(out)]) == 0
    assert "report: 2 article(s), 12 sentences" in capsys.readouterr().err
    assert (out / "index.html").is_file()
    # an earlier report is replaced; a page of a document no longer there goes away
    write_jsonl(results, [english_article()])
    assert main(["report", str(results), "--out", str(out)]) == 0
    assert len(list((out / "articles").iterdir())) == 1
    capsys.readouterr()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(english_article()) + "\n{oops\n", encoding="utf-8")
    assert main(["report", str(bad), "--out", str(out)]) == 1
    assert f"error: {bad}, line 2: not valid JSON" in capsys.readouterr().err
    assert len(list((out / "articles").iterdir())) == 1  # the earlier report is untouched
    assert main(["report", str(tmp_path / "missing.jsonl"), "--out", str(out)]) == 2
    assert "results file not found" in capsys.readouterr().err


def test_refuses_a_folder_that_is_not_an_earlier_report(results, tmp_path, capsys):
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(ReportOutputError, match="holds other files"):
        write_report(results, folder)
    assert main(["report", str(results), "--out", str(folder)]) == 1
    assert "not an earlier stance report" in capsys.readouterr().err
    assert (folder / "notes.txt").read_text() == "keep me"
    (tmp_path / "file").write_text("x")
    with pytest.raises(ReportOutputError, match="it is a file"):
        write_report(results, tmp_path / "file")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert write_report(results, empty).articles == 2


def test_importing_the_library_and_cli_leaves_the_report_unloaded():
    code = ("import sys, stance, stance.cli; stance.cli.build_parser(); "
            "print(sorted(m for m in sys.modules if m.startswith(('jinja2', 'stance.report'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_score_with_report_writes_the_site(tiny_model, tmp_path, capsys):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text("The Kiev regime sabotaged the talks. The talks lasted two "
                                  "hours.\n", encoding="utf-8")
    (inputs / "b.txt").write_text("Accept peace or face worse, the West told Moscow. <b>bold</b>",
                                  encoding="utf-8")
    out, report = tmp_path / "results.jsonl", tmp_path / "site"
    args = ["score", str(inputs), "--out", str(out), "--model", str(tiny_model), "--quiet"]
    assert main(args + ["--report", str(report)]) == 0
    assert "report: 2 article(s)" in capsys.readouterr().err
    assert len(list((report / "articles").iterdir())) == 2
    page = (report / "articles" / page_name(str(inputs / "b.txt"))).read_text(encoding="utf-8")
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    # a --report folder that cannot be written is refused before any scoring
    (tmp_path / "taken").write_text("x")
    assert main(args + ["--report", str(tmp_path / "taken")]) == 2
    assert "it is a file" in capsys.readouterr().err


def test_evidence_from_the_model_is_underlined(tiny_model, tmp_path):
    """The evidence ``score_article(..., explain=True)`` writes is what the report reads."""
    import stance

    text = "The Kiev regime sabotaged the talks. Accept peace or face worse, the West told Moscow."
    article = stance.load(tiny_model).score_article(text, lang="en", explain=True)
    rec = {"doc_id": "explained.txt", "source": "explained.txt", "content_hash": "0" * 16,
           "model": {"name": "tiny", "version": "0", "context": None}, **article.to_dict()}
    spans = {(e["start"], e["end"], e["text"]) for s in rec["sentences"]
             for items in s.get("evidence", {}).values() for e in items if e["weight"]}
    assert spans, "the tiny model should give some evidence"
    out = tmp_path / "report"
    write_report(write_jsonl(tmp_path / "r.jsonl", [rec]), out)
    html = article_page(out, "explained.txt")
    underlined = re.findall(r'<span class="ev [^"]*" title="evidence for [^"]*">([^<]*)</span>',
                            html)
    joined = "".join(underlined)
    assert all(u in text for u in underlined)
    assert all(word in joined for *_, word in spans)


# ---------------------------------------------------------------- in a real browser

def _chromium() -> str | None:
    for name in (os.environ.get("STANCE_CHROMIUM"), "chromium", "chromium-browser",
                 "google-chrome", "google-chrome-stable"):
        if name and (path := shutil.which(name)):
            return path
    return None


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


@pytest.fixture()
def browser_page(tmp_path):
    """A page in a fresh headless Chromium (the system's binary, driven by Playwright),
    recording console messages, page errors, dialogs and every request."""
    executable = _chromium()
    if executable is None:
        pytest.skip("no Chromium binary found (apt-get install chromium, or set STANCE_CHROMIUM)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed "
        "(pip install -e '.[test]')")
    events: dict[str, list] = {"console": [], "errors": [], "dialogs": [], "requests": []}
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=executable, headless=True,
            args=CHROMIUM_FLAGS, viewport={"width": 1280, "height": 900}, offline=True)
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.on("console", lambda m: events["console"].append((m.type, m.text)))
            page.on("pageerror", lambda e: events["errors"].append(str(e)))
            page.on("dialog", lambda d: (events["dialogs"].append(d.message), d.dismiss()))
            page.on("request", lambda r: events["requests"].append(r.url))
            yield page, events
        finally:
            context.close()


def _keep_screenshot(path: Path) -> None:
    """Copy a screenshot to $STANCE_SCREENSHOTS when set (to look at it, or keep it in CI)."""
    folder = os.environ.get("STANCE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / path.name)


def test_report_in_headless_chromium(results, tmp_path, browser_page):
    page, events = browser_page
    out = tmp_path / "report"
    write_report(results, out)

    page.goto((out / "index.html").as_uri())
    rows = page.locator("#articles tbody tr")
    assert rows.count() == 2
    page.get_by_role("button", name="Sentences").click()  # the sortable table works
    assert page.locator("#articles th[aria-sort=descending] button").text_content() == "Sentences"
    assert rows.first.locator("td").nth(2).inner_text() == "8"
    page.get_by_role("button", name="Sentences").click()
    assert rows.first.locator("td").nth(2).inner_text() == "4"
    index_png = tmp_path / "report-index.png"
    page.screenshot(path=str(index_png), full_page=True)

    page.get_by_role("link", name=Path(english_article()["doc_id"]).name).click()
    page.wait_for_load_state()
    assert page.url.endswith(page_name(english_article()["doc_id"]))
    highlighted = page.locator("#s2")
    highlighted.scroll_into_view_if_needed()
    assert highlighted.is_visible() and HIGHLIGHTED in highlighted.inner_text()
    box = highlighted.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 20
    tint = highlighted.evaluate("e => getComputedStyle(e).backgroundColor")
    r, g, b, a = [float(v) for v in re.findall(r"[\d.]+", tint)] + [1.0] * (
        4 - len(re.findall(r"[\d.]+", tint)))
    assert a > 0.15 and b > r, f"sentence 2 should be tinted blue (pro_kyiv), got {tint}"
    plain = page.locator("#s1").evaluate("e => getComputedStyle(e).backgroundColor")
    assert plain in ("rgba(0, 0, 0, 0)", "transparent"), plain
    underline = page.locator("#s2 .ev").first
    assert underline.inner_text() == "blackmail"
    assert "underline" in underline.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert highlighted.get_attribute("title").startswith("Sentence 2: pro kyiv 0.88")
    article_png = tmp_path / "report-article.png"
    page.screenshot(path=str(article_png), full_page=True)

    page.goto((out / "articles" / page_name(hostile_article()["doc_id"])).as_uri())
    assert HOSTILE in page.locator("#s2").inner_text()  # shown as text
    assert page.evaluate("() => document.scripts.length") == 0
    assert page.evaluate("() => window.pwned === undefined")
    assert page.locator("#s3 img").count() == 0
    hostile_png = tmp_path / "report-hostile.png"
    page.screenshot(path=str(hostile_png), full_page=True)

    for png in (index_png, article_png, hostile_png):
        assert png.stat().st_size > 10_000  # a real rendering, not a blank page
        _keep_screenshot(png)
    assert events["errors"] == [] and events["dialogs"] == []
    assert [m for m in events["console"] if m[0] in ("error", "warning")] == []
    assert events["requests"] and all(u.startswith("file://") for u in events["requests"])
