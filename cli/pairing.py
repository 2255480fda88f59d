"""`python -m core mappings rules ...` and `python -m core mappings suggest ...`: automatic pairing from the command line.

    mappings rules show --store NAME|all                    the rules as TOML (redirect it to a file to edit it)
    mappings rules set --store NAME|all [--file F] [--clear]  save rules from a file (or standard input); --clear removes a level's own
    mappings rules test --store NAME|all SKU ...            the rule tester: each step a SKU goes through
    mappings suggest --store NAME [--rules F] [--json]      suggestions for the store's unmapped listings
    mappings suggest --store NAME --apply [--min-similar-score N] [--apply-to store|all] [--dry-run]

Exit codes: rules set 0 saved, 1 the rules were refused (nothing saved). suggest 0; with --apply 0 when
everything safe was applied (or there was nothing to do) and no listing is left, 1 when some listings are
left for a person (ambiguous, unmatched, or similar below the threshold): they are listed.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlmodel import Session

from cli import columns
from cli.labels import PAIRING_METHODS, PAIRING_STATUSES, shown
from cli.main import EXIT_OK, EXIT_USAGE, Subparsers, cli_actor, print_json, whole_number
from core.db.engine import session_scope
from core.db.models import ALL_STORES
from core.errors import ValidationFailed
from core.i18n import _, format_number, ngettext
from core.mapping import listings as store_listings
from core.mapping.levels import ALL_STORES_WORD, parse_scope, scope_label
from core.mapping.pairing import apply as pairing_apply
from core.mapping.pairing import rule_sets
from core.mapping.pairing.matcher import SIMILAR_MAX, Method
from core.mapping.pairing.rules import InvalidRules, PairingRules, parse_rules
from core.mapping.pairing.suggestions import Status, Suggestion, SuggestionSet, suggest
from core.runtime import Runtime
from core.stores.names import for_terminal

EXIT_REFUSED = 1  # rules refused
EXIT_LEFT = 1  # some listings are left for a person
MAX_RULES_FILE = 100_000  # bytes; a rule set is a few lines


def _read_rules(path: str | None) -> str:
    """The rules text from a file, or standard input when no file is given."""
    if path is None:
        return sys.stdin.read(MAX_RULES_FILE + 1)
    try:
        with Path(path).open("rb") as file:
            data = file.read(MAX_RULES_FILE + 1)
    except OSError as problem:  # missing, a folder, not allowed: a usage error (exit 2), said plainly
        raise ValidationFailed(_("The rules file '{file}' cannot be read ({reason}).", file=path, reason=problem.strerror or type(problem).__name__),
                               _("Check the file's name and folder.")) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidRules(_("The rules file '{file}' is not UTF-8 text.", file=Path(path).name),
                           _("Save it as UTF-8 (TOML files always are) and try again.")) from None


def _refused(problem: InvalidRules) -> int:
    print(_("The rules were not saved: {problem}", problem=problem.message), file=sys.stderr)
    if problem.fix:
        print(_("What to do: {fix}", fix=problem.fix), file=sys.stderr)
    return EXIT_REFUSED


def _rules_show(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        scope = parse_scope(session, args.store)
        label = scope_label(session, scope)
        own = rule_sets.get_rule_set(session, scope)
        shared = rule_sets.get_rule_set(session, ALL_STORES) if scope != ALL_STORES and own is None else None
    if args.json:
        print_json({"store": label if scope else ALL_STORES_WORD, "own": own is not None, "version": own.version if own else 0,
                    "rules": own.text if own else None, "uses_all_stores": shared is not None,
                    "all_stores_rules": shared.text if shared else None})
        return EXIT_OK
    if own is not None:
        print(for_terminal(own.text), end="" if own.text.endswith("\n") else "\n")
        print(_("(pairing rules of {level}, version {version}, saved by {who})", level=label, version=own.version, who=own.updated_by),
              file=sys.stderr)
    elif shared is not None:
        print(for_terminal(shared.text), end="" if shared.text.endswith("\n") else "\n")
        print(_("(store '{store}' has no rules of its own: these are the rules for all stores, which it uses)", store=label), file=sys.stderr)
    else:
        print(_("No pairing rules are set for {level}: only exact SKUs, barcodes and similar titles are matched.", level=label),
              file=sys.stderr)
    return EXIT_OK


def _rules_set(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        scope = parse_scope(session, args.store)
        label = scope_label(session, scope)
        if args.clear:
            cleared = rule_sets.clear_rule_set(session, scope, actor=cli_actor())
            if not cleared:
                print(_("{level} has no rules of its own; nothing was changed.", level=label))
            elif scope == ALL_STORES:
                print(_("The pairing rules for all stores were removed."))
            else:
                print(_("Store '{store}' has no rules of its own now: it uses the rules for all stores.", store=label))
            return EXIT_OK
        try:
            saved = rule_sets.save_rule_set(session, scope, _read_rules(args.file), actor=cli_actor())
        except InvalidRules as problem:
            return _refused(problem)
    print(_("Pairing rules saved for {level} (version {version}).", level=label, version=saved.version))
    return EXIT_OK


def _rules_test(args: argparse.Namespace, runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        rules = rule_sets.effective_rules(session, parse_scope(session, args.store)).rules
    if args.file:
        try:
            rules = parse_rules(_read_rules(args.file))
        except InvalidRules as problem:
            return _refused(problem)
    if rules is None:
        print(_("No pairing rules apply here, so SKUs are compared exactly as they are."))
        return EXIT_OK
    for sku in args.sku:
        print(for_terminal(f"{sku!r} -> {rules.normalise(sku)!r}"))
        for label, value in rules.explain(sku):
            print(for_terminal(f"    {label}: {value!r}"))
    return EXIT_OK


def _store(session: Session, text: str) -> tuple[int, str]:
    scope = parse_scope(session, text)
    if scope == ALL_STORES:
        raise ValidationFailed(_("Suggestions are made for one store's listings, not for all stores."),
                           _("Give a store's name or id with --store; --apply-to all writes its mappings for all stores."))
    return scope, scope_label(session, scope)


def _mappings_suggest(args: argparse.Namespace, runtime: Runtime) -> int:
    given: PairingRules | None = None
    if args.rules:
        try:
            given = parse_rules(_read_rules(args.rules))
        except InvalidRules as problem:
            print(_("The rules file was refused: {problem}", problem=problem.message), file=sys.stderr)
            print(_("What to do: {fix}", fix=problem.fix), file=sys.stderr)
            return EXIT_USAGE
    with session_scope(runtime.engine) as session:
        store_id, label = _store(session, args.store)
    report = store_listings.find_unmapped(runtime, store_id)  # reads Walmart with no transaction open
    threshold = args.min_similar_score
    plan = None
    with session_scope(runtime.engine) as session:
        _run, found = suggest(session, store_id, report.unmapped, rules=given)
        if args.apply:
            scope = ALL_STORES if args.apply_to == ALL_STORES_WORD else store_id
            plan = pairing_apply.plan_safe(session, store_id, found.safe(threshold), scope=scope, min_similar_score=threshold)
            if not args.dry_run:
                pairing_apply.apply_plan(session, plan, actor=cli_actor())
    left = [s for s in found if s.status(threshold) != Status.safe]
    if plan is not None:
        left += [item.suggestion for item in plan.left]  # mapped meanwhile, or a SKU no mapping may have
    if args.json:
        print_json({"store": label, "listings": len(report.scan.listings), "unmapped": len(report.unmapped),
                    "counts": _counts(found, threshold), "suggestions": [s.to_dict(threshold) for s in found],
                    **({"plan": plan.to_dict(), "applied": plan.applied} if plan is not None else {})})
    else:
        _print_suggestions(label, report, found, threshold)
        if plan is not None:
            _print_plan(plan, left, args.dry_run)
    if not report.scan.complete:
        print(_("Walmart kept offering more pages than it reported, so reading stopped early: the list may be incomplete."), file=sys.stderr)
    if args.apply:
        return EXIT_LEFT if left else EXIT_OK
    return EXIT_OK


def _counts(found: SuggestionSet, threshold: int | None) -> dict[str, int]:
    by_method = {str(method) if method else "none": count for method, count in found.count_by_method().items()}
    return {**{f"method_{key}": value for key, value in by_method.items()},
            **{str(status): count for status, count in found.count_by_status(threshold).items()}}


def _print_suggestions(label: str, report: store_listings.UnmappedReport, found: SuggestionSet, threshold: int | None) -> None:
    statuses = found.count_by_status(threshold)
    methods = found.count_by_method()
    print(for_terminal(_("Store '{store}': {listings} listings on Walmart, {unmapped} not mapped.", store=label,
                         listings=format_number(len(report.scan.listings)), unmapped=format_number(len(report.unmapped)))))
    if not len(found):
        return
    print(_("Found by: {exact} exact SKU, {rule} pairing rules, {barcode} barcode, {similar} similar; nothing for {none}.",
            exact=format_number(methods[Method.exact]), rule=format_number(methods[Method.rule]),
            barcode=format_number(methods[Method.barcode]), similar=format_number(methods[Method.similar]),
            none=format_number(methods[None])))
    print(_("Safe to apply: {safe}; ambiguous: {ambiguous}; for a person to check: {review}; unmatched: {unmatched}.",
            safe=format_number(statuses[Status.safe]), ambiguous=format_number(statuses[Status.ambiguous]),
            review=format_number(statuses[Status.review]), unmatched=format_number(statuses[Status.unmatched])))
    print()
    print(_row(_("PLATFORM SKU"), _("METHOD"), _("SCORE"), _("STATUS"), _("CANDIDATES"), _("PRODUCT NAME")))
    for suggestion in found:
        print(for_terminal(_line(suggestion, threshold)))


def _line(suggestion: Suggestion, threshold: int | None) -> str:
    candidates = ", ".join(c.system_sku for c in suggestion.candidates) or "-"
    method = shown(PAIRING_METHODS, suggestion.method) if suggestion.method else "-"
    score = format_number(suggestion.score) if suggestion.candidates else "-"
    status = shown(PAIRING_STATUSES, suggestion.status(threshold))
    return _row(suggestion.listing.sku, method, score, status, candidates, suggestion.listing.product_name)


def _row(sku: str, method: str, score: str, status: str, candidates: str, product_name: str) -> str:
    """One line of the suggestions table, its columns lined up in any language."""
    return (f"{columns.left(sku, 24)} {columns.left(method, 8)} {columns.right(score, 5)}  {columns.left(status, 10)} "
            f"{columns.left(candidates, 30)} {product_name}")


def _print_plan(plan: pairing_apply.SuggestionPlan, left: list[Suggestion], dry_run: bool) -> None:
    print()
    where = _("all stores (default mapping)") if plan.scope == ALL_STORES else _("this store's own mappings")
    if dry_run:
        print(_("Dry run: {summary} Nothing was written; run again without --dry-run to apply.", summary=plan.summary()))
    else:
        print(_("Applied to {where}: {summary}", where=where, summary=plan.summary()))
    if left:
        print(ngettext("{n} listing is left for a person:", "{n} listings are left for a person:", len(left)))
        reasons = {item.suggestion.listing.sku: item.message or item.reason for item in plan.left}
        for suggestion in left:
            why = reasons.get(suggestion.listing.sku) or shown(PAIRING_STATUSES, suggestion.status(plan.min_similar_score))
            candidates = ", ".join(c.system_sku for c in suggestion.candidates)
            print(for_terminal(f"  {suggestion.listing.sku}: {why}" + (f" ({candidates})" if candidates else "")))


def add_commands(mappings: Subparsers) -> None:
    """Adds `rules` and `suggest` to the `mappings` command group (cli.mapping)."""
    store_or_all = _("store name or id, or 'all' for the rules for all stores")
    group = mappings.add_parser("rules", help=_("the pairing rules that normalise SKUs before they are compared"))
    commands = group.add_subparsers(dest="rules_command", required=True)
    showing = commands.add_parser("show", help=_("print a level's rules as TOML (a store without its own: the rules for all stores)"))
    showing.add_argument("--store", required=True, help=store_or_all)
    showing.add_argument("--json", action="store_true")
    showing.set_defaults(handler=_rules_show)
    setting = commands.add_parser("set", help=_("save a level's rules from a TOML file (or standard input); exit 1 if they are refused"))
    setting.add_argument("--store", required=True, help=store_or_all)
    setting.add_argument("--file", metavar="FILE", help=_("the rules as TOML; standard input when left out"))
    setting.add_argument("--clear", action="store_true", help=_("remove the level's own rules (a store then uses the rules for all stores)"))
    setting.set_defaults(handler=_rules_set)
    testing = commands.add_parser("test", help=_("the rule tester: how each SKU is normalised, step by step"))
    testing.add_argument("sku", nargs="+")
    testing.add_argument("--store", required=True, help=store_or_all)
    testing.add_argument("--file", metavar="FILE", help=_("test these rules (TOML) instead of the saved ones"))
    testing.set_defaults(handler=_rules_test)

    suggesting = mappings.add_parser(
        "suggest", help=_("suggest products for a store's unmapped listings (exact, rules, barcode, similar); "
                          "with --apply, apply the safe ones: exit 1 when some listings are left for a person"))
    suggesting.add_argument("--store", required=True, help=_("store name or id"))
    suggesting.add_argument("--rules", metavar="FILE", help=_("use these rules (TOML) instead of the saved ones, to try them out"))
    suggesting.add_argument("--apply", action="store_true", help=_("apply the safe suggestions: exact, rule and unambiguous barcode"))
    suggesting.add_argument("--min-similar-score", type=whole_number(1, SIMILAR_MAX), metavar="N",
                            help=_("also apply similar suggestions scoring at least N (off unless given)"))
    suggesting.add_argument("--apply-to", choices=["store", ALL_STORES_WORD], default="store",
                            help=_("store: the store's own mappings (default); all: the mapping for all stores"))
    suggesting.add_argument("--dry-run", action="store_true", help=_("with --apply: show what would be applied without writing"))
    suggesting.add_argument("--json", action="store_true")
    suggesting.set_defaults(handler=_mappings_suggest)
