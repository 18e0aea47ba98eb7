"""The Chinese interface: every message is in the catalogue and translated, the compiled .mo matches the .po,
a `--lang zh` drill in a real pseudo-terminal shows no English interface word, and the study commands speak
Chinese under AIQUIZ_LANG=zh (or --lang zh) while their English output is unchanged."""

from __future__ import annotations

import io
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from aiquiz import i18n

from conftest import FIXTURES, ROOT, run_cli

PO = ROOT / "src" / "aiquiz" / "locale" / "zh_CN" / "LC_MESSAGES" / "aiquiz.po"
MO = PO.with_suffix(".mo")
POT = ROOT / "messages.pot"
ZH_DECK = FIXTURES / "zh"

# Words of the English interface (labels, prompts, key lines, verdicts, summary) that a zh drill must not show.
# "undo" is allowed only as part of the command name `aiquiz undo`.
ENGLISH = re.compile(r"\b(Rate|Again|Hard|Good|Easy|question|answer|Press|Type your|Type the|Studied|Next card|"
                     r"(?<!aiquiz )undo|skip|bury|suspend|quits|Right|Wrong|summary|source|why|card \d+ of|"
                     r"due|new left|NEW|last:|Undid|Nothing)\b")
SAME_IN_CHINESE = {"Enter = {rating}"}  # the key's name, as printed on the keyboard
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>]")


def source_ids() -> set[str | tuple[str, ...]]:
    """Every message marked in the source, extracted by Babel with the project's babel.cfg."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=DEFAULT_KEYWORDS)
    catalog = Catalog()
    for _path, _line, message, comments, context in found:
        catalog.add(message, None, [], auto_comments=comments, context=context)
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}


def catalogue_ids(path: Path) -> dict[str | tuple[str, ...], Message]:
    """The messages of a .pot or .po file by id (a plural message by its (singular, plural) pair)."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {m.id if isinstance(m.id, str) else tuple(m.id): m for m in catalog if m.id}


def fields(text: str) -> set[str]:
    """The `{name}` replacement fields of a brace-format message."""
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_every_source_message_is_in_the_template_and_the_chinese_catalogue() -> None:
    in_source = source_ids()
    assert len(in_source) > 150  # the extraction found the marked strings (a broken babel.cfg finds none)
    assert set(catalogue_ids(POT)) == in_source, "messages.pot is stale: run pybabel extract (docs/translating.md)"
    assert set(catalogue_ids(PO)) == in_source, "aiquiz.po is stale: run pybabel update (docs/translating.md)"


def test_every_chinese_translation_is_present_not_fuzzy_and_keeps_its_placeholders() -> None:
    for key, message in catalogue_ids(PO).items():
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert strings and all(s.strip() for s in strings), f"no Chinese for {key!r}"
        assert not message.fuzzy, f"fuzzy translation of {key!r}"
        ids = [key] if isinstance(key, str) else list(key)
        for text in strings:
            assert fields(text) == fields(ids[-1]), f"placeholders differ in {key!r}: {text!r}"
            assert re.search(r"[\u4e00-\u9fff]", text) or key in SAME_IN_CHINESE, f"not Chinese: {text!r}"


def test_the_committed_mo_is_the_compiled_po() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    assert MO.read_bytes() == compiled.getvalue(), "aiquiz.mo is stale: run pybabel compile (docs/translating.md)"


def test_the_runtime_catalogue_translates_and_english_is_the_source() -> None:
    try:
        i18n.set_language("zh")
        assert i18n.language() == "zh"
        assert i18n._("Again") == "重来"
        assert i18n.ngettext("{count} card", "{count} cards", 3).format(count=3) == "3 张卡片"
        i18n.set_language("en")
        assert i18n._("Again") == "Again"
        assert i18n.ngettext("{count} card", "{count} cards", 1) == "{count} card"
    finally:
        i18n.set_language("en")


@pytest.mark.parametrize("value, lang", [("zh", "zh"), ("zh_CN.UTF-8", "zh"), ("zh-Hans", "zh"), ("ZH", "zh"),
                                         ("en", "en"), ("en_GB", "en"), ("", None), ("fr", None)])
def test_aiquiz_lang_names_the_interface_language(value: str, lang: str | None) -> None:
    assert i18n.from_environment({"AIQUIZ_LANG": value}) == lang


def spawn_zh(home: Path) -> pexpect.spawn:
    env = {**os.environ, "AIQUIZ_HOME": str(home), "TERM": "xterm-256color", "LANG": "C.UTF-8",
           "PYTHONIOENCODING": "utf-8"}
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    return pexpect.spawn(sys.executable, ["-m", "aiquiz", "drill", str(ZH_DECK), "--lang", "zh"], cwd=str(ROOT),
                         env=env, encoding="utf-8", dimensions=(50, 120), timeout=60)


