"""Language analysis: words, stems and accent folding for each language variant of the index.

The tokenizer is shared by indexing, querying and highlighting, so a word is split, stemmed
and folded the same way wherever it is met.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from whoosh.analysis import CharsetFilter, Token, Tokenizer
from whoosh.lang import stemmer_for_language
from whoosh.support.charset import accent_map

#: Languages with a Whoosh (Snowball) stemmer of their own; every other tag uses ``_xx``.
STEMMED_LANGUAGES = ("en", "es", "fr", "pt")
VARIANTS = (*STEMMED_LANGUAGES, "xx")

# Scripts written without spaces between words: one token per character, so a query of any
# run of characters is found as a phrase of single characters.
_UNSPACED = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1100-\u11ff"  # Hangul jamo
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff"  # CJK ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0002fa1f"  # CJK extensions
)
# Combining marks that Python's \w does not count as word characters but that belong inside
# words: Latin accents written decomposed, Hebrew points, Arabic harakat, Indic vowel signs.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489"
    "\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"  # Hebrew marks, not maqaf or sof pasuq
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u0900-\u0963\u0966-\u0dff"  # Indic scripts, except the danda full stops
    "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
)
TOKEN_PATTERN = rf"[{_UNSPACED}]|(?:[^\W{_UNSPACED}]|[{_MARKS}])+"
TOKEN_RE = re.compile(TOKEN_PATTERN)
WORD_CHAR_RE = re.compile(rf"[^\W{_UNSPACED}]|[{_MARKS}]")
MAX_TOKEN = 64


def _optional_marks() -> dict[int, None]:
    """Marks readers leave out at will: stripping them lets either spelling find the other."""
    ranges = [
        (0x0300, 0x036F),  # combining accents (decomposed Latin)
        (0x0591, 0x05BD),  # Hebrew points and cantillation
        (0x05BF, 0x05BF),
        (0x05C1, 0x05C2),
        (0x05C4, 0x05C5),
        (0x05C7, 0x05C7),
        (0x0610, 0x061A),
        (0x064B, 0x065F),  # Arabic harakat
        (0x0670, 0x0670),
        (0x06D6, 0x06ED),
        (0x0640, 0x0640),  # Arabic tatweel
    ]
    return {code: None for low, high in ranges for code in range(low, high + 1)}


#: Whoosh's accent map (which also lowercases) plus the optional marks above.
FOLD_MAP: dict[int, Any] = {**accent_map, **_optional_marks()}


def fold(text: str) -> str:
    """Lowercase and fold accents the way every analyzer here does."""
    text = text.lower()
    return text if text.isascii() else text.translate(FOLD_MAP)


@lru_cache(maxsize=8)
def _stemmer(lang: str) -> Any:
    return stemmer_for_language(lang)


@lru_cache(maxsize=200_000)
def word_forms(lang: str, word: str) -> tuple[str, ...]:
    """The index terms of one lowercased word in a stemmed language.

    The first form stems the word as written, then folds accents (``educación`` → ``educ``):
    Snowball needs the accents to recognise Spanish, French and Portuguese suffixes. The
    second, when different, folds first (``educacion``): it is what the same word typed
    without accents stems to, so an accent-less query still finds the accented text.
    """
    stem = _stemmer(lang)
    written = fold(stem(word))
    folded = fold(word)
    bare = stem(folded) if folded != word else written
    return (written,) if bare == written else (written, bare)


class _FoldFilter(CharsetFilter):
    """``CharsetFilter(accent_map)`` with a fast path for ASCII tokens and Arabic/Hebrew marks."""

    def __init__(self) -> None:
        super().__init__(FOLD_MAP)

    def __call__(self, tokens: Iterator[Any]) -> Iterator[Any]:
        charmap = self.charmap
        for t in tokens:
            text = t.text
            if not text.isascii():
                t.text = text.translate(charmap)
            if t.text:
                yield t


class _WordTokenizer(Tokenizer):
    """Words (and single characters of unspaced scripts), lowercased, stemmed, accent-folded.

    One pass instead of a chain of filters: at ~15 tokens per lesson line, every generator
    layer costs a noticeable share of the build. ``lang`` None means no stemming. At index
    time both forms from :func:`word_forms` go in at the same position; a query uses the
    first form only, so an accented query keeps the stemmer's full power. Prefix text
    (analysed untokenized) is folded but never stemmed: "foto" must not become "fot".
    """

    def __init__(self, lang: str | None = None) -> None:
        self.lang = lang

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _WordTokenizer) and other.lang == self.lang

    def __hash__(self) -> int:
        return hash(("words", self.lang))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Any]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost = 1.0
        t.stopped = False
        if not tokenize:
            t.text = fold(value)
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        lang = self.lang
        both = mode != "query"
        for pos, match in enumerate(TOKEN_RE.finditer(value)):
            word = match.group().lower()
            if len(word) > MAX_TOKEN:
                continue  # base64 blobs and minified code: nobody searches for them
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            if lang is None:
                t.text = word if word.isascii() else word.translate(FOLD_MAP)
                yield t
                continue
            forms = word_forms(lang, word)
            t.text = forms[0]
            yield t
            if both and len(forms) > 1:
                t.text = forms[1]
                yield t


def _analyzer(lang: str | None) -> Any:
    # The tokenizer already folds; the CharsetFilter keeps every analyzer's last word on
    # accents in one visible place (and folds prefix text too).
    return _WordTokenizer(lang) | _FoldFilter()


ANALYZERS = {lang: _analyzer(lang) for lang in STEMMED_LANGUAGES}
ANALYZERS["xx"] = _analyzer(None)
GENERIC_ANALYZER = ANALYZERS["xx"]


def language_variant(tag: str | None) -> str:
    """``en``, ``es``, ``fr``, ``pt`` for those languages (any region), else ``xx``."""
    primary = (tag or "").split("-")[0].split("_")[0].strip().lower()
    return primary if primary in STEMMED_LANGUAGES else "xx"
