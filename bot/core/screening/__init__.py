"""The "ready to start?" questionnaire: its definition, runs, and the flow a resident sees."""
