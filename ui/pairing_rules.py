"""The pairing rules of a level on the page: shown and edited as TOML, saved (audited), and tried in the rule tester.

The tester uses the text in the box, saved or not, so a rule can be tried before it is saved.
A store either has rules of its own, which replace the rules for all stores there, or uses those.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.access import Permission
from core.db.engine import session_scope
from core.errors import StoreConnectError
from core.i18n import _
from core.mapping.levels import ALL_STORES
from core.mapping.pairing import rule_sets
from core.mapping.pairing.rules import EXAMPLE_RULES, InvalidRules, PairingRules, parse_rules
from core.runtime import Runtime
from ui.actions import attempt, report, show_problem, show_result
from ui.identity import actor
from ui.text import plain

RULES_TAB = "pairing_rules_box"


def _box_key(scope: int, version: int) -> str:
    """The text box's key: a new one for each saved version, so a save (or someone else's) shows the saved text."""
    return f"{RULES_TAB}_{scope}_{version}_{st.session_state.get('form_version', 0)}"


RESULT = "pairing_rules"  # the key saving and clearing keep their results under (ui.actions)


def rules_section(runtime: Runtime, scope: int) -> None:
    """The rules of `scope` (a store's own, or those for all stores) and the tester."""
    show_result(RESULT)
    with session_scope(runtime.engine) as session:
        own = rule_sets.get_rule_set(session, scope)
        shared = rule_sets.get_rule_set(session, ALL_STORES) if scope != ALL_STORES else None
    if scope == ALL_STORES:
        st.caption(_("These rules apply to every store that has no rules of its own. Both sides are normalised before they are "
                     "compared: each listing's SKU and each system SKU."))
    elif own is not None:
        st.caption(_("This store has its own pairing rules; they replace the rules for all stores here."))
    elif shared is not None:
        st.caption(_("This store uses the rules for all stores, shown below. Saving here gives it rules of its own, which "
                     "replace those for this store only."))
    else:
        st.caption(_("No pairing rules are set, so SKUs are compared exactly as they are. Write rules below to ignore case, "
                     "prefixes, suffixes or characters."))
    start = own.text if own is not None else (shared.text if shared is not None else "")
    key = _box_key(scope, own.version if own else 0)
    can_edit = actor().can(Permission.edit_mappings)
    text = st.text_area(_("Pairing rules (TOML)"), value=start, key=key, height=200, disabled=not can_edit, placeholder=EXAMPLE_RULES,
                        help=_("ignore_case, trim, strip_prefixes, strip_suffixes, strip_first_characters, strip_last_characters, "
                               "remove_characters and [[replace]] sections with find and with. They run in that order: trim, "
                               "ignore case, replace, prefix, suffix, first and last characters, remove characters."))
    rules, problem = _parsed(text)
    if problem is not None:
        show_problem(problem)
    if can_edit:
        buttons = st.columns([1, 2, 3])
        if buttons[0].button(_("Save rules"), icon=":material/save:", key=f"{RULES_TAB}_save_{scope}", disabled=problem is not None,
                             type="primary"):
            _save(runtime, scope, text, own.version if own else 0)
        if scope != ALL_STORES and own is not None and buttons[1].button(
                _("Use the rules for all stores"), icon=":material/undo:", key=f"{RULES_TAB}_clear_{scope}"):
            _clear(runtime, scope, own.version)
    _tester(rules, scope)


def _parsed(text: str) -> tuple[PairingRules | None, InvalidRules | None]:
    if not text.strip():
        return None, None
    try:
        return parse_rules(text), None
    except InvalidRules as problem:
        return None, problem


def _save(runtime: Runtime, scope: int, text: str, version: int) -> None:
    done = attempt(runtime.engine, lambda session: rule_sets.save_rule_set(session, scope, text, actor=actor(), expected_version=version),
                   key=RESULT, conflict_fix=_("Their rules are shown now; make your change again."))
    if done is not None:
        report(RESULT, "success", _("Pairing rules saved (version {version}).", version=done.result.version))
        st.rerun()


def _clear(runtime: Runtime, scope: int, version: int) -> None:
    done = attempt(runtime.engine, lambda session: rule_sets.clear_rule_set(session, scope, actor=actor(), expected_version=version), key=RESULT)
    if done is not None:
        report(RESULT, "success", _("This store uses the rules for all stores again."))
        st.rerun()


def _tester(rules: PairingRules | None, scope: int) -> None:
    st.markdown(_("**Rule tester**: type a SKU to see how the rules above normalise it, step by step."))
    sku = st.text_input(_("SKU to try"), key=f"{RULES_TAB}_try_{scope}", placeholder="WM-ABC_123/B-US")
    if not sku:
        return
    if rules is None:
        st.info(_("With no rules, a SKU is compared exactly as it is."), icon=":material/info:")
        return
    try:
        steps = rules.explain(sku)
    except StoreConnectError as problem:  # never expected: the rules were checked already
        st.error(plain(problem.message))
        return
    result = steps[-1][1] if steps else sku
    if result:
        st.success(_("'{sku}' is compared as '{result}'.", sku=plain(sku), result=plain(result)), icon=":material/science:")
    else:
        st.warning(_("Nothing is left of '{sku}' after these rules, so it would match nothing.", sku=plain(sku)), icon=":material/science:")
    st.dataframe(pd.DataFrame({_("Step"): [label for label, _value in steps], _("Result"): [value for _label, value in steps]}),
                 hide_index=True, width="stretch", key=f"{RULES_TAB}_steps_{scope}")
