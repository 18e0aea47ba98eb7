"""Printable quizzes: plan (seeded choice, versions, shuffles), render (HTML), write (HTML or PDF files).

Data flows one way, and no module imports one later in the chain (plan <- view <- render <- write):
`plan_quiz` -> `render_quiz` / `render_paged` -> `write_quiz`. `build_quiz` plans and renders HTML in
one call. A caller that picks the cards itself passes them in order: `plan_quiz(..., only=keys, title=...)`.
"""

from aiquiz.quiz.plan import (
    DEFAULT_COUNT,
    LETTERS,
    KeyMode,
    Paper,
    PlannedQuestion,
    QuizPlan,
    VersionPlan,
    plan_quiz,
)
from aiquiz.quiz.render import PagedOutput, PagedSection, QuizOutput, build_quiz, render_paged, render_quiz
from aiquiz.quiz.view import default_title
from aiquiz.quiz.write import PdfUnavailable, key_path, pdf_bytes, write_quiz

__all__ = [
    "DEFAULT_COUNT", "LETTERS", "KeyMode", "PagedOutput", "PagedSection", "Paper", "PdfUnavailable",
    "PlannedQuestion", "QuizOutput", "QuizPlan", "VersionPlan", "build_quiz", "default_title", "key_path",
    "pdf_bytes", "plan_quiz", "render_paged", "render_quiz", "write_quiz",
]
