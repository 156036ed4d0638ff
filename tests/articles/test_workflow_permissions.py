"""Who may do what to an article in each state: every role × own/others' × state × action,
through the real admin routes. The expected table is the issue's rule set, written out
here independently of portal.articles.PERMISSIONS; a refused step answers 403 and
changes nothing, an allowed one moves the article as the workflow says."""

from __future__ import annotations

import pytest
from admin.admin_helpers import csrf_of

from portal.content import articles as workflow
from portal.models import ARTICLE_STATUSES

from .conftest import article_fields, load, make_article, notes

EDITOR_RULES = {
    "view": set(ARTICLE_STATUSES),
    "edit": set(ARTICLE_STATUSES),
    "submit": {"draft"},
    "withdraw": set(),  # only their own (below)
    "publish": {"draft", "review", "archived"},
    "send_back": {"review"},
    "unpublish": {"published"},
    "delete": {"draft", "archived"},
}
#: (role, whose article) → action → states in which it is allowed.
EXPECTED = {
    ("author", "own"): {
        "view": set(ARTICLE_STATUSES),
        "edit": {"draft"},
        "submit": {"draft"},
        "withdraw": {"review"},
    },
    ("author", "others"): {},
    ("editor", "own"): {**EDITOR_RULES, "withdraw": {"review"}},
    ("editor", "others"): EDITOR_RULES,
    ("admin", "own"): {**EDITOR_RULES, "withdraw": {"review"}},
    ("admin", "others"): EDITOR_RULES,
}
ACTIONS = ("view", "edit", "submit", "withdraw", "publish", "send_back", "unpublish", "delete")
#: Where an allowed action leaves the article.
STATUS_AFTER = {
    "submit": "review",
    "withdraw": "draft",
    "publish": "published",
    "send_back": "draft",
    "unpublish": "archived",
}


def attempt(client, token: str, action: str, article_id: int, version: int, category_id: int):
    base = f"/admin/articles/{article_id}"
    if action == "view":
        return client.get(base)
    data = {"csrf_token": token, "version": str(version)}
    if action in ("edit", "submit", "publish"):
        intent = "save" if action == "edit" else action
        fields = article_fields(category_id, title="Tiêu đề đã sửa", intent=intent)
        return client.post(base, data={**data, **fields})
    if action == "delete":
        return client.post(f"{base}/delete", data=data)
    path = {"withdraw": "withdraw", "send_back": "send-back", "unpublish": "unpublish"}[action]
    return client.post(f"{base}/{path}", data={**data, "comment": "Cần bổ sung nguồn."})


def test_every_role_state_and_action(app, site, users, clients):
    tokens = {role: csrf_of(client.get("/admin/").get_data(as_text=True))
              for role, client in clients.items()}  # fmt: skip
    problems = []
    for (role, whose), rules in EXPECTED.items():
        owner = users[role] if whose == "own" else users["other_author"]
        for status in ARTICLE_STATUSES:
            for action in ACTIONS:
                article_id = make_article(app, created_by=owner, status=status)
                before = load(app, article_id)
                response = attempt(
                    clients[role], tokens[role], action, article_id, before.version,
                    site["category"],
                )  # fmt: skip
                after = load(app, article_id)
                allowed = status in rules.get(action, set())
                case = f"{role} {action} {whose} {status}"
                if not allowed:
                    if response.status_code != 403:
                        problems.append(f"{case}: expected 403, got {response.status_code}")
                    if (after.status, after.title, after.version) != (
                        before.status, before.title, before.version
                    ):  # fmt: skip
                        problems.append(f"{case}: refused but the article changed")
                    continue
                if action == "view":
                    if response.status_code != 200:
                        problems.append(f"{case}: expected 200, got {response.status_code}")
                elif response.status_code != 302:
                    problems.append(f"{case}: expected a redirect, got {response.status_code}")
                elif action == "delete":
                    if after is not None:
                        problems.append(f"{case}: the article is still there")
                elif action == "edit":
                    if after.title != "Tiêu đề đã sửa" or after.status != status:
                        problems.append(f"{case}: not saved as it was ({after.status})")
                elif after.status != STATUS_AFTER[action]:
                    problems.append(f"{case}: status {after.status}, not {STATUS_AFTER[action]}")
    assert problems == []


