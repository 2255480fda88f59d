"""Reading a pasted log excerpt: its records, and what each says once the logging around it is gone.

A log line wraps the error in a timestamp, a level, a logger name, an exception class and the program's own
words ("2026-12-01 10:00:01 ERROR walmart sync failed: requests.exceptions.HTTPError: 401 Client Error ...").
`strip_prefix` takes those off the front, so the error reads as Walmart or requests wrote it. `records` splits
an excerpt into one record per line, keeping a JSON body that spans several lines together.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_LEVELS = "TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|SEVERE|CRITICAL|FATAL|EXCEPTION|错误|警告|信息|严重|异常"
_PREFIXES = [
    # 2026-12-01 10:00:01,123 / 2026-12-01T10:00:01.123Z / [2026/12/01 10:00:01 +0800] / 2026年12月1日 10:00:01
    re.compile(r"\[?\d{4}(?:[-/.]\d{1,2}[-/.]\d{1,2}|年\d{1,2}月\d{1,2}日)"
               r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)?(?:\s?(?:Z|UTC|[+-]\d{2}:?\d{2}))?\]?(?=[\s|:\]-]|$)[\s|:-]*"),
    re.compile(rf"(?:{_MONTHS})\s+\d{{1,2}}\s+\d{{2}}:\d{{2}}:\d{{2}}\s*"),  # syslog: Dec  1 10:00:01
    re.compile(r"\[?\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\]?(?=\s|$)\s*"),  # 10:00:01.123
    re.compile(rf"(?:{_LEVELS})(?::(?=\S)|:?(?:\s+|$))|[\[(](?i:{_LEVELS})[\])]:?\s*"),  # ERROR, ERROR:, [error] ("Error 404" stays)
    re.compile(r"\[[^\[\]{}\"'\n]{1,60}\]:?\s*"),  # [walmart.client], [MainThread], [pid 4242]
    re.compile(r"[\w.-]{1,40}\[\d+\]:\s*"),  # syslog's program[pid]:
    re.compile(r"(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Timeout|Warning|Failure)\s*:\s*"),  # requests.exceptions.HTTPError:
    re.compile(r"[a-z][a-z ._-]{0,60}?\b(?:failed|error|exception)\s*:\s+"),  # walmart sync failed: (lower case: "Client Error:" stays)
    re.compile(r"[\u4e00-\u9fff\w ]{0,30}?(?:失败|错误|异常|报错)\s*[:：]\s*"),  # 同步沃尔玛订单失败：
]
# A logger name after the level: "walmart.client:" or "root:" in Python's "ERROR:root:..." format. Dotted (or root,
# __main__), so that the first word of a message ("refresh_token: expired") is not taken for one.
_LOGGER = re.compile(r"(?!wm_)(?:[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+|root|__main__)\s*(?::(?!//)|\s-\s)\s*")
_BEFORE_LOGGER = (3, 4)  # after the level or a bracketed name may come a logger
_MAX_JOINED = 200  # lines one JSON body may span


@dataclass(frozen=True)
class Record:
    text: str  # with the logging prefix taken off
    lines: tuple[int, ...]  # the excerpt's line numbers it came from, from 1


def strip_prefix(line: str) -> str:
    """The line without the timestamp, level, logger, exception class and program words in front of the error."""
    text = line.strip()
    after_level = False
    for _ in range(12):  # each pass takes one prefix off; a line has only a handful
        for number, pattern in enumerate(_PREFIXES):
            found = pattern.match(text)
            if found and found.end():
                text, after_level = text[found.end():].lstrip(), number in _BEFORE_LOGGER
                break
        else:
            found = _LOGGER.match(text) if after_level else None
            if not found or _looks_like_a_code(found.group(0)):
                return text
            text, after_level = text[found.end():].lstrip(), False
    return text


def _looks_like_a_code(name: str) -> bool:
    """A Walmart code written in lower case (unauthorized.gmp_gateway_api:) is the error, not a logger."""
    return "gmp_" in name or "_api" in name or name.strip(" :-") in ("invalid_client", "invalid_grant", "access_denied")


def records(text: str) -> list[Record]:
    """One record per non-empty line; a JSON body spread over several lines stays one record."""
    lines = text.splitlines()
    found: list[Record] = []
    index = 0
    while index < len(lines):
        start, chunk = index, lines[index]
        depth = _depth(chunk)
        while depth > 0 and index + 1 < len(lines) and index - start < _MAX_JOINED:
            index += 1
            chunk += "\n" + lines[index]
            depth += _depth(lines[index])
        if chunk.strip():
            found.append(Record(strip_prefix(chunk), tuple(range(start + 1, index + 2))))
        index += 1
    return found


def _depth(line: str) -> int:
    return line.count("{") + line.count("[") - line.count("}") - line.count("]")