def test_a_zh_drill_in_a_terminal_shows_no_english_interface_word(tmp_path: Path) -> None:
    child = spawn_zh(tmp_path)
    child.logfile_read = screen = io.StringIO()  # everything the drill drew, start to end
    child.expect_exact("第 1/5 张")
    child.expect_exact("选择题")
    child.expect_exact("按 a-c · u 撤销 · s 跳过 · q 退出")
    child.send("b")  # the choice, right
    child.expect_exact("✓ 正确")
    child.expect_exact("解释")
    child.expect_exact("出处")
    child.expect_exact("评分：1 重来  2 困难  3 良好  4 简单 · Enter = 良好")
    child.send("\r")
    child.expect_exact("第 2/5 张")
    child.expect_exact("上一张：良好")
    child.expect_exact("输入你的答案")
    child.expect_exact("> ")
    child.sendline("u")  # undo the choice card: it comes back
    child.expect_exact("第 1/5 张")
    child.expect_exact("↶ 已撤销 zhongwen/xuanze 的“良好”")  # under the header of the card it brought back
    child.expect_exact("按 a-c")
    child.send("b")
    child.expect_exact("评分：")
    child.send("4")
    child.expect_exact("第 2/5 张")
    child.expect_exact("> ")
    child.sendline("s")  # skip the typed card: later in this session
    child.expect_exact("判断题")
    child.expect_exact("按 t（对）或 f（错）")
    child.send("t")
    child.expect_exact("答案")
    child.expect_exact("评分：")
    child.send("4")
    child.expect_exact("填空题")
    child.expect_exact("> ")
    child.sendline("三百")  # the typed answer, right
    child.expect_exact("✓ 正确")
    child.expect_exact("你的回答")
    child.expect_exact("评分：")
    child.send("\r")
    child.expect_exact("第 4/5 张")
    child.expect_exact("> ")
    child.sendline("不好")  # a typed answer aiquiz cannot judge: compare, then rate Again
    child.expect_exact("aiquiz 无法判断你的答案")
    child.expect_exact("评分：")
    child.send("1")
    child.expect_exact("> ")
    child.sendline("q")
    child.expect_exact("小结")
    child.expect_exact("已学 4 张卡片（4 次回答）")
    child.expect_exact("下一张卡片到期")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    found = ENGLISH.findall(ANSI.sub("", screen.getvalue()))
    assert not found, found


def cli_zh(home: Path, *args: str) -> str:
    result = run_cli(*args, env={"AIQUIZ_HOME": str(home), "AIQUIZ_LANG": "zh"})
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_stats_due_and_card_speak_chinese_under_aiquiz_lang(tmp_path: Path) -> None:
    drilled = run_cli("drill", str(ZH_DECK), "--lang", "zh", env={"AIQUIZ_HOME": str(tmp_path)},
                      stdin="b\n4\n不行\n1\n")
    assert drilled.returncode == 0, drilled.stderr
    stats = cli_zh(tmp_path, "stats", str(ZH_DECK))
    for heading in ("卡片", "卡组", "新卡", "学习中", "到期", "已掌握", "今日复习", "记忆保持率（30 天）",
                    "连续学习", "未来 14 天的到期卡片", "今天", "明天", "学习记录："):
        assert heading in stats
    due = cli_zh(tmp_path, "due")
    assert re.fullmatch(r"zhongwen：现在到期 \d+，今天稍后 \d+\n合计：现在到期 \d+，今天稍后 \d+\n", due), due
    card = cli_zh(tmp_path, "card", "zhongwen/wenda", str(ZH_DECK))
    for heading in ("问答题", "答案", "解释", "出处", "状态：", "稳定性", "难度", "当前记忆概率", "标记：无",
                    "复习记录（1）：", "重来"):
        assert heading in card, heading
    assert not ENGLISH.search(card.replace("zhongwen/wenda", ""))
    assert "合计：现在到期" in cli_zh(tmp_path, "due", "--lang", "zh")
    english = run_cli("due", "--lang", "en", env={"AIQUIZ_HOME": str(tmp_path), "AIQUIZ_LANG": "zh"})
    assert re.search(r"^total: \d+ due now, \d+ later today$", english.stdout, re.M)  # --lang beats the environment


def test_the_other_study_commands_and_errors_speak_chinese(tmp_path: Path) -> None:
    run_cli("drill", str(ZH_DECK), "--lang", "zh", env={"AIQUIZ_HOME": str(tmp_path)}, stdin="b\n4\n")
    assert "new-per-day" in (config := cli_zh(tmp_path, "config")) and "允许的值" in config
    assert "已保存到" in cli_zh(tmp_path, "config", "new-per-day", "5")
    assert cli_zh(tmp_path, "flags", str(ZH_DECK)).strip() == "没有标记的卡片。"
    assert cli_zh(tmp_path, "leeches", str(ZH_DECK)).strip() == "没有难点卡。"
    assert cli_zh(tmp_path, "undo").startswith("已撤销 zhongwen/xuanze 的“简单”")
    assert cli_zh(tmp_path, "undo").strip() == "没有可撤销的：学习记录里没有复习。"
    bad = run_cli("config", "retention", "5", env={"AIQUIZ_HOME": str(tmp_path), "AIQUIZ_LANG": "zh"})
    assert bad.returncode == 2
    assert bad.stderr.strip() == "错误：retention 必须是0.7 到 0.99 之间的数，而不是“5”"
    missing = run_cli("unsuspend", "zhongwen/xuanze", "--lang", "zh", env={"AIQUIZ_HOME": str(tmp_path)})
    assert (missing.returncode, missing.stderr.strip()) == (1, "错误：zhongwen/xuanze 没有被暂停")


