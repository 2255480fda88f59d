"""`python -m core diagnose` and `python -m core explain`: the troubleshooting helper on the command line.

The secret comes from an environment variable or standard input (as for `stores add`),
never from a flag, and is never printed.
"""
from __future__ import annotations

import argparse
import sys

from cli.main import EXIT_NOT_ALL_AUTHORIZED, EXIT_OK, EXIT_USAGE, Subparsers, print_json
from cli.stores import SECRET_ENV_DEFAULT, read_secret
from core.db.models import Market
from core.i18n import _
from core.runtime import Runtime
from core.troubleshooting import diagnosis as diagnosis_module
from core.troubleshooting.decoder import explain
from core.troubleshooting.faq import Faq, faq_for

_MARKS = {"passed": "[pass]", "failed": "[FAIL]", "warning": "[warn]", "skipped": "[skip]"}
_FIELDS = {"client_id": "Client ID", "client_secret": "Client Secret", "both": "Client ID and Client Secret"}


def _usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _faq_line(faq: Faq, entry_id: str | None) -> str | None:
    entry = faq.get(entry_id)
    return f"FAQ: {entry.question} [{entry.id}]" if entry else None


def _print_diagnosis(result: diagnosis_module.Diagnosis, faq: Faq) -> None:
    what = f"store '{result.store}'" if result.store else "the pasted keys"
    asked = "not sure of the environment" if result.asked == "unsure" else result.asked
    print(f"Diagnosis of {what} ({asked}): {result.title}")
    for step in result.steps:
        print(f"  {_MARKS[step.state]} {step.title}: {step.detail}")
        if step.key == "precheck":
            for finding in result.findings:
                where = _FIELDS.get(finding.field, finding.field)
                position = f", character {finding.position}" if finding.position else ""
                print(f"         [{finding.severity}] {where}{position}: {finding.message} {finding.fix}")
        explained = step.key == "precheck" and result.findings  # the findings above already say it
        if step.state in ("failed", "warning") and step.cause and not explained:
            print(f"         Likely cause: {step.cause}")
        if step.state in ("failed", "warning") and step.next_step and not explained:
            print(f"         Next step: {step.next_step}")
        if step.state in ("failed", "warning") and (line := _faq_line(faq, step.faq_id)):
            print(f"         {line}")
    print(f"Result: {result.summary}")
    print(f"Next step: {result.next_step}")
    if line := _faq_line(faq, result.faq_id):
        print(line)
    if result.correlation_ids:
        print(f"Correlation IDs for a Walmart support ticket: {', '.join(result.correlation_ids)}")


def _diagnose(args: argparse.Namespace, runtime: Runtime) -> int:
    if args.store and args.environment:
        return _usage("--environment does not apply to --store: the store's saved environment is used.")
    if args.store and args.market:
        return _usage(_("--market does not apply to --store: the store's saved market is used."))
    if not args.store and not args.client_id:
        return _usage("give --client-id (the Client Secret then comes from standard input) or --store NAME.")
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
        print("Paste the error, then press Ctrl-D (Ctrl-Z then Enter on Windows):", file=sys.stderr)
    return sys.stdin.read()


def _explain(args: argparse.Namespace, runtime: Runtime) -> int:
    text = _read_error_text(args)
    if not text.strip():
        return _usage('give the error text, e.g. python -m core explain "HTTP 401", or pipe it on standard input.')
    faq = faq_for(runtime.settings)
    result = explain(text, faq)
    if args.json:
        print_json(result.to_dict())
        return EXIT_OK
    print(result.title)
    print(result.meaning)
    if result.found:
        print(f"Recognised: {', '.join(result.found)}")
    if result.causes:
        print("Likely causes, most likely first:")
        for number, cause in enumerate(result.causes, start=1):
            print(f"  {number}. {cause.text}" + (f" [{cause.faq_id}]" if cause.faq_id else ""))
    print("What to do:")
    for number, step in enumerate(result.steps, start=1):
        print(f"  {number}. {step}")
    print("FAQ answers:" if result.recognized else "Closest FAQ answers:")
    for entry in result.faq:
        print(f"  - {entry.question} [{entry.id}]")
    print("Read one with the FAQ search on the Troubleshooting page, or ?faq=<id> in its address.")
    return EXIT_OK


def add_commands(subparsers: Subparsers) -> None:
    diagnose = subparsers.add_parser(
        "diagnose",
        help="walk a key pair (or a saved store) through every check step by step; nothing is saved",
        description="Exit 0 if the keys are authorized, 1 if not, 2 on a usage error.",
    )
    source = diagnose.add_mutually_exclusive_group()
    source.add_argument("--client-id", help="the Client ID; the Client Secret comes from standard input or --secret-env")
    source.add_argument("--store", help="diagnose a saved store (name or id) with its saved keys instead")
    diagnose.add_argument("--environment", choices=diagnosis_module.CHOICES,
                          help="where the keys should work (default production); unsure tries both")
    diagnose.add_argument("--market", choices=[market.value for market in Market],
                          help="the Walmart marketplace the keys were made in (default us); outside the US every call carries WM_MARKET")
    diagnose.add_argument("--secret-env", default=SECRET_ENV_DEFAULT,
                          help=f"environment variable holding the Client Secret (default {SECRET_ENV_DEFAULT}); otherwise standard input")
    diagnose.add_argument("--json", action="store_true")
    diagnose.set_defaults(handler=_diagnose)

    decode = subparsers.add_parser("explain", help="explain a Walmart error text, JSON body, HTTP status or header name")
    decode.add_argument("text", nargs="?", help="the error text; read from standard input when left out")
    decode.add_argument("--json", action="store_true")
    decode.set_defaults(handler=_explain)
