"""Help at the point of error: the name a user probably meant."""
from __future__ import annotations

from difflib import get_close_matches

from .i18n import Msg


def did_you_mean(word: str, choices) -> str:
    """' (did you mean 'x'?)' for the closest of `choices` (a Msg), or '' when none is close."""
    near = get_close_matches(str(word), sorted({str(c) for c in choices}), n=1, cutoff=0.6)
    return Msg("did_you_mean", name=near[0]) if near else ""


def unknown_element(option: str, eid: str, ruleset) -> str:
    """The sentence for an element id a rule set does not have: the nearest id, else the values it computes."""
    hint = did_you_mean(eid, ruleset.elements)
    if not hint:
        shown = list(ruleset.manifest.get("outputs") or [e for e, el in ruleset.elements.items()
                                                         if el.kind not in ("parameter", "check")])
        hint = Msg("values_include", ids=", ".join(shown[:8]) + (", …" if len(shown) > 8 else ""))
    return Msg("err_no_element", option=option, id=eid, name=ruleset.name, hint=hint)
