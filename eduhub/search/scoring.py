"""Scoring: BM25F with each segment's field lengths read once into plain lists."""

from __future__ import annotations

import logging
import threading
from typing import Any

from whoosh.scoring import BM25F, WeightLengthScorer

log = logging.getLogger(__name__)


class _FieldLengths:
    """Each segment's per-document field lengths, read once per searcher into plain lists.

    BM25F looks a length up for every posting it scores; whoosh does that through a column
    reader (~3 µs a time), which was over half of the scoring cost. Relies on how the W3
    codec (whoosh 2.7.4) stores lengths; if that ever differs, scoring falls back to whoosh.
    """

    def __init__(self) -> None:
        self._lists: dict[tuple[int, str], list[int] | None] = {}
        self._lock = threading.Lock()

    def get(self, searcher: Any, fieldname: str) -> list[int] | None:
        reader = searcher.reader()
        key = (id(reader), fieldname)
        if key not in self._lists:
            with self._lock:
                if key not in self._lists:
                    self._lists[key] = _read_lengths(reader, fieldname)
        return self._lists[key]


def _read_lengths(reader: Any, fieldname: str) -> list[int] | None:
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        from whoosh.util.numeric import _length_byte_cache as table

        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        doccount = reader.doc_count_all()
        if column is None:
            return [0] * doccount
        if column._fixedlen != 1:
            return None
        raw = column._dbfile.get(column._basepos, column._count)
        lengths = [table[b] for b in raw]
        lengths.extend([0] * (doccount - len(lengths)))
        return lengths
    except Exception:  # an unexpected layout: let whoosh look lengths up itself
        log.debug("search: reading %s lengths failed; using whoosh's lookups", fieldname)
        return None


class _LengthListScorer(WeightLengthScorer):
    """whoosh's BM25FScorer with lengths from a list and the formula's constants folded."""

    def __init__(
        self, searcher: Any, fieldname: str, text: Any, b: float, k1: float, lengths: list[int]
    ) -> None:
        parent = searcher.get_parent()
        self.idf = parent.idf(fieldname, text)
        avgfl = parent.avg_field_length(fieldname) or 1
        self._num = self.idf * (k1 + 1)
        self._a = k1 * (1 - b)
        self._b = k1 * b / avgfl
        self.dfl = lengths.__getitem__
        info = searcher.term_info(fieldname, text)
        self._maxquality = self._score(info.max_weight(), info.min_length())

    def _score(self, weight: float, length: int) -> float:
        return self._num * weight / (weight + self._a + self._b * length)

    def score(self, matcher: Any) -> float:
        tf = matcher.weight()
        return self._num * tf / (tf + self._a + self._b * self.dfl(matcher.id()))


class Weighting(BM25F):
    """BM25F (B=0.75, K1=1.2, whoosh's defaults) with cached field lengths."""

    def __init__(self) -> None:
        super().__init__()
        self._lengths = _FieldLengths()

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: int = 1) -> Any:
        if searcher.schema[fieldname].scorable:
            lengths = self._lengths.get(searcher, fieldname)
            if lengths is not None:
                return _LengthListScorer(searcher, fieldname, text, self.B, self.K1, lengths)
        return super().scorer(searcher, fieldname, text, qf=qf)
