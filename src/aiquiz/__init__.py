"""aiquiz: study what Sam Altman said in four interviews, as Anki decks, printable quizzes and a drill."""

__version__ = "0.1.0"
