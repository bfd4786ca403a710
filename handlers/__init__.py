"""The Slack surface. Each feature package has `register(app, services)`."""

from __future__ import annotations


def register_all(app, services) -> None:
    from handlers import accounts, home, questions, reports, training

    questions.register(app, services)
    reports.register(app, services)
    accounts.register(app, services)
    training.register(app, services)
    home.register(app, services)
