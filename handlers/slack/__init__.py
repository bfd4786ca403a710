"""Slack's side of the platform-neutral core: drawing `bot.messages` as Block Kit."""
