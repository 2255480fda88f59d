"""The command line and the demo in Simplified Chinese, from the real catalogue (data/locale/zh_CN/LC_MESSAGES/cli.po):
what people read is Chinese, what scripts read (--json) is the same byte for byte in every language."""
import json

import pytest

from cli import columns
from core import i18n
from tests.conftest import CLIENT_ID, CLIENT_SECRET, SANDBOX_ID, SANDBOX_SECRET


@pytest.fixture(autouse=True)
def fresh_catalogues():
    i18n.reload_catalogues()  # the catalogue on disk, whatever another test loaded before
    yield
    i18n.reload_catalogues()


@pytest.fixture
def two_stores(cli, gateway):
    assert cli("stores", "add", "--name", "Good", "--client-id", CLIENT_ID, stdin=CLIENT_SECRET)[0] == 0
    assert cli("stores", "add", "--name", "Sandboxed", "--client-id", SANDBOX_ID, stdin=SANDBOX_SECRET)[0] == 0
    assert cli("stores", "check", "--all")[0] == 1  # sandbox keys saved as production: wrong environment


@pytest.mark.parametrize("argv", [
    ("stores", "list"),
    ("audit",),
    ("oauth", "status"),
    ("mappings", "rules", "show", "--store", "all"),
    ("mappings", "resolve", "--store", "Good", "--sku", "NOT-SOLD"),
    ("mappings", "history", "--store", "Good", "--sku", "NOT-SOLD"),
])
def test_json_output_is_the_same_in_every_language(cli, two_stores, argv):
    english = cli(*argv, "--json", "--lang", "en")
    chinese = cli(*argv, "--json", "--lang", "zh-CN")
    assert english[1] and json.loads(english[1]) is not None
    assert chinese == english  # exit code, standard output and standard error, byte for byte


def test_stores_list_and_check_speak_chinese(cli, two_stores):
    code, out, _ = cli("stores", "list", "--lang", "zh-CN")
    assert code == 0
    good, sandboxed = out.splitlines()
    assert good.startswith("Good  [US, 生产环境]  已授权  检查于 ") and "客户端ID " + CLIENT_ID in good and "客户端密钥 ••••" in good
    assert "环境不对" in sandboxed and "wrong_environment" not in sandboxed

    code, out, _ = cli("stores", "check", "Sandboxed", "--lang", "zh-CN")
    assert code == 1 and out.startswith("Sandboxed：环境不对 - ") and "  下一步：" in out


def test_help_speaks_chinese(cli, capsys):
    with pytest.raises(SystemExit) as done:
        cli("stores", "add", "--help", "--lang", "zh-CN")
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert "店铺所在的沃尔玛站点（默认 us，美国站）" in out and "输出用的语言" in out
    assert out.startswith("用法：python -m core stores add") and "\n选项:\n" in out and "显示本帮助并退出" in out  # argparse's own words
    with pytest.raises(SystemExit):
        cli("--help", "--lang", "zh-CN")
    out = capsys.readouterr().out
    assert "Store Connect 命令行工具。" in out and "退出码：" in out and "店铺的添加、列表、编辑、删除和检查" in out


def test_refusals_and_usage_errors_speak_chinese(cli, capsys):
    code, _, err = cli("stores", "remove", "Nobody", "--lang", "zh-CN")
    assert code == 2 and "确认删除请加上 --yes" in err
    code, _, err = cli("audit", "--since", "yesterday", "--lang", "zh-CN")
    assert code == 2 and err.startswith("错误：“yesterday”不是日期。")
    with pytest.raises(SystemExit) as usage:
        cli("stores", "check", "--workers", "0", "--lang", "zh-CN")
    assert usage.value.code == 2 and "超出范围，请填 1 到 64 之间的整数" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli("stores", "add", "--lang", "zh-CN")
    assert "错误：缺少必填参数：--name, --client-id" in capsys.readouterr().err


def test_argparse_speaks_english_again_after_a_chinese_command(cli, capsys):
    with pytest.raises(SystemExit):
        cli("stores", "add", "--lang", "zh-CN")
    capsys.readouterr()
    with pytest.raises(SystemExit):
        cli("stores", "add")
    assert "error: the following arguments are required: --name, --client-id" in capsys.readouterr().err


def test_an_explanation_in_chinese_keeps_english_codes(cli):
    code, out, _ = cli("explain", "HTTP 401", "--lang", "zh-CN")
    assert code == 0 and "处理方法：" in out and "What to do" not in out


def test_columns_line_up_with_chinese_text():
    assert columns.cells("平台SKU") == 7
    assert columns.left("平台SKU", 10) == "平台SKU   " and columns.right("分数", 5) == " 分数"
    assert columns.left("too long for it", 4) == "too long for it"  # never cut


def test_the_demo_speaks_chinese(capsys):
    from demo.__main__ import main as demo_main
    from demo.seed import spare_keys_text

    spares = [{"outcome": "rejected", "client_id": "id-1", "client_secret": "secret-1"}]
    with i18n.use_language("zh-CN"):
        text = spare_keys_text(spares)
    assert "「添加店铺」" in text and "  密钥被拒（沃尔玛不认识这对密钥）：\n    客户端ID id-1\n    客户端密钥 secret-1" in text
    with pytest.raises(SystemExit):
        demo_main(["--help", "--lang", "zh-CN"])
    assert "演示模式" in capsys.readouterr().out