# The English of `aiquiz import` and `aiquiz anki --with-progress` (their summaries and errors).
EXCHANGE_ENGLISH = re.compile(r"\b(Read|Reviews|Notes not|no longer|ignored|kept|Progress store|Dry run|With progress|"
                              r"studied|Import with|holds no|export with|cannot|no such|legacy|current|"
                              r"no progress store)\b")


def without_paths(text: str, home: Path) -> str:
    return text.replace(str(home), "").replace(str(ZH_DECK), "")


def test_import_and_anki_with_progress_speak_chinese(tmp_path: Path) -> None:
    run_cli("drill", str(ZH_DECK), "--lang", "zh", env={"AIQUIZ_HOME": str(tmp_path)}, stdin="b\n4\n不行\n1\n")
    package = str(tmp_path / "p.apkg")
    sent = cli_zh(tmp_path, "anki", str(ZH_DECK), "--with-progress", "--out", package)  # anki's --lang en: $AIQUIZ_LANG
    assert "附带进度：2 条学过的笔记，对应 2 张 Anki 卡片，2 次复习。导入时请勾选“导入所有学习进度信息”" in sent
    assert not EXCHANGE_ENGLISH.search(sent.split("5 cards.\n", 1)[1]), sent  # anki's own lines stay English
    zh_package = run_cli("anki", str(ZH_DECK), "--lang", "zh", "--with-progress", "--out", package,
                         env={"AIQUIZ_HOME": str(tmp_path)})  # a package in Chinese: its progress lines too
    assert "附带进度：" in zh_package.stdout and "With progress" not in zh_package.stdout
    back = cli_zh(tmp_path, "import", package, str(ZH_DECK))
    assert back.splitlines()[1:3] == ["复习：新增 0 次，2 次已在学习记录中；重建了 0 张卡片的状态。",
                                      "不是来自 aiquiz 的笔记（已忽略）：0。已不在卡组中的 aiquiz 卡片（学习记录保留）：0。"]
    assert back.startswith("已读取 ") and "学习记录：" in back, back
    dry = run_cli("import", package, str(ZH_DECK), "--lang", "zh", "--dry-run", "--store", str(tmp_path / "none"),
                  env={"AIQUIZ_HOME": str(tmp_path)})
    assert "复习：将新增 2 次" in dry.stdout and "试运行：没有写入任何内容。" in dry.stdout, dry.stderr
    plain = str(tmp_path / "plain.apkg")
    assert run_cli("anki", str(ZH_DECK), "--out", plain).returncode == 0
    unscheduled = cli_zh(tmp_path, "import", plain, str(ZH_DECK))
    assert "其中没有复习历史：在 Anki 中导出时请勾选“包含学习进度信息”" in unscheduled
    for text in (back, dry.stdout, unscheduled):
        assert not EXCHANGE_ENGLISH.search(without_paths(text, tmp_path)), text
    env = {"AIQUIZ_HOME": str(tmp_path), "AIQUIZ_LANG": "zh"}
    missing = run_cli("import", str(tmp_path / "nope.apkg"), str(ZH_DECK), env=env)
    assert (missing.returncode, without_paths(missing.stderr, tmp_path)) == (1, "错误：无法导入 /nope.apkg：文件不存在\n")
    no_store = run_cli("anki", str(ZH_DECK), "--with-progress", "--out", package, "--store", str(tmp_path / "x"),
                       env=env)
    assert no_store.returncode == 2 and no_store.stderr.startswith("错误：--with-progress：")
    assert not EXCHANGE_ENGLISH.search(without_paths(no_store.stderr, tmp_path)), no_store.stderr


def test_the_english_interface_is_the_default(tmp_path: Path) -> None:
    result = run_cli("due", env={"AIQUIZ_HOME": str(tmp_path)})
    assert result.stdout == "total: 0 due now, 0 later today\n"
    both = run_cli("drill", str(ZH_DECK), "--lang", "both", env={"AIQUIZ_HOME": str(tmp_path)}, stdin="q\n")
    assert "card 1 of 5" in both.stdout and "Press a-c" in both.stdout


def test_the_runtime_never_imports_babel(tmp_path: Path) -> None:
    code = ("import sys\nsys.argv = ['aiquiz', 'due']\nfrom aiquiz.cli import main\ntry:\n    main()\n"
            "except SystemExit:\n    pass\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'babel'))")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "AIQUIZ_HOME": str(tmp_path),
                                                           "AIQUIZ_LANG": "zh"},
                         capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["合计：现在到期 0，今天稍后 0", "[]"]
