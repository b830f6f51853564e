"""rasa-sdk actions: the same screening rules for organisations that run a Rasa assistant.

Start the action server with `python -m rasa_sdk --actions bot.actions`.
"""

from bot.actions.screening import ValidateScreeningForm

__all__ = ["ValidateScreeningForm"]
