"""The words of the account requests workflow and the register: platforms and statuses."""

from __future__ import annotations

PLATFORMS = ("Facebook", "X (Twitter)", "Instagram", "LinkedIn", "YouTube", "TikTok", "Flickr", "Nextdoor", "Other")
STATUS_LABELS = {
    "comms_review": "With Communications and Marketing for review",
    "more_info": "Waiting for more information from the requester",
    "director_review": "With the Corporate Director for a decision",
    "approved": "Approved",
    "declined": "Declined by Communications and Marketing",
    "rejected": "Rejected by the Corporate Director",
}
FINAL = {"approved", "declined", "rejected"}
ACCOUNT_STATUS = {"active": "Active", "suspended": "Suspended", "closed": "Closed"}
