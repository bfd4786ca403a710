"""Keeping the register of authorised accounts up to date (para 28)."""

from __future__ import annotations

import logging
from datetime import date
from urllib.parse import urlparse

from sqlmodel import Session

from bot.account_terms import ACCOUNT_STATUS
from bot.accounts.intake import AccountError, Outcome, search_key
from storage.models import AccountRequest, RegisteredAccount

log = logging.getLogger(__name__)


class RegisterUpkeep:
    """Comms keeping the register (para 28): the account's details once it exists, and suspending, closing or
    reactivating it. Mixed into `AccountDesk`."""

    # ------------------------------------------------------------------------------------ the register

    def _account_for_comms(self, session: Session, account_id: int, user_id: str) -> RegisteredAccount:
        self._comms_only(session, user_id)
        account = session.get(RegisteredAccount, account_id)
        if account is None:
            raise AccountError("That account is no longer in the register.")
        return account

    def update_entry(self, account_id: int, user_id: str, *, handle: str | None, url: str | None,
                     service: str | None = None, staff_user_ids: list[str] | None = None,
                     review_due: date | None = None) -> Outcome:
        self.identify(user_id)
        handle = (handle or "").strip() or None
        url = (url or "").strip() or None
        if url and not (urlparse(url).scheme in ("http", "https") and "." in urlparse(url).netloc):
            raise AccountError("The URL must be a full web address, starting https://")
        with Session(self.engine, expire_on_commit=False) as session:
            account = self._account_for_comms(session, account_id, user_id)
            changes = []
            for name, value in (("handle", handle), ("url", url), ("service", (service or "").strip() or None),
                                ("review_due", review_due)):
                if value is not None and getattr(account, name) != value:
                    changes.append(f"{name}: {getattr(account, name) or '—'} → {value}")
                    setattr(account, name, value)
            if staff_user_ids is not None:
                people = ",".join(dict.fromkeys(staff_user_ids))
                if len(staff_user_ids) < 2:
                    raise AccountError("Name at least two members of staff who run the account.")
                if people != account.staff_user_ids:
                    changes.append("named staff changed")
                    account.staff_user_ids, account.leavers_flagged_at = people, None
            if not changes:
                return Outcome("Nothing to change.")
            account.search_key = search_key(account)
            account.updated_at = self.clock()
            session.add(account)
            self._event(session, None, user_id, "edited", "; ".join(changes), account=account)
            ids = []
            if account.request_id:
                request = session.get(AccountRequest, account.request_id)
                session.flush()
                ids = self._refresh(session, request)
            session.commit()
        return Outcome(f"The register entry for {account.handle or account.name} is updated.", ids, True)

    def set_status(self, account_id: int, user_id: str, status: str, reason: str) -> Outcome:
        if status not in ACCOUNT_STATUS:
            raise AccountError("Unknown status.")
        reason = (reason or "").strip()
        if not reason:
            raise AccountError("Give a reason; it is kept with the register entry.")
        self.identify(user_id)
        with Session(self.engine, expire_on_commit=False) as session:
            account = self._account_for_comms(session, account_id, user_id)
            if account.status == status:
                return Outcome(f"{account.handle or account.name} is already {status}.")
            previous = account.status
            account.status, account.status_reason, account.updated_at = status, reason[:500], self.clock()
            session.add(account)
            self._event(session, None, user_id, status if status != "active" else "reactivated",
                        f"{previous} → {status}: {reason[:500]}", account=account)
            session.commit()
        return Outcome(f"{account.handle or account.name} is now {ACCOUNT_STATUS[status].lower()}.", [], True)
