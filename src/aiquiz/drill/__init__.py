"""The terminal drill: FSRS scheduling, lenient grading, a pure session loop and a SQLite progress store.

Modules: scheduler (the fsrs adapter), grading (judging typed answers), session (queue and state, pure),
store (the only sqlite3 user), stats (numbers for `aiquiz stats`), runner (one drill, screen-agnostic),
terminal (the screen and keys), stats_view (drawing the stats).
"""
