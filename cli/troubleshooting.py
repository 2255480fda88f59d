"""`python -m core diagnose`, `python -m core explain` and `python -m core faq search`: troubleshooting on the command line.

The secret comes from an environment variable or standard input (as for `stores add`),
never from a flag, and is never printed. `--lang` chooses the language of the FAQ and decoder
texts; `--json` keys never change with it.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from cli import columns
from cli.labels import ENVIRONMENTS, KEY_FIELDS, SEVERITIES, shown
from cli.main import EXIT_NOT_ALL_AUTHORIZED, EXIT_OK, EXIT_USAGE, Subparsers, language_option, print_json, whole_number
from cli.stores import SECRET_ENV_DEFAULT, read_secret
from core.db.models import Market
from core.i18n import LANGUAGES, N_, _, format_number, ngettext, use_language
from core.runtime import Runtime
from core.troubleshooting import diagnosis as diagnosis_module
from core.troubleshooting.decoder import Explanation, explain_all
from core.troubleshooting.faq import Faq, faq_for
from core.troubleshooting.search import search

_MARKS = {"passed": N_("[pass]"), "failed": N_("[FAIL]"), "warning": N_("[warn]"), "skipped": N_("[skip]")}


def _usage(message: str) -> int:
    print(_("error: {problem}", problem=message), file=sys.stderr)
    return EXIT_USAGE


def _faq_line(faq: Faq, entry_id: str | None) -> str | None:
    entry = faq.get(entry_id)
    return _("FAQ: {question} [{id}]", question=entry.question, id=entry.id) if entry else None


def _print_diagnosis(result: diagnosis_module.Diagnosis, faq: Faq) -> None:
    asked = _("not sure of the environment") if result.asked == "unsure" else shown(ENVIRONMENTS, result.asked)
    if result.store:
        print(_("Diagnosis of store '{store}' ({environment}): {title}", store=result.store, environment=asked, title=result.title))
    else:
        print(_("Diagnosis of the pasted keys ({environment}): {title}", environment=asked, title=result.title))
    for step in result.steps:
        print(f"  {_(_MARKS[step.state])} {step.title}: {step.detail}")
        if step.key == "precheck":
            for finding in result.findings:
                where = shown(KEY_FIELDS, finding.field)
                if finding.position:
                    where = _("{field}, character {position}", field=where, position=finding.position)
                print(f"         [{shown(SEVERITIES, finding.severity)}] {where}: {finding.message} {finding.fix}")
        explained = step.key == "precheck" and result.findings  # the findings above already say it
        if step.state in ("failed", "warning") and step.cause and not explained:
            print(_("         Likely cause: {cause}", cause=step.cause))
        if step.state in ("failed", "warning") and step.next_step and not explained:
            print(_("         Next step: {step}", step=step.next_step))
        if step.state in ("failed", "warning") and (line := _faq_line(faq, step.faq_id)):
            print(f"         {line}")
    print(_("Result: {summary}", summary=result.summary))
    print(_("Next step: {step}", step=result.next_step))
    if line := _faq_line(faq, result.faq_id):
        print(line)
    if result.correlation_ids:
        print(_("Correlation IDs for a Walmart support ticket: {ids}", ids=", ".join(result.correlation_ids)))


def _diagnose(args: argparse.Namespace, runtime: Runtime) -> int:
    if args.store and args.environment:
        return _usage(_("--environment does not apply to --store: the store's saved environment is used."))
    if args.store and args.market:
        return _usage(_("--market does not apply to --store: the store's saved market is used."))
    if not args.store and not args.client_id:
        return _usage(_("give --client-id (the Client Secret then comes from standard input) or --store NAME."))
    faq = faq_for(runtime.settings)
    if args.store:
        result = diagnosis_module.diagnose_store(runtime, args.store, faq=faq)
    else:
        secret = read_secret(args.secret_env)
        result = diagnosis_module.diagnose(runtime, args.client_id, secret, args.environment or "production", faq=faq,
                                           market=args.market or Market.us)
    if args.json:
        print_json(result.to_dict())
    else:
        _print_diagnosis(result, faq)
    return EXIT_OK if result.authorized else EXIT_NOT_ALL_AUTHORIZED


def _read_error_text(args: argparse.Namespace) -> str:
    if args.text is not None:
        return args.text
    if sys.stdin is None or sys.stdin.closed:
        return ""
    if sys.stdin.isatty():
        print(_("Paste the error, then press Ctrl-D (Ctrl-Z then Enter on Windows):"), file=sys.stderr)
    return sys.stdin.read()


def _explain(args: argparse.Namespace, runtime: Runtime) -> int:
    text = _read_error_text(args)
    if not text.strip():
        return _usage(_('give the error text, e.g. python -m core explain "HTTP 401", or pipe it on standard input.'))
    faq = faq_for(runtime.settings)
    results = explain_all(text, faq)
    if args.json:  # the first error's fields, as for a single error, and every error under "errors"
        print_json({**results[0].to_dict(), "errors": [result.to_dict() for result in results]})
        return EXIT_OK
    if len(results) > 1:
        print(_("{count} errors in the text, in the order they first appear:", count=len(results)))
    for number, result in enumerate(results, start=1):
        if len(results) > 1:
            print()
            print(_("Error {number} of {count}, {lines}:", number=number, count=len(results),
                    lines=ngettext("line {lines}", "lines {lines}", len(result.lines), lines=", ".join(map(str, result.lines)))))
        _print_explanation(result)
    print(_("Read one with the FAQ search on the Troubleshooting page, or ?faq=<id> in its address."))
    return EXIT_OK


def _print_explanation(result: Explanation) -> None:
    print(result.title)
    print(result.meaning)
    if result.found:
        print(_("Recognised: {found}", found=", ".join(result.found)))
    if result.causes:
        print(_("Likely causes, most likely first:"))
        for number, cause in enumerate(result.causes, start=1):
            print(f"  {number}. {cause.text}" + (f" [{cause.faq_id}]" if cause.faq_id else ""))
    print(_("What to do:"))
    for number, step in enumerate(result.steps, start=1):
        print(f"  {number}. {step}")
    print(_("FAQ answers:") if result.recognized else _("Closest FAQ answers:"))
    for entry in result.faq:
        print(f"  - {entry.question} [{entry.id}]")


def _faq_search(args: argparse.Namespace, runtime: Runtime) -> int:
    if not args.text.strip():
        return _usage(_("give the words to search for, e.g. python -m core faq search \"sandbox keys\"."))
    matches = search(faq_for(runtime.settings), args.text, limit=args.limit)
    if args.json:
        print_json({"query": args.text, "language": args.lang,
                    "matches": [{"id": m.entry.id, "score": m.score, "topic": m.entry.topic, "question": m.entry.question} for m in matches]})
    elif matches:
        print(_("Best match first (score out of 100):"))
        for number, match in enumerate(matches, start=1):
            print(f"  {number}. [{match.entry.id}] {columns.right(format_number(round(match.score, 1)), 5)}  {match.entry.question}")
        print(_("Read one with ?faq=<id> on the Troubleshooting page."))
    else:
        print(_("No answer matched those words. Try fewer or other words."))
    return EXIT_OK if matches else EXIT_NOT_ALL_AUTHORIZED


def _in_language(handler: Callable[[argparse.Namespace, Runtime], int]) -> Callable[[argparse.Namespace, Runtime], int]:
    """Run the command in the language --lang names (the default language when it names none)."""

    def run(args: argparse.Namespace, runtime: Runtime) -> int:
        with use_language(args.lang) as language:
            args.lang = language
            return handler(args, runtime)

    return run


def _add_language(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", type=language_option, metavar="|".join(LANGUAGES),
                        help=_("the language of the answers (default: STORE_CONNECT_LANGUAGE, else English); --json keys stay the same"))


def add_commands(subparsers: Subparsers) -> None:
    diagnose = subparsers.add_parser(
        "diagnose",
        help=_("walk a key pair (or a saved store) through every check step by step; nothing is saved"),
        description=_("Exit 0 if the keys are authorized, 1 if not, 2 on a usage error."),
    )
    source = diagnose.add_mutually_exclusive_group()
    source.add_argument("--client-id", help=_("the Client ID; the Client Secret comes from standard input or --secret-env"))
    source.add_argument("--store", help=_("diagnose a saved store (name or id) with its saved keys instead"))
    diagnose.add_argument("--environment", choices=diagnosis_module.CHOICES,
                          help=_("where the keys should work (default production); unsure tries both"))
    diagnose.add_argument("--market", choices=[market.value for market in Market],
                          help=_("the Walmart marketplace the keys were made in (default us); outside the US every call carries WM_MARKET"))
    diagnose.add_argument("--secret-env", default=SECRET_ENV_DEFAULT,
                          help=_("environment variable holding the Client Secret (default {variable}); otherwise standard input", variable=SECRET_ENV_DEFAULT))
    diagnose.add_argument("--json", action="store_true")
    diagnose.set_defaults(handler=_diagnose)

    decode = subparsers.add_parser(
        "explain", help=_("explain a Walmart error, JSON body, HTTP status, header name or a whole log excerpt"),
        description=_("Prints one explanation per error in the text, in order (the same error repeated once). "
                      "--json gives the first error's fields and every error under \"errors\"."),
    )
    decode.add_argument("text", nargs="?", help=_("the error text; read from standard input when left out"))
    decode.add_argument("--json", action="store_true")
    _add_language(decode)
    decode.set_defaults(handler=_in_language(_explain))

    group = subparsers.add_parser("faq", help=_("the troubleshooting FAQ"))
    commands = group.add_subparsers(dest="faq_command", required=True)
    find = commands.add_parser("search", help=_("search the FAQ in English or Chinese"), description=_("Exit 0 if something matched, 1 if nothing did."))
    find.add_argument("text", help=_("the words to search for, e.g. \"sandbox keys\" or 授权失败"))
    find.add_argument("--limit", type=whole_number(1, 1000), default=8, help=_("at most this many answers (default 8)"))
    find.add_argument("--json", action="store_true")
    _add_language(find)
    find.set_defaults(handler=_in_language(_faq_search))
