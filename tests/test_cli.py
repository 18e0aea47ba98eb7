"""`aiquiz validate` and `aiquiz list` as a user runs them: output, exit codes, never a traceback."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from aiquiz.cli_common import learner_now, local_zone

from conftest import FIXTURES


def test_validate_valid_deck_exits_0(cli, sample_path: Path) -> None:
    result = cli("validate", str(sample_path))
    assert result.returncode == 0, result.stderr
    assert "sample: 5 cards (basic 1, cloze 1, choice 1, truefalse 2)" in result.stdout
    assert "OK: 1 deck(s), 5 cards." in result.stdout


def test_validate_invalid_deck_exits_1_with_file_line_errors(cli) -> None:
    path = "tests/fixtures/invalid/unknown-key.yaml"
    result = cli("validate", path)
    assert result.returncode == 1
    assert f"Error: {path}:7: card q1: unknown key 'frnt' in basic card (did you mean 'front'?)" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_every_invalid_fixture_fails_cleanly_from_the_cli(cli) -> None:
    result = cli("validate", "tests/fixtures/invalid")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    for expected in sorted((FIXTURES / "invalid").glob("*.expected")):
        for line in expected.read_text(encoding="utf-8").splitlines():
            assert f"Error: {line}" in result.stderr


def test_missing_path_exits_2(cli) -> None:
    result = cli("validate", "no/such/deck.yaml")
    assert result.returncode == 2
    assert "Error: no such file or directory: no/such/deck.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_option_exits_2(cli) -> None:
    result = cli("validate", "--frobnicate")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_list_shows_title_source_and_counts(cli, sample_path: Path) -> None:
    result = cli("list", str(sample_path))
    assert result.returncode == 0, result.stderr
    assert "sample" in result.stdout and "Sample deck" in result.stdout
    assert "sample-source" in result.stdout and "truefalse:2" in result.stdout


def test_default_paths_use_local_decks_dir(cli, tmp_path: Path, sample_path: Path) -> None:
    (tmp_path / "decks").mkdir()
    (tmp_path / "decks" / "mine.yaml").write_text(sample_path.read_text(encoding="utf-8"), encoding="utf-8")
    result = cli("validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "decks/mine.yaml: sample: 5 cards" in result.stdout


def test_config_deck_must_be_a_loaded_deck(cli, tmp_path: Path, sample_path: Path) -> None:
    env = {"AIQUIZ_HOME": str(tmp_path)}
    bundled = cli("config", "retention", "0.8", "--deck", "devday-2042", env=env)  # the decks in ./decks
    assert (bundled.returncode, bundled.stdout) == (2, ""), bundled.stdout
    assert bundled.stderr.startswith("Error: no deck with id 'devday-2042': did you mean 'devday-2024'? "
                                     "(loaded: across-interviews, devday-2024, ")
    assert not (tmp_path / "progress.sqlite3").exists()  # nothing was stored
    typo = cli("config", "new-per-day", "5", str(sample_path), "--deck", "sampel", env=env)  # decks given
    assert (typo.returncode, typo.stdout) == (2, "")
    assert typo.stderr == "Error: no deck with id 'sampel': did you mean 'sample'? (loaded: sample)\n"
    ok = cli("config", "new-per-day", "5", str(sample_path), "--deck", "sample", env=env)
    assert ok.returncode == 0 and ok.stdout.startswith("new-per-day = 5 (deck sample); saved in "), ok.stderr
    assert "deck sample: 5" in cli("config", "new-per-day", env=env).stdout
    # A deck no longer loaded keeps its value until unset: unsetting it is allowed, a typo is not.
    assert cli("config", "new-per-day", "default", "--deck", "sampel", env=env).returncode == 2
    gone = cli("config", "new-per-day", "default", "--deck", "sample", env=env)
    assert gone.returncode == 0 and "the default (deck sample)" in gone.stdout, gone.stderr


def test_the_learners_zone_is_a_real_zone_from_tz_or_the_system(tmp_path: Path, monkeypatch) -> None:
    assert str(local_zone({"TZ": "Europe/Berlin"})) == str(local_zone({"TZ": ":Europe/Berlin"})) == "Europe/Berlin"
    assert str(local_zone({"TZ": "/usr/share/zoneinfo/Asia/Tokyo"})) == "Asia/Tokyo"
    assert str(local_zone({}, Path("/usr/share/zoneinfo/America/New_York"))) == "America/New_York"
    copied = tmp_path / "localtime"  # a zone file that is no link into the zone database
    copied.write_bytes(Path("/usr/share/zoneinfo/Europe/Berlin").read_bytes())
    zone = local_zone({}, copied)
    assert (zone.utcoffset(datetime(2027, 7, 1)), zone.utcoffset(datetime(2027, 1, 1))) == (timedelta(hours=2),
                                                                                            timedelta(hours=1))
    for fallback in ({"TZ": "CET-1CEST,M3.5.0,M10.5.0/3"}, {"TZ": "Nowhere/City"}):  # libc's offset now
        assert local_zone(fallback).utcoffset(None) is not None
    assert local_zone({}, tmp_path / "missing").utcoffset(None) is not None
    monkeypatch.setenv("TZ", "Europe/Berlin")
    first, second = learner_now(), learner_now()
    assert str(first.tzinfo) == "Europe/Berlin" and first.tzinfo is not second.tzinfo  # differences go by UTC


def test_a_command_with_options_does_not_import_pydantic(tmp_path: Path, sample_path: Path) -> None:
    # Typer 0.29 coerces every parameter through a pydantic TypeAdapter: importing pydantic alone made each
    # command 0.05-0.3 s slower, more than a warm `drill` needs (pyproject pins typer below it).
    import os
    import subprocess
    import sys

    code = ("import sys\nsys.argv = ['aiquiz', 'anki', sys.argv[1], '--out', sys.argv[2], '--lang', 'both']\n"
            "from aiquiz.cli import main\ntry:\n    main()\nexcept SystemExit as exit:\n    print('exit', exit.code)\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'pydantic_core'}))")
    out = subprocess.run([sys.executable, "-c", code, str(sample_path), str(tmp_path / "out.apkg")],
                         env={**os.environ, "AIQUIZ_HOME": str(tmp_path)}, capture_output=True, text=True, check=True)
    assert (tmp_path / "out.apkg").stat().st_size > 0, out.stderr
    assert out.stdout.splitlines()[-1] == "[]", out.stdout


def test_a_run_builds_only_its_command_and_says_what_the_whole_app_says(monkeypatch) -> None:
    # main() hands Typer the app with only the command named (building all 17 commands' options cost ~10 ms
    # of a drill's start); help, usage errors and a mistyped command must read exactly as with the whole app.
    from typer.main import get_command
    from typer.testing import CliRunner

    from aiquiz import cli

    monkeypatch.setenv("AIQUIZ_NO_CACHE", "")  # put back afterwards: `--no-cache` sets it in this process
    names = sorted(get_command(cli.app).commands)  # type: ignore[attr-defined]
    assert len(names) >= 15 and "drill" in names
    runner = CliRunner()
    for args in (*([name, "--help"] for name in names), ["drill", "--bogus"], ["quiz", "--count", "x"],
                 ["--no-cache", "list", "no/such/path"], ["drll"], ["--help"], [],
                 ["--help", "drill"], ["-h", "quiz"], ["--no-cache", "--help", "due"]):
        narrow = cli._only(args)
        if args and args[0] in names:
            assert get_command(narrow).commands.keys() == {args[0]}, args  # type: ignore[attr-defined]
        got, whole = runner.invoke(narrow, args), runner.invoke(cli.app, args)
        assert (got.exit_code, got.output) == (whole.exit_code, whole.output), args


def test_a_drill_shows_its_first_card_without_importing_the_scheduler_or_the_judge(tmp_path: Path,
                                                                                    sample_path: Path) -> None:
    # fsrs and the answer judge are imported when an answer is judged and scheduled, not before (~15 ms).
    import os
    import subprocess
    import sys

    code = ("import sys\nsys.argv = ['aiquiz', 'drill', sys.argv[1], '--store', sys.argv[2]]\n"
            "from aiquiz.cli import main\ntry:\n    main()\nexcept SystemExit as exit:\n    print('exit', exit.code)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'fsrs' or m.startswith('aiquiz.judge')))")
    out = subprocess.run([sys.executable, "-c", code, str(sample_path), str(tmp_path / "p.sqlite3")], input="",
                         env={**os.environ, "AIQUIZ_HOME": str(tmp_path)}, capture_output=True, text=True, check=True)
    assert "--- card 1 of" in out.stdout, out.stdout + out.stderr
    assert out.stdout.splitlines()[-1] == "[]", out.stdout
