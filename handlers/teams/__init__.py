"""The Microsoft Teams surface: the `/api/messages` endpoint (Bot Framework activities, authenticated with the
Bot Framework JWT), the Adaptive Card renderer of neutral messages, and the outbox's Teams sender."""
