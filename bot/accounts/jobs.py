"""Scheduled work on account requests and the register."""

from __future__ import annotations

import logging

from sqlalchemy import or_, update
from sqlmodel import Session, select

from bot import account_messages as say
from bot.accounts.intake import add_months
from storage.models import AccountRequest, RegisteredAccount

log = logging.getLogger(__name__)


class AccountJobs:
    """Scheduled work on requests and the register: reminders and flags for requests left waiting, yearly
    review reminders, and accounts whose named staff have all left. Mixed into `AccountDesk`."""

    # ------------------------------------------------------------------------------------------- jobs

    def run_reminders(self) -> tuple[int, int, list[int]]:
        """`approval-reminders`: a request waiting on Comms or the director for POLICYBOT_APPROVAL_REMIND_DAYS
        working days gets a reminder in its thread; after twice that it is flagged to the Comms channel.
        Each step is claimed (step n → n+1 on the same version) in the transaction that queues its message."""

        now = self.clock()
        with Session(self.engine) as session:
            due = session.exec(select(AccountRequest.id, AccountRequest.reminder_step, AccountRequest.version)
                               .where(AccountRequest.status.in_(["comms_review", "director_review"]))
                               .where(AccountRequest.next_reminder_at <= now)).all()
        reminded = flagged = 0
        ids: list[int] = []
        days = self.settings.approval_remind_days
        for request_id, step, version in due:
            with Session(self.engine, expire_on_commit=False) as session:
                following = self.settings.working_time.add_days(now, days) if step == 0 else None
                claimed = session.execute(update(AccountRequest).where(AccountRequest.id == request_id)
                                          .where(AccountRequest.reminder_step == step)
                                          .where(AccountRequest.version == version)
                                          .values(reminder_step=step + 1, next_reminder_at=following))
                if claimed.rowcount != 1:
                    session.rollback()
                    continue
                request = session.get(AccountRequest, request_id)
                director = request.status == "director_review"
                waiting_on = say.Mention(request.director_user_id or "") if director \
                    else "Communications and Marketing"
                waiting_name = self._name(session, request.director_user_id) if director \
                    else "Communications and Marketing"
                if step == 0:
                    ids.append(self._in_thread(session, request, say.reminder(request, waiting_on, days),
                                               purpose="account-reminder"))
                    self._event(session, request, None, "reminder sent", waiting_name)
                    reminded += 1
                else:
                    ids.append(self.enqueue(session, channel=self.settings.comms_channel,
                                            content=say.overdue(request, waiting_on, 2 * days), purpose="account-flag",
                                            ref_type="account_request", ref_id=request.id).id)
                    self._event(session, request, None, "flagged to Comms", waiting_name)
                    flagged += 1
                session.commit()
        return reminded, flagged, ids

    def run_reviews(self) -> tuple[int, int, list[int]]:
        """`account-reviews`: a month before an account's review date its named staff are reminded; an account
        whose named staff have all left is flagged to Comms. Each is claimed before its message is queued."""

        now = self.clock()
        today = now.astimezone(self.zone).date()
        ids: list[int] = []
        reminded = flagged = 0
        with Session(self.engine) as session:
            due = session.exec(select(RegisteredAccount.id, RegisteredAccount.review_due)
                               .where(RegisteredAccount.status == "active")
                               .where(RegisteredAccount.review_due <= add_months(today, 1))
                               .where(or_(RegisteredAccount.review_reminded_for.is_(None),
                                          RegisteredAccount.review_reminded_for != RegisteredAccount.review_due))
                               ).all()
            watch = session.exec(select(RegisteredAccount.id, RegisteredAccount.staff_user_ids)
                                 .where(RegisteredAccount.status == "active")
                                 .where(RegisteredAccount.leavers_flagged_at.is_(None))).all()
        for account_id, review_due in due:
            with Session(self.engine, expire_on_commit=False) as session:
                claimed = session.execute(update(RegisteredAccount).where(RegisteredAccount.id == account_id)
                                          .where(or_(RegisteredAccount.review_reminded_for.is_(None),
                                                     RegisteredAccount.review_reminded_for != review_due))
                                          .values(review_reminded_for=review_due))
                if claimed.rowcount != 1:
                    session.rollback()
                    continue
                account = session.get(RegisteredAccount, account_id)
                for user_id in [u for u in account.staff_user_ids.split(",") if u]:
                    ids.append(self.enqueue(session, channel=user_id, content=say.review(account),
                                            purpose="account-review", ref_type="registered_account",
                                            ref_id=account.id).id)
                self._event(session, None, None, "review reminder sent", str(review_due), account=account)
                session.commit()
                reminded += 1
        for account_id, people in watch:
            user_ids = [u for u in people.split(",") if u]
            if not user_ids or not self._all_left(user_ids):
                continue
            with Session(self.engine, expire_on_commit=False) as session:
                claimed = session.execute(update(RegisteredAccount).where(RegisteredAccount.id == account_id)
                                          .where(RegisteredAccount.leavers_flagged_at.is_(None))
                                          .values(leavers_flagged_at=now))
                if claimed.rowcount != 1:
                    session.rollback()
                    continue
                account = session.get(RegisteredAccount, account_id)
                ids.append(self.enqueue(session, channel=self.settings.comms_channel, content=say.leavers(account),
                                        purpose="account-leavers", ref_type="registered_account",
                                        ref_id=account.id).id)
                self._event(session, None, None, "flagged: named staff have left", account=account)
                session.commit()
                flagged += 1
        return reminded, flagged, ids

    def _all_left(self, user_ids: list[str]) -> bool:
        """True when every named person is in the directory and marked as a leaver (unknown people count as
        staying: the bot cannot tell)."""
        people = [self.directory.person(user_id) for user_id in user_ids]
        return all(person is not None and not person.active for person in people)
