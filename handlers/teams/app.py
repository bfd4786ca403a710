"""`POST /api/messages`: Bot Framework activities from Microsoft Teams.

Each activity's Bot Framework JWT is checked (the Microsoft Teams SDK's token validator: signing keys from
POLICYBOT_TEAMS_KEYS_URL, issuer, audience = TEAMS_APP_ID, and the token's `serviceurl` against the activity's)
before anything reads it further; with POLICYBOT_TEAMS_ALLOW_UNAUTHENTICATED (local testing only, refused in
production) unsigned activities are accepted. An activity is claimed by its id, so a redelivery is acknowledged
and not handled twice. Handlers parse, check, save and enqueue; what the bot says goes through the outbox
(platform "teams") like Slack's, and the slow work runs in the bot's worker threads after the acknowledgement.

Handled today: questions in the personal chat and by @mention in a channel (answered in the thread), the
answer card's Helpful / Not helpful / Ask Comms and Marketing (`Action.Execute`, the card updated in place),
and installs (`conversationUpdate`, `installationUpdate`): the conversation is recorded, the person is matched
to the staff directory by the email the roster gives, and a welcome card is sent.
"""

from __future__ import annotations

import json
import logging
import re
import time

import httpx
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot import identities
from bot.messages import Context, Message, Paragraph, Strong, text
from bot.questions import get_question, previous_question, record_vote
from bot.staff import by_email, by_user_id
from bot import account_messages as account_terms, home
from handlers.teams import forms
from handlers.teams.forms import SAVED_VERBS
from handlers.teams.render import REFRESH, card
from handlers.teams.sender import conversation_root
from handlers.slack.app import claim_once
from storage.models import TeamsConversation, utcnow

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
AT_RE = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
TAG_RE = re.compile(r"<[^>]+>")
VOTES = {"answer_helpful": True, "answer_not_helpful": False}
CLOSE_SUBMIT = "report_close_submit"
CASE_VERBS = {"report_acknowledge", "report_refer_hr", "report_refer_legal", "report_show_reporter",
              "report_close_open", CLOSE_SUBMIT}
HANDOFF_VERBS = {"handoff_answer", "handoff_assign", "handoff_not_for_us", "handoff_answer_submit",
                 "handoff_not_for_us_submit"}
ACCOUNT_VERBS = {*account_terms.REQUEST_ACTIONS, *account_terms.REGISTER_ACTIONS, forms.ACCOUNT_SUBMIT,
                 forms.REASON_SUBMIT, forms.ANSWER_ACCOUNT_SUBMIT, forms.DETAILS_SUBMIT}
HOME_VERBS = {home.HOME_REPORT: "report", home.HOME_REQUEST_ACCOUNT: "request account",
              home.HOME_TRAINING: "my training", home.HOME_SAVED_ANSWERS: "saved answers"}
TRAINING_VERBS = {"training_done", "training_snooze", "policy_acknowledge", "training_nudge_team", "policy_read"}
PLATFORM = identities.TEAMS
VERIFIED_FOR = 300  # seconds a checked token is trusted before its signature is checked again
UNKNOWN_FOR = 600  # seconds a Teams user found outside the directory is not looked up again


def question_text(raw: str) -> str:
    """The question, without the bot's @mention and any HTML Teams wraps around it."""
    return re.sub(r"\s+", " ", TAG_RE.sub(" ", AT_RE.sub(" ", raw or ""))).strip()


class Unauthorised(Exception):
    pass


