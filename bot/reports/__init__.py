"""Reports (cases): misuse of social media, reputational issues, safeguarding concerns and security problems.

The rules of the policy live here, in one place:

* Misuse goes to the reporter's line manager (para 22). If that manager is among the people involved, has
  left, or cannot be reached on Slack or Teams, it goes to the next manager up; with nobody left, to HR.
* A reputational issue goes to Communications and Marketing (para 30), who can bring in HR and Legal.
* A safeguarding concern goes to the safeguarding team as well as the reporter's line manager, marked
  urgent (para 16).
* Phishing, a hacked or a fake account goes to ICT and to Communications and Marketing.

Every change is committed together with the messages it causes (the outbox), and only then sent.
Who may see or do what is decided by `access`: the people a case is assigned to (a person, or everyone
with a team's role) handle it; the reporter sees their own case's progress; admins see its status only;
nobody else learns anything about it, not even that it exists.
"""

from bot.report_terms import KINDS, OUTCOMES, PLATFORMS, STATUS_LABELS, TEAM_NAMES  # noqa: F401
from bot.reports.access import access, assignments, case_rows, find, open_cases_for, reports_by  # noqa: F401
from bot.reports.desk import CaseDesk, CaseStatus, Outcome  # noqa: F401
from bot.reports.intake import (MAX_DESCRIPTION, MAX_FIELD, PREFIX, REFERENCE_RE, ReportError,  # noqa: F401
                                ReportInput, submit, valid_link, validate)
from bot.reports.routing import Target, plan_route  # noqa: F401
