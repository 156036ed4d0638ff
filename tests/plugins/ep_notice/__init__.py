"""A plugin installed as a distribution (the test writes its dist-info with an entry point)."""

from portal import NO_CACHE, Block, hookimpl


class NoticeBlock(Block):
    name = "ep_notice"
    label = "Thông báo"
    description = "Một thông báo ngắn (plugin cài qua entry point)."
    template = "ep_notice/notice.html"
    cache = NO_CACHE


@hookimpl
def portal_register_blocks():
    return [NoticeBlock]
