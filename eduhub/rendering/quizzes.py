"""Quiz blocks: the YAML of a ```quiz fence to a validated Quiz, problems at file lines; pure."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

import yaml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from eduhub.rendering.mathml import MathError, shown_tex, tex_to_mathml
from eduhub.rendering.parser import PARSER, plain_text
from eduhub.rendering.results import Problem, Severity
from eduhub.rendering.sanitizer import sanitize
from eduhub.rendering.urls import Kind, classify

QuestionKind = Literal["single", "multiple", "text", "numeric"]
KINDS: tuple[QuestionKind, ...] = ("single", "multiple", "text", "numeric")
QUIZ_INFO = "quiz"  # the fence's info string

MAX_QUESTIONS = 50
MAX_CHOICES = 26  # choice ids are the letters a…z
MAX_ID_LENGTH = 64
# A quiz is a few kilobytes of YAML; these bounds keep a hostile one cheap to refuse.
MAX_SOURCE_CHARS = 64_000
MAX_YAML_EVENTS = 20_000
MAX_YAML_DEPTH = 8
SNAPSHOT_FORMAT = 1

_ID = re.compile(r"[a-z0-9-]+\Z")
_PLAIN_FLOAT = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+\Z")
_PERCENT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*%\s*\Z")
_YAML_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_YAML_TAG}{name}" for name in ("str", "int", "float", "bool", "null")}
_ALLOWED_TAGS = _SCALAR_TAGS | {f"{_YAML_TAG}{name}" for name in ("timestamp", "seq", "map")}
_CONSTRUCTOR = yaml.constructor.SafeConstructor()

_QUIZ_KEYS = ("id", "title", "pass", "reveal", "reveal_after", "questions")
#: When the right answers are shown (``reveal:``); absent, after a pass or DEFAULT_REVEAL_AFTER.
REVEAL_RULES = ("after-pass", "after-attempts", "never")
DEFAULT_REVEAL_AFTER = 3
MAX_REVEAL_AFTER = 100
_QUESTION_KEYS = (
    "id", "type", "prompt", "choices", "answers", "answer", "tolerance", "unit", "feedback",
)  # fmt: skip
_TYPE_KEYS: dict[str, frozenset[str]] = {
    "single": frozenset({"choices"}),
    "multiple": frozenset({"choices"}),
    "text": frozenset({"answers"}),
    "numeric": frozenset({"answer", "tolerance", "unit"}),
}
_CHOICE_KEYS = ("text", "correct", "feedback")
_FEEDBACK_KEYS = ("correct", "incorrect")


# --------------------------------------------------------------------------- the quiz model


@dataclass(frozen=True)
class Choice:
    """One option of a single- or multiple-choice question."""

    id: str  # "a", "b", … in the order written
    text_html: str
    correct: bool
    feedback_html: str = ""  # shown after submission when the learner picked this choice


@dataclass(frozen=True)
class Question:
    """One question; which fields matter depends on ``kind``."""

    id: str
    kind: QuestionKind
    prompt_html: str
    choices: tuple[Choice, ...] = ()  # single, multiple
    answers: tuple[str, ...] = ()  # text: accepted answers as written
    answer: float | None = None  # numeric
    tolerance: float = 0.0  # numeric: absolute, or a percentage of answer when relative
    relative: bool = False
    unit: str = ""  # numeric: plain text shown next to the input
    feedback_correct_html: str = ""
    feedback_incorrect_html: str = ""
    prompt_text: str = ""  # the prompt as plain text, for search

    def to_snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "prompt_html": self.prompt_html,
            "prompt_text": self.prompt_text,
            "choices": [
                {
                    "id": choice.id,
                    "text_html": choice.text_html,
                    "correct": choice.correct,
                    "feedback_html": choice.feedback_html,
                }
                for choice in self.choices
            ],
            "answers": list(self.answers),
            "answer": self.answer,
            "tolerance": self.tolerance,
            "relative": self.relative,
            "unit": self.unit,
            "feedback_correct_html": self.feedback_correct_html,
            "feedback_incorrect_html": self.feedback_incorrect_html,
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Question:
        kind = data["kind"]
        if kind not in KINDS:
            raise ValueError(f"unknown question kind {kind!r}")
        answer = data.get("answer")
        return cls(
            id=str(data["id"]),
            kind=cast(QuestionKind, kind),
            prompt_html=str(data["prompt_html"]),
            choices=tuple(
                Choice(
                    id=str(choice["id"]),
                    text_html=str(choice["text_html"]),
                    correct=bool(choice["correct"]),
                    feedback_html=str(choice.get("feedback_html", "")),
                )
                for choice in data.get("choices", ())
            ),
            answers=tuple(str(answer) for answer in data.get("answers", ())),
            answer=None if answer is None else float(answer),
            tolerance=float(data.get("tolerance", 0.0)),
            relative=bool(data.get("relative", False)),
            unit=str(data.get("unit", "")),
            feedback_correct_html=str(data.get("feedback_correct_html", "")),
            feedback_incorrect_html=str(data.get("feedback_incorrect_html", "")),
            prompt_text=str(data.get("prompt_text", "")),
        )


@dataclass(frozen=True)
class Quiz:
    """A validated quiz: everything needed to show the form and to grade an attempt."""

    id: str
    title: str  # plain text, "" when none
    pass_mark: int | None  # percent, 1–100
    questions: tuple[Question, ...]
    #: The right answers are shown once an attempt passes (all right, without a pass mark) …
    reveal_on_pass: bool = True
    #: … or once the learner has made this many attempts; None: attempts never reveal them.
    reveal_after: int | None = DEFAULT_REVEAL_AFTER

    def to_snapshot(self) -> dict[str, Any]:
        """A JSON-serialisable copy to store with each attempt, so old attempts stay gradable."""
        return {
            "format": SNAPSHOT_FORMAT,
            "id": self.id,
            "title": self.title,
            "pass_mark": self.pass_mark,
            "reveal_on_pass": self.reveal_on_pass,
            "reveal_after": self.reveal_after,
            "questions": [question.to_snapshot() for question in self.questions],
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Quiz:
        """Rebuild a quiz from ``to_snapshot()``; ValueError when the data is not a snapshot."""
        try:
            if data.get("format") != SNAPSHOT_FORMAT:
                raise ValueError(f"unknown quiz snapshot format {data.get('format')!r}")
            pass_mark = data.get("pass_mark")
            # Snapshots made before authors chose (issue 8) get the default rule.
            after = data.get("reveal_after", DEFAULT_REVEAL_AFTER)
            return cls(
                id=str(data["id"]),
                title=str(data.get("title", "")),
                pass_mark=None if pass_mark is None else int(pass_mark),
                questions=tuple(Question.from_snapshot(item) for item in data["questions"]),
                reveal_on_pass=bool(data.get("reveal_on_pass", True)),
                reveal_after=None if after is None else int(after),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a quiz snapshot: {exc!r}") from exc


def normalize_answer(text: str) -> str:
    """The form in which text answers are compared.

    Accents folded (NFKD, combining marks dropped), case folded, runs of whitespace collapsed
    to one space, punctuation and symbols at either end removed: "  Photo-Voltaic! " and
    "photo-voltaic" match, "photo voltaic" does not.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    collapsed = " ".join(folded.split())
    start, end = 0, len(collapsed)
    while start < end and _is_edge_junk(collapsed[start]):
        start += 1
    while end > start and _is_edge_junk(collapsed[end - 1]):
        end -= 1
    return collapsed[start:end]


