"""First contact, the menu, the language, help, and kind answers to what the bot cannot read."""
