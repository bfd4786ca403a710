"""Slack's side of the bot: the Bolt app factory and the rules every request goes through (`app.py`), and the
renderer that draws the core's platform-neutral messages as Block Kit (`render.py`)."""
