"""The consent question, asked at first contact and again by any flow that needs to keep something.

It lives with privacy, not with a flow, because the welcome, the questionnaire, bookings and the
handover all ask it in the same words before they keep anything about a person."""

from __future__ import annotations

from bot.core.context import Turn, menu_row
from bot.core.messages import Button
from bot.core.texts import Texts

STEP_CONSENT = "consent"
AGREE = "ok"  # the button that gives consent; the dialogue then continues with what was asked

Rows = tuple[tuple[Button, ...], ...]


def consent_text(t: Texts, retention_days: int) -> str:
    months = max(1, round(retention_days / 30.4))
    return "\n\n".join(
        (
            t("🔒 <b>Avant de commencer</b>"),
            t(
                "Pour vous aider, je garde votre prénom, votre langue, vos réponses, vos derniers messages "
                "et vos rendez-vous."
            ),
            t("Pourquoi ? Pour vous guider et pour vous rappeler vos rendez-vous."),
            t("Vous pouvez tout voir et tout effacer quand vous voulez : menu, puis 🔒 Mes données.")
            + " "
            + t.plural(
                "Si vous ne m'écrivez plus pendant {n} mois, j'efface tout.",
                "Si vous ne m'écrivez plus pendant {n} mois, j'efface tout.",
                months,
            ),
            t("Êtes-vous d'accord ?"),
        )
    )


def consent_buttons(t: Texts) -> Rows:
    return (
        (Button(t("✅ Oui, d'accord"), AGREE),),
        (Button(t("🙅 Non merci"), "no"),),
        (Button(t("🌍 Langue"), "lang"),),
    )


def declined_text(t: Texts) -> str:
    return t(
        "D'accord. Je ne garde que votre langue.\n"
        "Vous pouvez quand même lire les réponses aux questions.\n"
        "Vous pouvez changer d'avis dans 🔒 Mes données."
    )


def ask_first(turn: Turn, why: str, then: str, retention_days: int, **data: object) -> None:
    """Ask for consent before a flow keeps anything; `then` is the action to carry on with once given."""
    t = turn.t
    turn.resident.step_data = {"then": then, **data}
    text = why + "\n\n" + consent_text(t, retention_days)
    buttons = ((Button(t("✅ Oui, d'accord"), AGREE),), menu_row(t))
    turn.say(text, buttons, replace=turn.resident.step != STEP_CONSENT)