class TeamsSurface:
    def __init__(self, services):
        self.services = services
        self.settings = services.settings
        self._validator = None
        self._recorded: dict[str, tuple] = {}  # conversation id → what was last written for it
        self._unknown: dict[str, float] = {}  # Teams user id → when the roster showed them outside the directory
        self._verified: dict[str, tuple[float, str]] = {}  # bearer token → (checked until, its service URL)

    # ----------------------------------------------------------------------------------- authentication

    @property
    def validator(self):
        if self._validator is None:
            from microsoft_teams.apps.auth.token_validator import JwtValidationOptions, TokenValidator

            app_id = self.settings.teams_app_id or ""
            self._validator = TokenValidator(JwtValidationOptions(
                valid_issuers=[self.settings.teams_issuer], valid_audiences=[app_id, f"api://{app_id}"],
                jwks_uri=self.settings.teams_keys_url))
        return self._validator

    async def authenticate(self, request: Request, activity: dict) -> None:
        if self.settings.teams_allow_unauthenticated:
            return
        import jwt

        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            raise Unauthorised("no bearer token")
        service_url = str(activity.get("serviceUrl") or "") or None
        token = header[7:].strip()
        now = time.time()
        known = self._verified.get(token)
        if known is not None and known[0] > now:
            # Teams sends the same token with many activities: its signature, issuer and audience were checked
            # when it first came; the service URL is checked against each activity.
            if service_url is None or known[1].rstrip("/") != service_url.rstrip("/"):
                raise Unauthorised("service URL does not match the token")
            return
        try:
            # CPU work only once the signing keys are cached (the first call fetches them): run on the loop.
            claims = await self.validator.validate_token(token, service_url=service_url)
        except jwt.PyJWTError as error:
            raise Unauthorised(str(error)) from error
        if service_url and isinstance(claims.get("exp"), (int, float)):
            if len(self._verified) > 1000:
                self._verified = {t: v for t, v in self._verified.items() if v[0] > now}
                if len(self._verified) > 1000:
                    self._verified.clear()
            # Checked again after five minutes at most (signing keys roll over), and never past its expiry.
            self._verified[token] = (min(float(claims["exp"]), now + VERIFIED_FOR), str(claims["serviceurl"]))

    # ---------------------------------------------------------------------------------------- endpoint

    async def endpoint(self, request: Request) -> Response:
        # Counted as Slack's requests are: the worker threads' answers wait while activities are acknowledged.
        self.services.acknowledging(+1)
        try:
            return await self._endpoint(request)
        finally:
            self.services.acknowledging(-1)

    async def _endpoint(self, request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return JSONResponse({"error": "activity too large"}, status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "activity too large"}, status_code=413)
        try:
            activity = json.loads(body)
        except ValueError:
            return JSONResponse({"error": "not JSON"}, status_code=400)
        if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
            return JSONResponse({"error": "not an activity"}, status_code=400)
        try:
            await self.authenticate(request, activity)
        except Unauthorised as error:
            log.warning("teams activity refused", extra={"reason": str(error)[:200]})
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        return await self.dispatch(activity)

    async def dispatch(self, activity: dict) -> Response:
        """Messages and installs are acknowledged at once, on the event loop, and claimed (a redelivery is
        recognised by its activity id), recorded and handled in a worker thread: nothing on the acknowledgement's
        path waits on the database. Card actions and dialogs are answered synchronously, as Teams shows the
        answer."""
        kind = activity["type"]
        conversation = activity.get("conversation") or {}
        sender = activity.get("from") or {}
        if not isinstance(conversation, dict) or not isinstance(sender, dict) or not conversation.get("id"):
            return JSONResponse({"error": "activity without a conversation"}, status_code=400)
        if kind == "message":
            self.services.defer(self.claimed, activity, self.on_message)
        elif kind in {"conversationUpdate", "installationUpdate"}:
            self.services.defer(self.claimed, activity, self.on_install)
        elif kind == "invoke":
            return await run_in_threadpool(self.handle, activity)
        return Response(status_code=200)

    def claimed(self, activity: dict, handler) -> None:
        """Handle an activity once, whichever process or redelivery gets it first."""
        activity_id = str(activity.get("id") or "")
        conversation = str(activity["conversation"]["id"])
        if activity_id and not claim_once(self.services.engine, _claim_key("teams", conversation, activity_id),
                                          f"teams:{activity['type']}"):
            return  # a redelivery of an activity already handled
        self.record_conversation(activity)
        handler(activity)

    def handle(self, activity: dict) -> Response:
        """An invoke (a card's button, a dialog): answered in the HTTP response. A failure is logged and the
        person told plainly, in the dialog or under the card."""
        self.record_conversation(activity)
        try:
            return self.on_invoke(activity)
        except Exception:
            log.exception("teams invoke failed", extra={"invoke": str(activity.get("name"))[:60]})
            sorry = ("Sorry, that didn't work. Please try again in a minute; if it keeps happening, tell the bot's "
                     "administrator.")
            name = str(activity.get("name") or "")
            return _task_message(sorry) if name.startswith(("task/", "composeExtension/")) else _invoke_message(sorry)

    # ------------------------------------------------------------------------------------- recording

    def record_conversation(self, activity: dict) -> None:
        conversation = activity["conversation"]
        service_url = str(activity.get("serviceUrl") or "")[:500]
        if not service_url.startswith(("https://", "http://")):
            return
        root = conversation_root(str(conversation["id"]))[:300]
        kind = str(conversation.get("conversationType") or "personal")[:16]
        user = (activity.get("from") or {}).get("id") if kind == "personal" else None
        if self._recorded.get(root) == (service_url, kind, user):
            return  # nothing new: no write on the acknowledgement's path
        with Session(self.services.engine) as session:
            found = session.get(TeamsConversation, root)
            if found is None:
                found = TeamsConversation(conversation_id=root, service_url=service_url, kind=kind)
            found.service_url, found.kind, found.updated_at = service_url, kind, utcnow()
            found.tenant_id = str((conversation.get("tenantId") or (activity.get("channelData") or {})
                                   .get("tenant", {}).get("id") or ""))[:64] or None
            if user:
                found.user_id = str(user)[:128]
            session.add(found)
            try:
                session.commit()
            except Exception:  # recorded by a concurrent request: theirs is as good
                session.rollback()
                return
        if len(self._recorded) > 50_000:
            self._recorded.clear()
        self._recorded[root] = (service_url, kind, user)
        sender = self.services.outbox.senders.get(PLATFORM)
        if sender is not None:
            sender.forget_service_url(root)

    def identify(self, activity: dict) -> None:
        """Match a Teams user to the staff directory by the email the conversation's roster gives for them,
        once, and keep their personal chat as their conversation reference."""
        user = (activity.get("from") or {}).get("id")
        conversation = activity.get("conversation") or {}
        if not user or (conversation.get("conversationType") or "personal") != "personal":
            return
        reference = json.dumps({"conversation_id": conversation["id"], "service_url": activity.get("serviceUrl"),
                                "user_id": user, "aad_object_id": (activity.get("from") or {}).get("aadObjectId")})
        with Session(self.services.engine) as session:
            known = identities.person(session, user, PLATFORM)
            if known is not None:
                row = identities.of(session, known.id, PLATFORM)
                if row is not None and (row.unreachable_at is not None or not row.conversation):
                    # Back in their personal chat (or it was opened for the first time): reachable again.
                    identities.record(session, known.id, user, self.services.clock(), PLATFORM,
                                      conversation=reference)
                    session.commit()
                return
        asked = self._unknown.get(user)
        if asked is not None and time.monotonic() - asked < UNKNOWN_FOR:
            return
        email = self.roster_email(activity, user)
        if not email:
            self._unknown[user] = time.monotonic()
            return
        with Session(self.services.engine) as session:
            person = by_email(session, email)
            if person is None:
                self._unknown[user] = time.monotonic()
                return
            identities.record(session, person.id, user, self.services.clock(), PLATFORM, conversation=reference)
            session.commit()

    def roster_email(self, activity: dict, user: str) -> str | None:
        from urllib.parse import quote

        sender = self.services.outbox.senders.get(PLATFORM)
        base = str(activity.get("serviceUrl") or "").rstrip("/")
        url = f"{base}/v3/conversations/{quote(str(activity['conversation']['id']), safe='')}/members/" \
              f"{quote(user, safe='')}"
        try:
            response = sender.http.get(url, headers=sender.tokens.header())
            if response.status_code != 200:
                return None
            member = response.json()
        except (httpx.HTTPError, ValueError, Exception) as error:  # not known: answered all the same
            log.warning("teams roster lookup failed", extra={"error": type(error).__name__})
            return None
        email = member.get("email") or member.get("userPrincipalName") or ""
        return str(email).strip().lower() or None

    # -------------------------------------------------------------------------------------- messages

    def on_message(self, activity: dict) -> None:
        self.identify(activity)
        conversation = activity["conversation"]
        kind = conversation.get("conversationType") or "personal"
        question = question_text(str(activity.get("text") or ""))
        user = str((activity.get("from") or {}).get("id") or "")
        if not question:
            return
        reply = self.command(question, user)
        if reply is not None:
            self.say(activity, reply)
            return
        if kind == "personal":
            self.services.questions.answer_in_conversation(
                surface="dm", user=user, channel=str(conversation["id"]), text=question, thread_ts=None,
                context=None, platform=PLATFORM)
            return
        # A channel: answer in the thread of the message that mentioned the bot; a mention later in a thread the
        # bot answered is a follow-up, with the thread's first question as its context.
        root, _, thread = str(conversation["id"]).partition(";messageid=")
        thread = thread or str(activity.get("id"))
        previous = previous_question(self.services.engine, root, thread)
        self.services.questions.answer_in_conversation(
            surface="thread" if previous else "mention", user=user, channel=root, text=question, thread_ts=thread,
            context=previous.text if previous else None, platform=PLATFORM)

    def command(self, words: str, user: str) -> Message | dict | None:
        """The command menu (help, home, report, my training, accounts …, request account); None for a question."""
        from bot import account_messages, training_messages
        from bot.training import STATUS_LABELS

        said = words.strip().lower().rstrip(".!")
        if said in {"help", "?"}:
            return forms.help_message()
        if said == "report":
            return forms.report_card()
        if said in {"my training", "training"}:
            found = self.services.training.my_training(user)
            if found is None:
                return Message(summary="Not in the staff directory", blocks=(Paragraph(text(
                    "I can't find you in the staff directory, so I don't know your training. HR can add you.")),))
            today = self.services.clock().astimezone(self.settings.working_time.zone).date()
            return training_messages.my_training(*found, today, STATUS_LABELS)
        if said == "home":
            return home.home_message(home.home_for(self.services, user), self.settings.working_time.zone)
        if said in {"saved answers", "answers"}:
            if not self.services.handoffs.is_comms(user):
                return Message(summary="Saved answers", blocks=(Paragraph(text(
                    "Saved answers are kept by Communications and Marketing; ask me a question instead.")),))
            from bot import saved_answers

            return forms.saved_answers_card(saved_answers.list_answers(self.services.engine, limit=10))
        if said.startswith("accounts") and (said == "accounts" or said[8:9] == " "):
            query = words.strip()[8:].strip()
            if not query:
                return Message(summary="accounts", blocks=(Paragraph(text(
                    "Type accounts and a handle, web address or name, e.g. accounts @NottsCC.")),))
            found, comms = self.services.accounts.look_up(user, query[:200])
            return account_messages.lookup_message(query, found, comms=comms)
        if said in {"request account", "request an account", "new account"}:
            if not self.settings.comms_channel:
                return Message(summary="Account requests", blocks=(Paragraph(text(
                    "Account requests aren't set up yet: the bot has no Communications and Marketing channel. "
                    "Please contact Communications and Marketing directly.")),))
            return forms.account_request_launcher()
        return None

    def say(self, activity: dict, reply: Message | dict) -> None:
        """A reply where the activity came from (a channel's thread for a mention), through the outbox."""
        conversation = str(activity["conversation"]["id"])
        root, _, thread = conversation.partition(";messageid=")
        if (activity["conversation"].get("conversationType") or "personal") != "personal":
            thread = thread or str(activity.get("id") or "")
        else:
            root, thread = conversation, ""
        if isinstance(reply, dict):  # a form card: sent as it is, not through the neutral renderer
            title = next((b.get("text") for b in reply.get("body", []) if b.get("type") == "TextBlock"), "A form")
            body = {"text": str(title)[:200], "blocks": [reply], "purpose": "teams-form"}
        else:
            body = {"content": reply, "purpose": "teams-command"}
        with Session(self.services.engine) as session:
            message_id = self.services.questions.enqueue(session, channel=root, thread_ts=thread or None,
                                                         platform=PLATFORM, **body).id
            session.commit()
        self.services.outbox.deliver([message_id])

    def on_install(self, activity: dict) -> None:
        added = activity.get("membersAdded") or []
        recipient = (activity.get("recipient") or {}).get("id")
        installed = activity.get("type") == "installationUpdate" and activity.get("action") in {"add", None}
        bot_added = any(isinstance(m, dict) and m.get("id") == recipient for m in added)
        if not (installed or bot_added):
            return
        self.identify(activity)
        with Session(self.services.engine) as session:
            message_id = self.services.questions.enqueue(
                session, channel=str(activity["conversation"]["id"]), content=welcome(), purpose="welcome",
                platform=PLATFORM).id
            session.commit()
        self.services.outbox.deliver([message_id])

    # --------------------------------------------------------------------------------- card actions

    def on_invoke(self, activity: dict) -> Response:
        name = activity.get("name")
        if name in {"composeExtension/fetchTask", "task/fetch", "composeExtension/submitAction", "task/submit"}:
            data = (activity.get("value") or {}).get("data")
            data = data if isinstance(data, dict) else {}
            user = str((activity.get("from") or {}).get("id") or "")
            if name.endswith(("fetchTask", "fetch")):
                return self.open_dialog(activity, str(data.get("verb") or ""), str(data.get("value") or ""), user)
            return self.dialog_submitted(activity, data, user)
        if name != "adaptiveCard/action":
            return JSONResponse({"status": 200}, status_code=200)
        action = ((activity.get("value") or {}).get("action") or {})
        verb = str(action.get("verb") or "")
        data = action.get("data") if isinstance(action.get("data"), dict) else {}
        value = str(data.get("value") or "")
        user = str((activity.get("from") or {}).get("id") or "")
        question_id = int(value) if value.isdigit() and len(value) < 19 else None
        if verb in VOTES:
            question, changed = (None, False) if question_id is None else \
                record_vote(self.services.engine, question_id, user, VOTES[verb])
            if question is None:
                return _invoke_message("That answer is no longer on record, so the vote was not saved.")
            word = "helpful" if VOTES[verb] else "not helpful"
            note = f"Thanks: your vote ({word}) is recorded." if changed else f"You already marked this {word}."
            return _invoke_card(self.voted_card(get_question(self.services.engine, question_id), note))
        if verb == "answer_ask_comms":
            return _invoke_message(self.services.handoffs.hand_off(question_id, user))
        if verb in TRAINING_VERBS:
            return self.training_action(verb, value, user)
        if verb in CASE_VERBS:
            return self.case_action(verb, value, user, data)
        if verb == "report_submit":
            return self.report_submitted(activity, data, user)
        if verb in HANDOFF_VERBS:
            return self.handoff_action(verb, value, user, data)
        if verb in ACCOUNT_VERBS:
            return self.account_action(activity, verb, value, user, data)
        if verb in SAVED_VERBS:
            return self.saved_answer_action(verb, value, user, data)
        if verb in HOME_VERBS:  # the home card's buttons: what the matching command gives, in place of the card
            reply = self.command(HOME_VERBS[verb], user)
            return _invoke_card(reply if isinstance(reply, dict) else card(reply))
        if verb == REFRESH:
            return self.refreshed_card(value, user, str(activity["conversation"]["id"]))
        return _invoke_message("That button is not one this bot knows.")

    def refreshed_card(self, value: str, user: str, conversation: str) -> Response:
        """A card refreshed for one person: the buttons meant for them shown only when they are among those the
        message names (the workflow checks again when they press one). Only a card in the conversation asking
        is drawn: a refresh naming another conversation's message learns nothing."""
        row = self.services.outbox.get(int(value)) if value.isdigit() and len(value) < 19 else None
        root = conversation_root(conversation)
        if row is None or row.platform != PLATFORM or not row.content or \
                conversation_root(row.sent_channel or row.channel) != root:
            return _invoke_message("That message is no longer on record.")
        message = Message.from_json(row.content)
        allowed = any(user in block.only_for for block in message.blocks if getattr(block, "only_for", ()))
        names = self.services.outbox.senders[PLATFORM].names_for(message)
        return _invoke_card(card(message, ref=row.id, reveal=allowed, names=names))

    def account_action(self, activity: dict, verb: str, value: str, user: str, data: dict) -> Response:
        """Account requests and the register: the request form, Comms' review, the director's decision, the
        requester's answer and register entries; who may do what is checked by the accounts workflow."""
        from bot import account_messages as say
        from bot.accounts import AccountError

        work = self.services.accounts
        try:
            if verb == forms.ACCOUNT_SUBMIT:
                return self.account_requested(activity, data, user)
            if verb in (say.RECOMMEND, say.APPROVE):
                request_id, version = _versioned(value)
                outcome = (work.recommend if verb == say.RECOMMEND else work.approve)(request_id, version, user)
            elif verb in (say.MORE_INFO, say.DECLINE, say.REJECT):
                request_id, version = _versioned(value)
                request = work.for_reason(request_id, version, user, "reject" if verb == say.REJECT else "comms")
                return _invoke_card(forms.reason_card(verb, value, say.request_summary(request)))
            elif verb == say.ANSWER:
                return _invoke_card(forms.account_answer_card(work.awaiting_answer(_number(value), user)))
            elif verb in (say.ADD_DETAILS, say.EDIT):
                account = work.account_for_comms(_number(value), user)
                return _invoke_card(forms.details_card(account, full=verb == say.EDIT))
            elif verb in (say.SUSPEND, say.CLOSE, say.REACTIVATE):
                account = work.account_for_comms(_number(value), user)
                return _invoke_card(forms.reason_card(verb, value, f"{account.platform} account "
                                                                   f"{account.handle or account.name}"))
            elif verb == forms.REASON_SUBMIT:
                action, typed = str(data.get("action") or ""), str(data.get("text") or "").strip()[:3001]
                if action not in say.REASONS:
                    return _invoke_message("That form is out of date: press the button on the message again.")
                if not typed or len(typed) > 3000:
                    error = "This can't be empty." if not typed else "Please keep this to 3,000 characters."
                    return _invoke_card(forms.reason_card(action, value, "", error, typed[:3000]))
                if action in (say.SUSPEND, say.CLOSE, say.REACTIVATE):
                    status = {say.SUSPEND: "suspended", say.CLOSE: "closed", say.REACTIVATE: "active"}[action]
                    outcome = work.set_status(_number(value), user, status, typed)
                else:
                    request_id, version = _versioned(value)
                    step = {say.MORE_INFO: work.ask_for_information, say.DECLINE: work.decline,
                            say.REJECT: work.reject}[action]
                    outcome = step(request_id, version, user, typed)
            elif verb == forms.ANSWER_ACCOUNT_SUBMIT:
                typed = str(data.get("text") or "").strip()
                if len(typed) > 3000:
                    request = work.awaiting_answer(_number(value), user)
                    return _invoke_card(forms.account_answer_card(request, "Please keep this to 3,000 characters.",
                                                                  typed[:3000]))
                outcome = work.answer(_number(value), user, typed)
            else:  # DETAILS_SUBMIT
                full = str(data.get("full") or "") == "true"
                values = {k: str(data.get(k) or "")[:1000] for k in ("handle", "url", "service", "staff")}
                account = work.account_for_comms(_number(value), user)
                people = None
                if full and values["staff"].strip():
                    people, problem = work.people_by_email(values["staff"])
                    if problem:
                        return _invoke_card(forms.details_card(account, full=True, values=values, error=problem))
                try:
                    outcome = work.update_entry(account.id, user, handle=values["handle"], url=values["url"],
                                                service=values["service"] if full else None, staff_user_ids=people)
                except AccountError as error:
                    return _invoke_card(forms.details_card(account, full=full, values=values, error=str(error)))
        except (AccountError, ValueError) as error:
            return _invoke_message(str(error) or "That button is out of date.")
        self.services.defer(self.services.outbox.deliver, outcome.outbox_ids)
        return _invoke_message(outcome.message)

    def saved_answer_action(self, verb: str, value: str, user: str, data: dict) -> Response:
        """Comms' Edit and Retire of a saved answer (Comms only, checked on every press and submission)."""
        from bot import saved_answers

        if not self.services.handoffs.is_comms(user):
            return _invoke_message("Only Communications and Marketing can change saved answers.")
        answer_id = int(value) if value.isdigit() and len(value) < 19 else 0
        saved = saved_answers.get(self.services.engine, answer_id) if answer_id else None
        if saved is None or saved.status != "active":
            return _invoke_message("That saved answer is no longer in use.")
        if verb == forms.SAVED_EDIT:
            return _invoke_card(forms.saved_answer_edit_card(saved))
        if verb == forms.SAVED_RETIRE:
            return _invoke_card(forms.saved_answer_retire_card(saved))
        now = self.services.clock()
        try:
            if verb == forms.SAVED_RETIRE_CONFIRM:
                saved_answers.retire(self.services.engine, saved.id, actor=user, at=now)
                note = f"Saved answer #{saved.id} is retired: the bot no longer uses it."
            else:  # SAVED_EDIT_SUBMIT
                typed = {"wording": str(data.get("wording") or "")[:2000], "answer": str(data.get("answer") or "")[:9000]}
                person = self.services.handoffs.identify(user)
                try:
                    saved_answers.edit(self.services.engine, saved.id, actor=user,
                                       actor_name=person.name if person else "", question=typed["wording"],
                                       answer=typed["answer"], at=now)
                except saved_answers.SavedAnswerError as error:
                    return _invoke_card(forms.saved_answer_edit_card(saved, typed, f"Not saved: {error}."))
                note = f"Saved answer #{saved.id} is updated; the bot uses the new wording within a minute."
        except saved_answers.SavedAnswerError as error:
            return _invoke_message(f"Nothing changed: {error}.")
        return _invoke_card(forms.saved_answers_card(saved_answers.list_answers(self.services.engine, limit=10), note))

    def account_requested(self, activity: dict, data: dict, user: str, dialog: bool = False) -> Response:
        """The account request form: errors under their fields (nothing saved), or the request saved once (a
        replayed submission is recognised by its activity id) and sent to Comms after the answer."""
        from bot.accounts import AccountError, RequestInput, validate

        values = {field: str(data.get(field) or "")[:3100] for field in forms.ACCOUNT_FIELDS}
        work = self.services.accounts
        people, problem = work.people_by_email(values["staff"])
        request_input = RequestInput(
            platform=values["platform"] or None, handle=values["handle"], service=values["service"],
            directorate=values["directorate"], purpose=values["purpose"], business_case=values["business_case"],
            staff_user_ids=people, monitoring_hours=values["monitoring_hours"],
            training_confirmed=values["training"] == "true")
        directorates = work.directorates()
        errors = validate(request_input, directorates or None)
        if problem:
            errors["staff"] = problem
        def form(problems: dict) -> Response:
            drawn = forms.account_request_card(directorates, values, problems, dialog=dialog)
            return _task_card(drawn, title="Request a social media account") if dialog else _invoke_card(drawn)

        def say(words: str) -> Response:
            return _task_message(words) if dialog else _invoke_message(words)

        if errors:
            return form(errors)
        claim = _claim_key("teams-account", activity["conversation"]["id"], str(activity.get("id") or ""))
        if activity.get("id") and not claim_once(self.services.engine, claim, "teams:account_request"):
            return say("That request was already received.")
        try:
            request, ids = work.submit(request_input, user)
        except AccountError as error:
            return form({"platform": str(error)})

        def deliver() -> None:
            self.services.outbox.deliver(ids)
            work.remember_people(request.id)

        self.services.defer(deliver)
        return say(f"Thank you: your request {request.reference} is with Communications and Marketing. I'll tell "
                   "you in our chat at each step.")

    def handoff_action(self, verb: str, value: str, user: str, data: dict) -> Response:
        """The Comms hand-off card's buttons and its answer and "not for us" forms (Comms only, checked by the
        hand-off desk on every press)."""
        from bot.handoffs import AnswerFormError, HandoffError

        desk = self.services.handoffs
        try:
            if verb == "handoff_answer":
                return _invoke_card(forms.answer_card(desk.answer_form(value, user)))
            if verb == "handoff_assign":
                outcome = desk.assign(value, user)
            elif verb == "handoff_not_for_us":
                desk.check(value, user)
                return _invoke_card(forms.not_for_us_card(value))
            elif verb == forms.NOT_FOR_US_SUBMIT:
                outcome = desk.not_for_us(value, user, str(data.get("redirect") or ""))
            else:  # the answer form
                sources = [s for s in str(data.get("sources") or "").split(",") if s]
                try:
                    outcome = desk.answer(value, user, answer=str(data.get("answer") or ""),
                                          save=str(data.get("save") or "true") == "true",
                                          wording=str(data.get("wording") or ""), sources=sources)
                except AnswerFormError as error:
                    return _invoke_card(forms.answer_card(desk.answer_form(value, user), data, error.errors))
        except HandoffError as error:
            return _invoke_message(str(error))
        self.services.defer(self.services.outbox.deliver, outcome.outbox_ids)
        return _invoke_message(outcome.message)

    def open_dialog(self, activity: dict, verb: str, value: str, user: str) -> Response:
        """A dialog opened from a card's button (or the "Report this message" action): the form it names."""
        from bot import report_messages as say
        from bot.reports import OUTCOMES, ReportError

        if verb == say.CLOSE:
            try:
                report = self.services.cases.closing(_number(value), user)
            except (ReportError, ValueError) as error:
                return _task_message(str(error) or "That button is out of date.")
            return _task_card(close_card(report, OUTCOMES, dialog=True), title=f"Close {report.reference}")
        if verb in {forms.TRAINING_START, forms.ACK_START}:
            training = self.services.training
            if not training.is_hr(user):
                return _task_message("Only HR can start training campaigns and ask staff to acknowledge documents.")
            if verb == forms.TRAINING_START:
                return _task_card(forms.training_start_card(training.directorates()), title="Training campaign")
            titles = training.documents_to_acknowledge()
            if not titles:
                return _task_message("No documents are indexed yet (policybot index).")
            return _task_card(forms.acknowledgement_choose_card(titles), title="Acknowledgement")
        if verb in {"home_request_account", forms.ACCOUNT_OPEN}:
            if not self.settings.comms_channel:
                return _task_message("Account requests aren't set up yet: the bot has no Communications and "
                                     "Marketing channel. Please contact Communications and Marketing directly.")
            return _task_card(forms.account_request_card(self.services.accounts.directorates(), dialog=True),
                              title="Request a social media account")
        return self.report_dialog(activity)

    def dialog_submitted(self, activity: dict, data: dict, user: str) -> Response:

        verb = str(data.get("verb") or "")
        if verb == CLOSE_SUBMIT:
            return self.close_submitted(str(data.get("value") or ""), user, data)
        if verb == forms.ACCOUNT_SUBMIT:
            return self.account_requested(activity, data, user, dialog=True)
        if verb in {forms.TRAINING_START_SUBMIT, forms.ACK_CHOOSE, forms.ACK_CONFIRM}:
            return self.campaign_submitted(activity, verb, data, user)
        return self.report_submitted(activity, data, user, dialog=True)

    def campaign_submitted(self, activity: dict, verb: str, data: dict, user: str) -> Response:
        """HR's dialogs: a training campaign started, or a document chosen, its count shown and confirmed.
        HR only, checked on every step; a replayed confirmation starts nothing twice (the workflow refuses a
        version already being asked for)."""
        from datetime import date

        from bot.training import TrainingError

        training = self.services.training
        if not training.is_hr(user):
            return _task_message("Only HR can start training campaigns and ask staff to acknowledge documents.")
        if verb == forms.TRAINING_START_SUBMIT:
            values = {k: str(data.get(k) or "")[:600] for k in ("name", "url", "due", "directorate")}
            directorates = training.directorates()

            def again(error: str) -> Response:
                return _task_card(forms.training_start_card(directorates, values, error), title="Training campaign")

            try:
                due = date.fromisoformat(values["due"][:10])
            except ValueError:
                return again("Choose the due date.")
            directorate = None
            if values["directorate"] not in ("", forms.EVERYONE):
                directorate = training.directorate_named(values["directorate"])
                if directorate is None:
                    return again("Choose a directorate as the staff directory names it, or everyone.")
            try:
                campaign, assigned = training.start(name=values["name"], url=values["url"], due=due,
                                                    directorate=directorate, created_by=user)
            except TrainingError as error:
                return again(str(error))
            return _task_message(f"{campaign.name} has started: {assigned} people assigned. The first nudges go out "
                                 "with the next training-nudges run in working hours.")
        titles = training.documents_to_acknowledge()
        if verb == forms.ACK_CHOOSE:
            chosen = str(data.get("document") or "")[:300]
            try:
                preview = training.preview_acknowledgement(chosen)
            except TrainingError as error:
                return _task_card(forms.acknowledgement_choose_card(titles, str(error), chosen), title="Acknowledgement")
            if preview.running is not None:
                return _task_card(forms.acknowledgement_choose_card(
                    titles, "Staff are already being asked to acknowledge this version.", chosen), title="Acknowledgement")
            document = preview.document
            return _task_card(forms.acknowledgement_confirm_card(document.title, document.version, document.checksum,
                                                                 preview.to_ask, preview.staff), title="Acknowledgement")
        try:
            campaign, to_ask = training.start_acknowledgement(str(data.get("title") or "")[:300], user,
                                                              checksum=str(data.get("checksum") or "")[:128])
        except TrainingError as error:
            return _task_message(f"Nothing was started: {error}")
        return _task_message(f"Staff will be asked to acknowledge the {campaign.document_title}: {to_ask} people, "
                             "with the next training-nudges run in working time.")

    def close_submitted(self, value: str, user: str, data: dict) -> Response:
        """The Close dialog of a case: its outcome and notes; the dialog stays open with what to fix."""
        from bot.reports import OUTCOMES, ReportError

        chosen, notes = str(data.get("outcome") or ""), str(data.get("notes") or "")[:3001]
        try:
            report_id = _number(value)
            if chosen not in OUTCOMES or len(notes) > 3000:
                report = self.services.cases.closing(report_id, user)
                error = "Choose an outcome." if chosen not in OUTCOMES else "Please keep the notes to 3,000 characters."
                return _task_card(close_card(report, OUTCOMES, dialog=True, error=error, notes=notes[:3000]),
                                  title=f"Close {report.reference}")
            outcome = self.services.cases.close(report_id, user, chosen, notes or None)
        except (ReportError, ValueError) as error:
            return _task_message(str(error) or "That button is out of date.")
        self.services.defer(self.services.outbox.deliver, outcome.outbox_ids)
        return _task_message(outcome.message)

    def report_dialog(self, activity: dict) -> Response:
        """"Report this message": the report form in a dialog, with the message's text and link."""

        value = activity.get("value") or {}
        payload = value.get("messagePayload") if isinstance(value.get("messagePayload"), dict) else {}
        body = payload.get("body") if isinstance(payload.get("body"), dict) else {}
        source = {"source_text": question_text(str(body.get("content") or ""))[:3000],
                  "source_link": str(payload.get("linkToMessage") or "")[:1000]}
        return _task_card(forms.report_card(dialog=True, source=source))

    def report_submitted(self, activity: dict, data: dict, user: str, dialog: bool = False) -> Response:
        """The report form: errors shown under their fields (nothing saved), or the case saved once (a replayed
        submission is recognised by its activity id) and routed after the answer."""
        from bot import reports
        from bot.reports import ReportInput

        values = {field: str(data.get(field) or "")[:3100] for field in forms.FIELDS}
        happened_on, date_error = forms.parse_date(values["happened_on"])
        report_input = ReportInput(kind=values["kind"] or None, platform=values["platform"] or None,
                                   link=values["link"].strip() or None, description=values["description"],
                                   happened_on=happened_on, urgent=values["urgent"] == "true",
                                   confidential=values["confidential"] == "true")
        today = self.services.clock().astimezone(self.settings.working_time.zone).date()
        errors = reports.validate(report_input, today)
        if date_error:
            errors["happened_on"] = date_error
        source = {"source_text": str(data.get("source_text") or "")[:3000],
                  "source_link": str(data.get("source_link") or "")[:1000]}
        report_input.source_text = source["source_text"] or None
        report_input.source_permalink = source["source_link"] if source["source_link"].startswith("https://") \
            else None
        if errors:
            card = forms.report_card(values, errors, dialog=dialog, source=source)
            return _task_card(card) if dialog else _invoke_card(card)
        claim = _claim_key("teams-report", activity["conversation"]["id"], str(activity.get("id") or ""))
        if activity.get("id") and not claim_once(self.services.engine, claim, "teams:report"):
            done = "That report was already received."
            return _task_message(done) if dialog else _invoke_message(done)
        name = str((activity.get("from") or {}).get("name") or "")[:200]
        report = reports.submit(self.services.engine, report_input, reporter_user_id=user, reporter_name=name,
                                clock=self.services.clock)
        self.services.defer(lambda: self.services.outbox.deliver(self.services.cases.route(report.id)))
        thanks = (f"Thank you: your report {report.reference} is received. I'll tell you in our chat where it has "
                  "gone and when it is picked up.")
        return _task_message(thanks) if dialog else _invoke_message(thanks)

    def case_action(self, verb: str, value: str, user: str, data: dict) -> Response:
        """A case card's buttons, for the people the case is assigned to (checked by the reports workflow)."""
        from bot import report_messages as say
        from bot.reports import OUTCOMES, ReportError

        desk = self.services.cases
        try:
            report_id = _number(value)
            if verb == say.ACK:
                outcome = desk.acknowledge(report_id, user)
            elif verb in (say.REFER_HR, say.REFER_LEGAL):
                outcome = desk.refer(report_id, user, "hr" if verb == say.REFER_HR else "legal")
            elif verb == say.SHOW_REPORTER:
                reference, reporter = desk.reporter_of(report_id, user)
                if not reporter:
                    return _invoke_message(f"{reference} has no reporter on record (anonymised).")
                with Session(self.services.engine) as session:
                    person = by_user_id(session, reporter)
                    who = f"{person.name} <{person.email}>" if person is not None else "someone outside the " \
                        "staff directory"
                return _invoke_message(f"{reference} was reported by {who}.")
            elif verb == say.CLOSE:
                report = desk.closing(report_id, user)
                return _invoke_card(close_card(report, OUTCOMES))
            else:  # CLOSE_SUBMIT: the inline form's outcome and notes
                chosen = str(data.get("outcome") or "")
                notes = str(data.get("notes") or "")[:3001]
                if chosen not in OUTCOMES:
                    return _invoke_message("Choose an outcome, then press Close the case.")
                if len(notes) > 3000:
                    return _invoke_message("Please keep the notes to 3,000 characters.")
                outcome = desk.close(report_id, user, chosen, notes or None)
        except (ReportError, ValueError) as error:
            return _invoke_message(str(error) or "That button is out of date.")
        self.services.defer(self.services.outbox.deliver, outcome.outbox_ids)
        return _invoke_message(outcome.message)

    def training_action(self, verb: str, value: str, user: str) -> Response:
        """The nudge and acknowledgement cards' buttons: the same rules as Slack's, by the person's Teams id."""
        from bot import training_messages as say
        from bot.training import TrainingError

        desk = self.services.training
        try:
            if verb == say.DONE:
                return _invoke_message(desk.self_declare(_number(value), user))
            if verb == say.SNOOZE:
                return _invoke_message(desk.snooze(_number(value), user))
            if verb == say.ACKNOWLEDGE:
                return _invoke_message(desk.acknowledge(value, user))
            if verb == say.NUDGE_TEAM:
                return _invoke_message(desk.nudge_team(user))
            found = desk.reading(value)  # READ_POLICY: the document, paragraph by paragraph
            if found is None:
                return _invoke_message("That version has since been replaced, or staff are no longer asked to "
                                       "acknowledge it. HR will send you the current one.")
            document, passages = found
            return _invoke_card(policy_card(document, passages))
        except (TrainingError, ValueError) as error:
            return _invoke_message(str(error) or "That button is out of date.")

    def voted_card(self, question, note: str) -> dict:
        from bot.question_messages import answer_message
        answer = self.services.answerer.answer(question.text, context=question.context)
        message = answer_message(question.id, answer)
        return card(Message(summary=message.summary, blocks=message.blocks + (Context(text(note)),)))


