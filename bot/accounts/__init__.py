"""Corporate social media accounts: authorisation requests and the register (paras 19, 28 and 29).

A request is reviewed by Communications and Marketing (anyone with the `comms` role), who recommend it to
the Corporate Director of its directorate, ask the requester for more information, or decline it. Only that
director, or a deputy named in POLICYBOT_DIRECTOR_DEPUTIES, can approve or reject; a decision is final.
Every button carries the request's version, so a press on a message that is out of date changes nothing.
Approval creates the register entry, which Comms complete, edit, suspend or close; anyone can check whether
an account is the council's.

Every change is committed together with the messages it causes (the outbox), and only then sent.
"""


from bot.account_terms import ACCOUNT_STATUS, FINAL, PLATFORMS, STATUS_LABELS  # noqa: F401
from bot.accounts.desk import AccountDesk  # noqa: F401
from bot.accounts.intake import (PREFIX, AccountError, Outcome, RequestInput, add_months, directorates,  # noqa: F401
                                 find_request, lookup, normalise, register_entries, search_key, validate)