def _is_edge_junk(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] in "PS"


# --------------------------------------------------------------------------- parsing


def parse_quiz(source: str, *, first_line: int, index: int) -> tuple[Quiz | None, list[Problem]]:
    """Validate one quiz block; the Quiz is None when any problem is an error.

    ``first_line`` is the line of the file the YAML starts on (1-based), so every problem
    names a line of the original file; ``index`` is the quiz's 1-based position in the
    lesson, which gives the default id ``quiz-INDEX``. Never raises.
    """
    reader = _Reader(first_line)
    try:
        quiz = reader.quiz(source, index)
    except Exception as exc:  # a validator must report, never crash on what an author wrote
        reader.error(0, f"could not read this quiz ({type(exc).__name__})")
        quiz = None
    problems = sorted(reader.problems, key=lambda problem: problem.line)
    if any(problem.severity == "error" for problem in problems):
        return None, problems
    return quiz, problems


_Entry = tuple[yaml.Node, yaml.Node]  # key node, value node


class _Reader:
    """Walks the composed YAML nodes (never constructed objects) and collects problems."""

    def __init__(self, first_line: int) -> None:
        self.first_line = first_line
        self.problems: list[Problem] = []

    # ---- reporting

    def report(self, line: int, severity: Severity, message: str) -> None:
        """``line`` is 0-based within the YAML, as PyYAML marks count."""
        self.problems.append(Problem(self.first_line + line, severity, message))

    def error(self, line: int, message: str) -> None:
        self.report(line, "error", message)

    def warning(self, line: int, message: str) -> None:
        self.report(line, "warning", message)

    # ---- YAML

    def compose(self, source: str) -> yaml.Node | None:
        if len(source) > MAX_SOURCE_CHARS:
            self.error(0, f"quiz is longer than {MAX_SOURCE_CHARS:,} characters")
            return None
        try:
            # A first pass over the events refuses what could make composing or walking the
            # nodes expensive: aliases (one anchor used a billion times) and deep nesting.
            depth = 0
            for count, event in enumerate(yaml.parse(source, Loader=yaml.SafeLoader)):
                line = event.start_mark.line if event.start_mark else 0
                if isinstance(event, yaml.AliasEvent):
                    self.error(line, "YAML aliases (*name) are not allowed in a quiz")
                    return None
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    if depth > MAX_YAML_DEPTH:
                        self.error(line, "quiz is nested too deeply")
                        return None
                elif isinstance(event, yaml.CollectionEndEvent):
                    depth -= 1
                if count > MAX_YAML_EVENTS:
                    self.error(line, "quiz has too many YAML items")
                    return None
            return yaml.compose(source, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            self.error(mark.line if mark else 0, f"invalid YAML in quiz: {exc.problem or exc}")
        except yaml.YAMLError as exc:
            self.error(0, f"invalid YAML in quiz: {exc}")
        return None

    def check_tags(self, node: yaml.Node) -> bool:
        """Only plain YAML: ``!!python/object`` and friends are errors, not objects."""
        ok = True
        stack = [node]
        while stack:
            current = stack.pop()
            if current.tag not in _ALLOWED_TAGS:
                shown = current.tag.replace(_YAML_TAG, "!!")
                self.error(current.start_mark.line, f"unsupported YAML tag {shown}")
                ok = False
            if isinstance(current, yaml.MappingNode):
                for key, value in current.value:
                    stack.extend((key, value))
            elif isinstance(current, yaml.SequenceNode):
                stack.extend(current.value)
        return ok

    def mapping(self, node: yaml.Node, allowed: Sequence[str], what: str) -> dict[str, _Entry]:
        """Keys to (key node, value node); unknown keys are warnings, repeated keys errors."""
        entries: dict[str, _Entry] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            line = key_node.start_mark.line
            if key in entries:
                self.error(line, f"duplicate key '{key}' in {what}")
                continue
            if key not in allowed:
                self.warning(line, f"unknown key '{key}' in {what}")
                continue
            entries[key] = (key_node, value_node)
        return entries

    def text(self, entry: _Entry, what: str) -> str | None:
        """A scalar as written (``yes`` stays "yes"); None (and an error) for anything else."""
        key, value = entry
        if not isinstance(value, yaml.ScalarNode) or value.tag not in _SCALAR_TAGS:
            self.error(key.start_mark.line, f"{what} must be text")
            return None
        if value.tag == f"{_YAML_TAG}null":
            return ""
        return str(value.value)

    def number(self, node: yaml.Node) -> float | None:
        if not isinstance(node, yaml.ScalarNode):
            return None
        try:
            if node.tag == f"{_YAML_TAG}int":
                value = float(_CONSTRUCTOR.construct_yaml_int(node))
            elif node.tag == f"{_YAML_TAG}float":
                value = float(_CONSTRUCTOR.construct_yaml_float(node))
            elif (
                node.tag == f"{_YAML_TAG}str"
                and node.style is None
                and _PLAIN_FLOAT.match(node.value)
            ):
                # YAML 1.1 reads an unquoted 2e3 or 1.5e-3 as text; authors mean a number.
                value = float(node.value)
            else:
                return None
        except (ValueError, OverflowError):  # e.g. an int of more than 4,300 digits
            return None
        return value if math.isfinite(value) else None

    # ---- inline Markdown

    def inline(self, text: str, line: int) -> tuple[str, str]:
        """Inline Markdown to sanitized HTML and plain text, with the lesson's link policy."""
        env: dict[str, Any] = {}
        tokens = PARSER.parseInline(text, env)
        children = (tokens[0].children or []) if tokens else []
        kept: list[Token] = []
        hide_link_close = False
        for child in children:
            kind = child.type
            if kind == "footnote_ref":
                self.warning(line, "footnotes are not supported in quiz text")
                continue
            if kind == "link_open":
                hide_link_close = not self.link(child, line)
                if hide_link_close:
                    continue
            elif kind == "link_close":
                hidden, hide_link_close = hide_link_close, False
                if hidden:
                    continue
            elif kind == "image":
                child.meta["shown_as"] = "alt"
                self.warning(line, "images are not supported in quiz text")
            elif kind in ("math_inline", "math_inline_double"):
                tex = child.content.strip()
                try:
                    child.meta["html"] = tex_to_mathml(tex, display=False)
                except MathError as error:
                    self.warning(line, f"could not render math `{shown_tex(tex)}`: {error}")
            kept.append(child)
        renderer = cast(RendererHTML, PARSER.renderer)
        html = sanitize(renderer.renderInline(kept, PARSER.options, env)).strip()
        return html, plain_text(kept)

    def link(self, token: Token, line: int) -> bool:
        """False: show the link's text only."""
        href = str(token.attrGet("href") or "")
        target = classify(href)
        if target.kind is Kind.EXTERNAL:
            token.attrSet("rel", "noopener noreferrer")
            return True
        if target.kind in (Kind.MAILTO, Kind.FRAGMENT):
            return True
        if target.kind is Kind.REFUSED:
            self.warning(line, f"link with scheme '{target.scheme}:' removed")
        else:
            self.warning(line, "only full http(s) links and #headings work in quiz text")
        return False

    def feedback(self, entry: _Entry, what: str) -> tuple[str, str]:
        """Per-question feedback: one text for both outcomes, or ``{correct:, incorrect:}``."""
        value = entry[1]
        if isinstance(value, yaml.MappingNode):
            entries = self.mapping(value, _FEEDBACK_KEYS, f"{what} feedback")
            parts = []
            for name in _FEEDBACK_KEYS:
                text = self.text(entries[name], f"{name} feedback") if name in entries else ""
                line = entries[name][1].start_mark.line if name in entries else 0
                parts.append(self.inline(text, line)[0] if text else "")
            return parts[0], parts[1]
        text = self.text(entry, "feedback")
        html = self.inline(text, value.start_mark.line)[0] if text else ""
        return html, html

    # ---- the quiz

    def quiz(self, source: str, index: int) -> Quiz | None:
        root = self.compose(source)
        if root is None:
            if not self.problems:
                self.error(0, "quiz is empty")
            return None
        if not self.check_tags(root):
            return None
        if not isinstance(root, yaml.MappingNode):
            self.error(root.start_mark.line, "quiz must be a mapping of keys to values")
            return None
        entries = self.mapping(root, _QUIZ_KEYS, "quiz")

        quiz_id = f"quiz-{index}"
        if "id" in entries:
            quiz_id = self.identifier(entries["id"], "quiz") or quiz_id
        title = ""
        if "title" in entries:
            title = " ".join((self.text(entries["title"], "title") or "").split())
        pass_mark: int | None = None
        if "pass" in entries:
            pass_mark = self.pass_mark(entries["pass"])
        reveal_on_pass, reveal_after = self.reveal(entries)

        if "questions" not in entries:
            self.error(root.start_mark.line, "quiz has no questions")
            return None
        key, items = entries["questions"]
        if not isinstance(items, yaml.SequenceNode) or not items.value:
            self.error(key.start_mark.line, "questions must be a list of at least one question")
            return None
        if len(items.value) > MAX_QUESTIONS:
            extra = items.value[MAX_QUESTIONS]
            self.error(extra.start_mark.line, f"a quiz has at most {MAX_QUESTIONS} questions")
            return None
        questions: list[Question] = []
        first_seen: dict[str, int] = {}
        for number, item in enumerate(items.value, start=1):
            question, id_line = self.question(item, number)
            if question is None:
                continue
            if question.id in first_seen:
                self.error(
                    id_line,
                    f"duplicate question id '{question.id}' "
                    f"(first used on line {self.first_line + first_seen[question.id]})",
                )
                continue
            first_seen[question.id] = id_line
            questions.append(question)
        return Quiz(quiz_id, title, pass_mark, tuple(questions), reveal_on_pass, reveal_after)

    def identifier(self, entry: _Entry, what: str) -> str | None:
        value = self.text(entry, f"{what} id")
        if value is None:
            return None
        if not _ID.match(value) or len(value) > MAX_ID_LENGTH:
            self.error(
                entry[0].start_mark.line,
                f"{what} id '{value[:MAX_ID_LENGTH]}' must be lower-case letters, digits and "
                f"hyphens, at most {MAX_ID_LENGTH} characters",
            )
            return None
        return value

    def pass_mark(self, entry: _Entry) -> int | None:
        key, value = entry
        number = self.number(value)
        if number is None or value.tag != f"{_YAML_TAG}int" or not 1 <= number <= 100:
            self.error(key.start_mark.line, "pass must be a whole number of percent from 1 to 100")
            return None
        return int(number)

    def reveal(self, entries: dict[str, _Entry]) -> tuple[bool, int | None]:
        """``reveal:`` and ``reveal_after:`` → (reveal on a pass, reveal after N attempts)."""
        after = DEFAULT_REVEAL_AFTER
        if "reveal_after" in entries:
            key, value = entries["reveal_after"]
            number = self.number(value)
            if (
                number is None
                or value.tag != f"{_YAML_TAG}int"
                or not 1 <= number <= MAX_REVEAL_AFTER
            ):
                self.error(
                    key.start_mark.line,
                    f"reveal_after must be a whole number of attempts from 1 to {MAX_REVEAL_AFTER}",
                )
            else:
                after = int(number)
        if "reveal" not in entries:
            return True, after
        key = entries["reveal"][0]
        rule = self.text(entries["reveal"], "reveal")
        if rule is None:
            return True, after
        if rule not in REVEAL_RULES:
            self.error(
                key.start_mark.line,
                f"reveal must be one of {', '.join(REVEAL_RULES)} (not '{rule[:40]}')",
            )
            return True, after
        if rule != "after-attempts" and "reveal_after" in entries:
            self.warning(
                entries["reveal_after"][0].start_mark.line,
                f"reveal_after is ignored with reveal: {rule}",
            )
        if rule == "after-pass":
            return True, None
        if rule == "after-attempts":
            return False, after
        return False, None

    def question(self, node: yaml.Node, number: int) -> tuple[Question | None, int]:
        """The question and the (0-based) line of its id, for duplicate reports."""
        line = node.start_mark.line
        if not isinstance(node, yaml.MappingNode):
            self.error(line, f"question {number} must be a mapping of keys to values")
            return None, line
        entries = self.mapping(node, _QUESTION_KEYS, f"question {number}")
        question_id = f"q{number}"
        id_line = line
        if "id" in entries:
            id_line = entries["id"][0].start_mark.line
            question_id = self.identifier(entries["id"], "question") or question_id
        name = f"question '{question_id}'"

        kind = ""
        if "type" not in entries:
            self.error(line, f"{name} has no type (single, multiple, text or numeric)")
        else:
            kind = self.text(entries["type"], "type") or ""
            if kind and kind not in KINDS:
                self.error(
                    entries["type"][0].start_mark.line,
                    f"unknown question type '{kind[:40]}' (single, multiple, text or numeric)",
                )
                kind = ""
        prompt = self.text(entries["prompt"], "prompt") if "prompt" in entries else ""
        if prompt is not None and not prompt.strip():
            self.error(line, f"{name} has no prompt")
        if not kind or not prompt or not prompt.strip():
            return None, id_line
        prompt_line = entries["prompt"][1].start_mark.line
        prompt_html, prompt_text = self.inline(prompt, prompt_line)
        feedback = ("", "")
        if "feedback" in entries:
            feedback = self.feedback(entries["feedback"], name)
        common = {"id", "type", "prompt", "feedback"}
        for key in [key for key in entries if key not in common | _TYPE_KEYS[kind]]:
            self.warning(
                entries[key][0].start_mark.line, f"'{key}' is not used by {kind} questions"
            )
        base = Question(
            id=question_id,
            kind=cast(QuestionKind, kind),
            prompt_html=prompt_html,
            feedback_correct_html=feedback[0],
            feedback_incorrect_html=feedback[1],
            prompt_text=prompt_text,
        )
        if kind in ("single", "multiple"):
            return self.choice_question(base, entries, line), id_line
        if kind == "text":
            return self.text_question(base, entries, line), id_line
        return self.numeric_question(base, entries, line), id_line

    def choice_question(
        self, base: Question, entries: dict[str, _Entry], line: int
    ) -> Question | None:
        label = "single-choice" if base.kind == "single" else "multiple-choice"
        if "choices" not in entries:
            self.error(line, f"{label} question '{base.id}' needs at least 2 choices")
            return None
        key, items = entries["choices"]
        key_line = key.start_mark.line
        if not isinstance(items, yaml.SequenceNode) or len(items.value) < 2:
            self.error(key_line, f"{label} question '{base.id}' needs at least 2 choices")
            return None
        if len(items.value) > MAX_CHOICES:
            self.error(key_line, f"a question has at most {MAX_CHOICES} choices")
            return None
        choices: list[Choice] = []
        for position, item in enumerate(items.value):
            choice = self.choice(item, chr(ord("a") + position))
            if choice is None:
                return None
            choices.append(choice)
        correct = sum(choice.correct for choice in choices)
        if base.kind == "single" and correct != 1:
            self.error(
                key_line,
                f"single-choice question '{base.id}' needs exactly one correct choice "
                f"(found {correct})",
            )
            return None
        if base.kind == "multiple" and correct == 0:
            self.error(key_line, f"multiple-choice question '{base.id}' has no correct choice")
            return None
        return replace(base, choices=tuple(choices))

    def choice(self, node: yaml.Node, choice_id: str) -> Choice | None:
        line = node.start_mark.line
        if not isinstance(node, yaml.MappingNode):
            self.error(line, "each choice must be a mapping with a 'text' key")
            return None
        entries = self.mapping(node, _CHOICE_KEYS, "choice")
        text = self.text(entries["text"], "choice text") if "text" in entries else ""
        if text is None:
            return None
        if not text.strip():
            self.error(line, "choice has no text")
            return None
        text_html, _ = self.inline(text, entries["text"][1].start_mark.line)
        correct = False
        if "correct" in entries:
            key, value = entries["correct"]
            if not isinstance(value, yaml.ScalarNode) or value.tag != f"{_YAML_TAG}bool":
                self.error(key.start_mark.line, "correct must be true or false")
                return None
            correct = bool(_CONSTRUCTOR.construct_yaml_bool(value))
        feedback_html = ""
        if "feedback" in entries:
            feedback = self.text(entries["feedback"], "choice feedback")
            if feedback is None:
                return None
            if feedback:
                feedback_html = self.inline(feedback, entries["feedback"][1].start_mark.line)[0]
        return Choice(choice_id, text_html, correct, feedback_html)

    def text_question(
        self, base: Question, entries: dict[str, _Entry], line: int
    ) -> Question | None:
        if "answers" not in entries:
            self.error(line, f"text question '{base.id}' has no answers")
            return None
        key, value = entries["answers"]
        nodes = value.value if isinstance(value, yaml.SequenceNode) else [value]
        answers: list[str] = []
        for node in nodes:
            answer = self.text((key, node), "each answer")
            if answer is None:
                return None
            if not normalize_answer(answer):
                self.error(
                    node.start_mark.line,
                    f"answer {answer!r} is empty once case, spaces and punctuation are ignored",
                )
                return None
            answers.append(answer.strip())
        if not answers:
            self.error(key.start_mark.line, f"text question '{base.id}' has no answers")
            return None
        return replace(base, answers=tuple(answers))

    def numeric_question(
        self, base: Question, entries: dict[str, _Entry], line: int
    ) -> Question | None:
        if "answer" not in entries:
            self.error(line, f"numeric question '{base.id}' has no answer")
            return None
        key, value = entries["answer"]
        answer = self.number(value)
        if answer is None:
            self.error(key.start_mark.line, "answer of a numeric question must be a number")
            return None
        tolerance, relative = 0.0, False
        if "tolerance" in entries:
            key, value = entries["tolerance"]
            number = self.number(value)
            percent = None
            if number is None and isinstance(value, yaml.ScalarNode):
                percent = _PERCENT.match(str(value.value))
            if number is not None and number >= 0:
                tolerance = number
            elif percent is not None and math.isfinite(float(percent.group(1))):
                tolerance, relative = float(percent.group(1)), True
            else:
                self.error(
                    key.start_mark.line,
                    "tolerance must be a number of at least 0 or a percentage such as '2%'",
                )
                return None
        unit = ""
        if "unit" in entries:
            unit = " ".join((self.text(entries["unit"], "unit") or "").split())
        return replace(base, answer=answer, tolerance=tolerance, relative=relative, unit=unit)
