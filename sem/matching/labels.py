"""The names of the score parts and of run outcomes, in the page's language."""

from flask_babel import lazy_gettext as _l

PART_LABELS = {
    "competence": _l("Competence fit"),
    "text": _l("Similar wording of the need and the offer"),
    "urgency": _l("Urgency and time waiting"),
    "reciprocity": _l("Reciprocity"),
    "publics": _l("Shared target publics"),
    "partnership": _l("A new partnership"),
    "proximity": _l("Nearby communes"),
}

PART_HINTS = {
    "competence": _l("1 for the same competence, 0.5 for another competence of the same domain."),
    "text": _l("How much the words of the need and of the offer overlap, across French and Dutch."),
    "urgency": _l("An urgent need, a wished-by date coming close, a need that has waited long."),
    "reciprocity": _l("Favours providers that have received more than they gave, and recipients that are "
                      "emerging or have given more than they received."),
    "publics": _l("The share of target publics the two organisations have in common."),
    "partnership": _l("The two organisations have never exchanged yet."),
    "proximity": _l("The same commune, neighbouring communes, or elsewhere in Brussels."),
}

SOLVER_LABELS = {
    "optimal": _l("optimal"),
    "fallback": _l("fallback (greedy)"),
    "empty": _l("nothing to match"),
    "hand": _l("by hand"),
}

TRIGGER_LABELS = {
    "scheduler": _l("scheduler"),
    "command": _l("command line"),
    "coordinator": _l("coordinator"),
    "hand": _l("by hand"),
}


def template_globals() -> dict:
    return {"MATCHING_PART_LABELS": PART_LABELS, "MATCHING_PART_HINTS": PART_HINTS,
            "MATCHING_SOLVER_LABELS": SOLVER_LABELS, "MATCHING_TRIGGER_LABELS": TRIGGER_LABELS}
