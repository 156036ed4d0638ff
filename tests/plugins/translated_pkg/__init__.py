"""A plugin package with its own English catalog (translations/en/LC_MESSAGES/messages.po)."""

from portal import Block, hookimpl


class TranslatedGreeting(Block):
    name = "translated_greeting"
    label = "Lời chào (thử nghiệm)"
    template = "translated_greeting/greeting.html"


@hookimpl
def portal_register_blocks():
    return [TranslatedGreeting]
