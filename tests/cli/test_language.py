"""The command line's language: --lang anywhere, else STORE_CONNECT_LANGUAGE, else English; --json always English."""
import json

import pytest

from cli.main import asked_language, main
from core import i18n

PO = r'''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=1; plural=0;\n"

msgid "No stores yet. Add one with: python -m core stores add --name NAME --client-id ID < secret.txt"
msgstr "还没有店铺。添加一个：python -m core stores add --name 名称 --client-id ID < secret.txt"
'''


@pytest.fixture
def chinese(tmp_path, monkeypatch):
    folder = tmp_path / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(PO, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.reload_catalogues()
    yield
    i18n.reload_catalogues()


@pytest.mark.parametrize(("argv", "environ", "expected"), [
    (["stores", "list"], None, "en"),
    (["stores", "list", "--lang", "zh-CN"], None, "zh-CN"),
    (["--lang=zh", "stores", "list"], None, "zh-CN"),
    (["stores", "list"], "zh-CN", "zh-CN"),
    (["stores", "list", "--lang", "en"], "zh-CN", "en"),
])
def test_the_language_asked_for(argv, environ, expected, monkeypatch):
    if environ:
        monkeypatch.setenv("STORE_CONNECT_LANGUAGE", environ)
    else:
        monkeypatch.delenv("STORE_CONNECT_LANGUAGE", raising=False)
    assert asked_language(argv) == expected


def test_output_speaks_the_language_and_json_stays_english(cli, chinese, runtime, capsys):
    code, out, _ = cli("stores", "list", "--lang", "zh-CN")
    assert code == 0 and out.startswith("还没有店铺")
    code, out, _ = cli("stores", "list", "--lang", "zh-CN", "--json")
    assert code == 0 and json.loads(out) == []
    assert i18n.current_language() == "en"  # the command's language ended with the command


def test_an_unknown_language_is_a_usage_error(runtime, capsys):
    with pytest.raises(SystemExit) as usage:
        main(["stores", "list", "--lang", "fr"], runtime_factory=lambda: runtime)
    assert usage.value.code == 2 and "fr is not a language" in capsys.readouterr().err
