"""Each chat platform's surface, one package per platform (`handlers/slack/`); `handlers/text.py` holds the
text helpers the renderers share."""
