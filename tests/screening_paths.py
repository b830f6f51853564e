"""Residents' answers to the screening, as they would tap or type them (French labels)."""

from __future__ import annotations

# Each step is a button label to tap, or ("type", text) to write.
TEEN = [
    "💡 J'ai une idée",
    ("type", "vente de bijoux"),
    "❤️ Vivre de ma passion",
    "🙂 Un peu (en famille, pour des amis)",
    "🤔 Un peu",
    "Moins de 5 000 €",
    "🕐 Un peu (travail, enfants…)",
    "🎓 Je fais des études",
    ("type", "17"),
    "🏘️ Oui",
    "👍 Facile",
    "👍 Facile",
    "🌱 Non, je peux attendre",
]
QPV_JOBSEEKER_NO_MONEY = [
    "💡 J'ai une idée",
    ("type", "food truck"),
    "💶 Gagner ma vie",
    "👷 Oui, comme salarié ou à mon compte",
    "🤔 Un peu",
    "0 €",
    "⏰ Oui, beaucoup",
    "🔎 Je cherche un emploi",
    ("type", "38"),
    "🏘️ Oui",
    "🤏 Un peu difficile",
    "🤝 J'ai besoin d'aide",
    "📆 Dans l'année",
]
EMPLOYED_READY = [
    "🛠️ Je prépare mon projet",
    ("type", "cabinet de comptabilité"),
    "👑 Être mon propre patron",
    "👷 Oui, comme salarié ou à mon compte",
    "🎯 Oui, bien",
    "De 5 000 à 20 000 €",
    "🕐 Un peu (travail, enfants…)",
    "💼 J'ai un emploi",
    ("type", "41"),
    "🏠 Non",
    "👍 Facile",
    "👍 Facile",
    "🌱 Non, je peux attendre",
]
RESTAURANT_NEVER_COOKED = [
    "💡 J'ai une idée",
    ("type", "restaurant"),
    "❤️ Vivre de ma passion",
    "🆕 Non, jamais",
    "❔ Pas encore",
    "Moins de 5 000 €",
    "⏰ Oui, beaucoup",
    "🔎 Je cherche un emploi",
    ("type", "29"),
    "🤷 Je ne sais pas",
    "👍 Facile",
    "👍 Facile",
    "📆 Dans l'année",
]
URGENT_INCOME = [
    "💡 J'ai une idée",
    ("type", "ménage à domicile"),
    "🚪 Je n'ai pas d'autre choix",
    "🙂 Un peu (en famille, pour des amis)",
    "🤔 Un peu",
    "0 €",
    "⛔ Très peu pour l'instant",
    "🤝 Je touche le RSA",
    ("type", "45"),
    "🏘️ Oui",
    "🆘 Très difficile",
    "🆘 Très difficile",
    "⏳ Oui, dans les 3 mois",
]

EXPECTED_STEPS = {
    "TEEN": ["youth_coop", "mission_locale", "citeslab"],
    "QPV_JOBSEEKER_NO_MONEY": ["citeslab", "funding", "info_meeting"],
    "EMPLOYED_READY": ["counsellor", "funding", "info_meeting"],
    "RESTAURANT_NEVER_COOKED": ["immersion", "citeslab", "funding"],
    "URGENT_INCOME": ["job_first", "citeslab", "funding"],
}
