"""gunicorn settings for the portal: ``gunicorn -c deploy/gunicorn.conf.py portal.wsgi:app``.

Every value can be changed by the environment as noted. See docs/operations.md.
"""

import multiprocessing
import os

# Where to listen: the reverse proxy (deploy/nginx/portal.conf) talks to this address.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: a page is CPU work; two per core is gunicorn's advice. Several workers need
# Redis (PORTAL_CACHE_URL) so that caches and view counts are shared.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
# A request that takes longer than this is stuck (the database or Redis have their own,
# shorter time-outs: PORTAL_DATABASE_CONNECT_TIMEOUT, PORTAL_REDIS_TIMEOUT_MS).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
# On SIGTERM (systemctl stop, a deploy) workers finish their requests, then exit normally:
# the views and visits they hold are written at exit (portal/content/view_counter.py).
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 20))
# A worker is replaced after this many requests (with jitter): memory never creeps.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = max_requests // 10
# Behind the proxy: trust its X-Forwarded-* from this address only (the portal itself reads
# them according to PORTAL_PROXY_COUNT).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None  # "-" for stdout
errorlog = "-"

# Prometheus metrics with several workers (PORTAL_METRICS=on; docs/operations.md, "Metrics"):
# set PROMETHEUS_MULTIPROC_DIR (or PORTAL_METRICS_MULTIPROC_DIR) to a folder of its own,
# writable by the workers. Each worker writes its counts there and /metrics, whichever
# worker answers it, adds them all up. The folder is emptied when gunicorn starts (counts
# of an earlier run would be added in), and a worker's files are marked dead when it exits.
metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get(
    "PORTAL_METRICS_MULTIPROC_DIR"
)
if metrics_dir:
    # Read by prometheus_client when a worker first imports it.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir


def on_starting(server):
    """Tell the workers how many of them there are, whatever set the number (this file,
    ``-w``, ``GUNICORN_CMD_ARGS``): the production profile refuses per-process caches and
    view buffers with several workers (portal/deploy_check.py reads WEB_CONCURRENCY).
    And empty the metrics folder: a new run starts its counts at zero."""
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)
    if metrics_dir:
        os.makedirs(metrics_dir, exist_ok=True)
        for name in os.listdir(metrics_dir):
            if name.endswith(".db"):
                os.unlink(os.path.join(metrics_dir, name))


def child_exit(server, worker):
    """A worker ended (replaced after max_requests, or stopped): its live gauges go."""
    if metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
