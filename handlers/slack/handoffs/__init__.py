"""The Comms hand-off loop in Slack: Answer / Assign to me / Not for us on the hand-off message, the Answer and
Not for us forms, and Edit / Retire of saved answers in the App Home. Listeners are module-level functions
(`listeners`), registered here."""

from __future__ import annotations

from bot import handoff_messages as say
from handlers.slack.handoffs import forms, listeners


def register(app) -> None:
    registry = app.registry
    for action_id, listener in ((say.ANSWER, listeners.answer_pressed), (say.ASSIGN, listeners.assign_pressed),
                                (say.NOT_FOR_US, listeners.not_for_us_pressed), (forms.EDIT, listeners.edit_pressed),
                                (forms.RETIRE, listeners.retire_pressed)):
        app.action(action_id)(listener)
        registry.actions.add(action_id)
    for callback_id, listener in ((forms.ANSWER_VIEW, listeners.answer_submitted),
                                  (forms.NOT_FOR_US_VIEW, listeners.not_for_us_submitted),
                                  (forms.EDIT_VIEW, listeners.edit_submitted)):
        app.view(callback_id)(listener)
        registry.views.add(callback_id)