def _claim_key(kind: str, conversation: str, activity_id: str) -> str:
    """A claim key of fixed length: conversation ids with a thread are longer than the claim column."""
    import hashlib

    return f"{kind}:" + hashlib.sha256(f"{conversation}\n{activity_id}".encode("utf-8")).hexdigest()[:40]


def _versioned(value: str) -> tuple[int, int | None]:
    """A request button's value: the request id and the version it was drawn at."""
    request_id, _, version = value.partition(":")
    if not version.isdigit() or len(version) > 9:
        raise ValueError("That button is out of date.")
    return _number(request_id), int(version)


def _number(value: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise ValueError("That button is out of date.")
    return int(value)


def policy_card(document, passages) -> dict:
    from bot.messages import Quote
    blocks = [Paragraph(text(Strong(document.title), f" (version {document.version})" if document.version else ""))]
    blocks += [Quote(p.text, heading=text(p.label)) for p in passages[:60]]
    return card(Message(summary=document.title, blocks=tuple(blocks)))


def close_card(report, outcomes: dict, dialog: bool = False, error: str | None = None, notes: str = "") -> dict:
    """The form that closes a case, its outcome and notes: in a dialog (Action.Submit), or inline in the card
    (Action.Execute)."""
    from handlers.teams.forms import error_lines
    from handlers.teams.render import escape

    body = [{"type": "TextBlock", "wrap": True, "weight": "Bolder", "text": f"Close {escape(report.reference)}"},
            {"type": "Input.ChoiceSet", "id": "outcome", "label": "Outcome", "isRequired": True,
             "errorMessage": "Choose an outcome.",
             "choices": [{"title": label, "value": key} for key, label in outcomes.items()]},
            {"type": "Input.Text", "id": "notes", "label": "Notes (optional)", "isMultiline": True,
             "maxLength": 3000, **({"value": notes} if notes else {})}]
    body += error_lines(error)
    data = {"verb": CLOSE_SUBMIT, "value": str(report.id)}
    action = {"type": "Action.Submit", "title": "Close the case", "data": data} if dialog else \
        {"type": "Action.Execute", "title": "Close the case", "verb": CLOSE_SUBMIT, "data": data}
    return {"type": "AdaptiveCard", "version": "1.5", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "body": body, "actions": [action]}


def _task_card(drawn: dict, title: str = "Report a concern") -> Response:
    """A dialog (task module) showing `drawn`."""
    return JSONResponse({"task": {"type": "continue", "value": {
        "title": title[:60], "height": "large", "width": "medium",
        "card": {"contentType": "application/vnd.microsoft.card.adaptive", "content": drawn}}}})


def _task_message(message: str) -> Response:
    """The dialog closes with this message."""
    return JSONResponse({"task": {"type": "message", "value": message[:1000]}})


def _invoke_message(message: str) -> Response:
    return JSONResponse({"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                         "value": message[:1000]})


def _invoke_card(drawn: dict) -> Response:
    return JSONResponse({"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": drawn})


def welcome() -> Message:
    return Message(summary="Hello from the Social Media Policy assistant", blocks=(
        Paragraph(text(Strong("I help you follow the council's Social Media Policy."), " Ask me anything about "
                       "it here, or mention me in a channel, and I quote the paragraphs that answer you.")),
        Paragraph(text("If the documents don't cover your question, I say so and can pass it to Communications "
                       "and Marketing.")),
        Context(text("Answers come from the council's own documents; they are guidance, not legal advice.")),
    ))