def test_the_matrix_in_code_matches_the_rules(app, users):
    """portal.articles.can() answers like the table above (the screens ask it for their buttons)."""
    from portal.models import Article, User

    with app.app_context():
        from portal.extensions import db

        for (role, whose), rules in EXPECTED.items():
            user = db.session.get(User, users[role])
            owner = users[role] if whose == "own" else users["other_author"]
            for status in ARTICLE_STATUSES:
                article = Article(id=10_000, status=status, created_by_id=owner)
                for action in ACTIONS:
                    assert workflow.can(user, action, article) == (
                        status in rules.get(action, set())
                    ), (role, whose, status, action)
            assert workflow.can(user, "create")


def test_send_back_needs_a_comment_and_the_author_sees_it(app, site, users, clients):
    article_id = make_article(app, created_by=users["author"], status="review")
    editor = clients["editor"]
    page = editor.get(f"/admin/articles/{article_id}").get_data(as_text=True)
    version = str(load(app, article_id).version)

    without = editor.post(
        f"/admin/articles/{article_id}/send-back",
        data={"csrf_token": csrf_of(page), "version": version, "comment": "  "},
    )
    assert without.status_code == 302
    assert load(app, article_id).status == "review"

    editor.post(
        f"/admin/articles/{article_id}/send-back",
        data={"csrf_token": csrf_of(page), "version": version,
              "comment": "Thiếu ảnh minh họa và nguồn tin."},
    )  # fmt: skip

    assert load(app, article_id).status == "draft"
    (note,) = notes(app, article_id)
    assert (note.action, note.comment, note.user_name) == (
        "send_back", "Thiếu ảnh minh họa và nguồn tin.", "Biên Tập Viên"
    )  # fmt: skip
    html = clients["author"].get(f"/admin/articles/{article_id}").get_data(as_text=True)
    assert "Biên Tập Viên đã trả bài lại lúc" in html
    assert "Thiếu ảnh minh họa và nguồn tin." in html
    dashboard = clients["author"].get("/admin/").get_data(as_text=True)
    assert "Bị trả lại, cần sửa (1)" in dashboard
    assert "Thiếu ảnh minh họa và nguồn tin." in dashboard


def test_each_step_leaves_a_note_and_an_audit_entry(app, site, users, clients):
    from .conftest import audit_actions, post_article

    author, editor = clients["author"], clients["editor"]
    response = post_article(
        author, "/admin/articles/new", article_fields(site["category"], intent="submit")
    )
    article_id = int(response.headers["Location"].rsplit("/", 1)[1])
    post_article(
        editor, f"/admin/articles/{article_id}", article_fields(site["category"], intent="publish")
    )
    page = editor.get(f"/admin/articles/{article_id}").get_data(as_text=True)
    editor.post(
        f"/admin/articles/{article_id}/unpublish",
        data={"csrf_token": csrf_of(page), "version": load(app, article_id).version,
              "comment": "Đính chính số liệu"},
    )  # fmt: skip

    assert [(n.action, n.user_name) for n in notes(app, article_id)] == [
        ("submit", "Tác Giả Một"),
        ("publish", "Biên Tập Viên"),
        ("unpublish", "Biên Tập Viên"),
    ]
    assert load(app, article_id).status == "archived"
    actions = audit_actions(app)
    for action in ("article.create", "article.submit", "article.publish", "article.unpublish"):
        assert action in actions


@pytest.mark.parametrize("role", ["author", "editor"])
def test_a_step_from_an_outdated_screen_is_refused(app, site, users, clients, role):
    """Publishing or sending back what someone changed since you looked at it is refused."""
    article_id = make_article(app, created_by=users["author"], status="review")
    client = clients[role]
    page = client.get(f"/admin/articles/{article_id}").get_data(as_text=True)
    old_version = load(app, article_id).version
    with app.app_context():
        from portal.extensions import db
        from portal.models import Article

        db.session.get(Article, article_id).lead = "Sửa bởi người khác."
        db.session.commit()

    action = "withdraw" if role == "author" else "send-back"
    response = client.post(
        f"/admin/articles/{article_id}/{action}",
        data={"csrf_token": csrf_of(page), "version": old_version, "comment": "Sửa lại"},
    )

    assert response.status_code == 302
    assert load(app, article_id).status == "review"
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Chưa thực hiện được." in follow and "sau khi bạn mở nó" in follow
