vcl 4.1;
# Varnish in front of the portal: keeps readers' pages as the portal's Cache-Control
# says (s-maxage), and drops them by tag when the portal purges (docs/operations.md,
# "A caching proxy"). The portal sends `PURGE /` with the tags in Surrogate-Key
# (PORTAL_EDGE_PURGE_URLS=http://<this varnish>/); every kept page whose
# Surrogate-Key holds one of them is banned.

import std;

backend portal {
    .host = "127.0.0.1";
    .port = "8000";
}

# Who may purge: the portal's servers.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (!client.ip ~ purgers) {
            return (synth(405, "Purging is not allowed from here"));
        }
        if (!req.http.Surrogate-Key) {
            return (synth(400, "Name the tags to purge in Surrogate-Key"));
        }
        # "article:42 articles" -> (^|\s)(article:42|articles)(\s|$)
        std.ban("obj.http.Surrogate-Key ~ (^|\s)(" +
            regsuball(req.http.Surrogate-Key, "\s+", "|") + ")(\s|$)");
        return (synth(200, "Purged"));
    }
    # Signed-in users (session or remember-me cookie) go to the portal every time; other
    # cookies (a reader's analytics) do not split the cache.
    if (req.http.Cookie ~ "(^|;\s*)(session|remember_token)=") {
        return (pass);
    }
    unset req.http.Cookie;
}

sub vcl_backend_response {
    # Pages are purged by tag, so they may be kept as long as s-maxage says; an error
    # is not kept.
    if (beresp.status >= 500) {
        set beresp.uncacheable = true;
        set beresp.ttl = 0s;
        return (deliver);
    }
}

sub vcl_deliver {
    # The tags are for this cache only.
    unset resp.http.Surrogate-Key;
}
