"""Blocks that fail in each way a block can fail while a page renders."""

from portal import NO_CACHE, Block, CachePolicy, hookimpl


class BrokenContext(Block):
    name = "broken_context"
    label = "Hỏng ở get_context"
    description = "get_context ném lỗi."
    template = "steady/steady.html"
    cache = NO_CACHE

    def get_context(self, ctx, settings):
        raise RuntimeError("secret detail from get_context")


class BrokenTemplate(Block):
    name = "broken_template"
    label = "Hỏng ở mẫu"
    description = "Mẫu truy cập một thuộc tính không có."
    template = "broken_template/broken.html"
    cache = CachePolicy(timeout=60)


class BrokenPrefetch(Block):
    name = "broken_prefetch"
    label = "Hỏng ở prefetch"
    description = "prefetch ném lỗi."
    template = "steady/steady.html"
    cache = NO_CACHE

    @classmethod
    def prefetch(cls, ctx, settings_list):
        raise LookupError("secret detail from prefetch")


class NotADict(Block):
    name = "not_a_dict"
    label = "Trả về sai kiểu"
    description = "get_context trả về một danh sách."
    template = "steady/steady.html"
    cache = NO_CACHE

    def get_context(self, ctx, settings):
        return ["secret detail from a list"]


class BrokenCacheTags(Block):
    name = "broken_cache_tags"
    label = "Hỏng ở cache_tags"
    description = "cache_tags ném lỗi sau khi mẫu đã hiển thị."
    template = "steady/steady.html"
    cache = CachePolicy(timeout=60, tags={"articles"})

    def cache_tags(self, ctx, settings):
        raise ValueError("secret detail from cache_tags")


#: block name -> text that appears in the error (and must never reach readers)
FAILURES = {
    "broken_context": "RuntimeError: secret detail from get_context",
    "broken_template": "UndefinedError",
    "broken_prefetch": "LookupError: secret detail from prefetch",
    "not_a_dict": "TypeError: NotADict.get_context() must return a dict, not list",
    "broken_cache_tags": "ValueError: secret detail from cache_tags",
}


@hookimpl
def portal_register_blocks():
    return [BrokenContext, BrokenTemplate, BrokenPrefetch, NotADict, BrokenCacheTags]
