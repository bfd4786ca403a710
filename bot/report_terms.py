"""The words of the reports workflow: kinds of concern, platforms, outcomes, statuses and team names."""

from __future__ import annotations

from bot import staff

KINDS = {
    "misuse": "Misuse of social media by a colleague",
    "reputational": "Reputational issue about the council online",
    "safeguarding": "Safeguarding concern",
    "security": "Phishing, hacked or fake account",
}
PLATFORMS = ("Facebook", "X (Twitter)", "Instagram", "LinkedIn", "YouTube", "TikTok", "WhatsApp", "Nextdoor",
             "Threads", "Bluesky", "Reddit", "Other")
OUTCOMES = {
    "advice": "Advice given",
    "action_taken": "Action taken",
    "referred": "Referred to another process",
    "no_action": "No further action needed",
    "not_upheld": "Concern not upheld",
}
STATUS_LABELS = {"submitted": "Received", "open": "Waiting for the handler", "acknowledged": "Being handled",
                 "closed": "Closed"}
TEAM_NAMES = staff.ROLE_NAMES
