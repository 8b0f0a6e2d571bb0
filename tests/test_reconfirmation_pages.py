"""Reconfirmation through its entry points: the console page, the command line, the e-mail and
its links (a GET changes nothing, the page's button answers), the stats JSON and dashboard."""

from __future__ import annotations

import re
from datetime import timedelta
from email import policy
from email.parser import BytesParser

from checkin.shows import to_local
from tests.support.organiser import form_token, organiser_client
from tests.support.reconfirming import show_with_holders, statuses


def _eml(folder):
    return [
        BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))
    ]


def test_console_starts_mails_answers_and_counts(app, now, runner, tmp_path):
    app.config["OUTBOX_PATH"] = str(tmp_path / "outbox")
    holders, waiting = show_with_holders(app, issued=3, waiting=1, now=now)
    runner.invoke(args=["mail", "send"])  # the confirmation e-mails, out of the way
    for eml in (tmp_path / "outbox").glob("*.eml"):
        eml.unlink()
    client = organiser_client(app, now)
    page = "/organiser/shows/rc/reconfirmation"
    deadline = to_local(now + timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M")
    token = form_token(client, page)
    too_late = client.post(
        page,
        data={
            "csrf_token": token,
            "deadline": to_local(now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "remind_minutes": "60",
        },
    )
    assert too_late.status_code == 422 and "trước giờ mở cửa" in too_late.get_data(as_text=True)
    started = client.post(page, data={"csrf_token": token, "deadline": deadline, "remind_minutes": "60"})
    assert started.status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert 'data-stat="reconfirmation.asked">3<' in html and 'data-stat="reconfirmation.silent">3<' in html

    assert "sent 3, failed 0" in runner.invoke(args=["mail", "send"]).output
    messages = _eml(tmp_path / "outbox")
    assert {m["Subject"] for m in messages} == {"Bạn vẫn đến Buổi rc chứ?"}
    text = messages[0].get_body(("plain",)).get_content()
    links = re.findall(r"http\S+/reconfirm\?answer=(?:coming|declined)", text)
    assert len(links) == 2
    holder = app.test_client()
    coming = links[0].split("://", 1)[1].split("/", 1)[1]
    path = "/" + coming
    assert holder.get(path).status_code == 200  # a mail scanner opening the link changes nothing
    token_of_mail = path.split("/")[2]
    assert statuses(app, [token_of_mail]) == ["issued"]
    html = holder.get(path).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    answered = holder.post(path.split("?")[0], data={"csrf_token": csrf, "answer": "coming"})
    assert answered.status_code == 303
    assert "chỗ của bạn được giữ" in holder.get(path).get_data(as_text=True)
    assert holder.post(path.split("?")[0], data={"answer": "coming"}).status_code == 400  # CSRF

    other = next(t for t in holders if t != token_of_mail)
    html = holder.get(f"/t/{other}/reconfirm?answer=declined").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert (
        holder.post(f"/t/{other}/reconfirm", data={"csrf_token": csrf, "answer": "declined"}).status_code
        == 303
    )
    assert statuses(app, [other, *waiting]) == ["cancelled", "issued"]

    stats = client.get("/api/v1/shows/rc/stats").get_json()["reconfirmation"]
    assert {k: stats[k] for k in ("asked", "confirmed", "declined", "silent", "released", "promoted")} == {
        "asked": 3,
        "confirmed": 1,
        "declined": 1,
        "silent": 1,
        "released": 0,
        "promoted": 1,
    }
    dashboard = client.get("/organiser/?show=rc").get_data(as_text=True)
    assert 'id="reconfirmation-card"' in dashboard and 'data-stat="reconfirmation.promoted">1<' in dashboard

    assert client.post(f"{page}/cancel", data={"csrf_token": form_token(client, page)}).status_code == 303
    assert client.get("/api/v1/shows/rc/stats").get_json()["reconfirmation"]["state"] == "cancelled"


def test_command_line(app, now, runner):
    show_with_holders(app, issued=2, waiting=0, now=now)
    deadline = to_local(now + timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M")
    result = runner.invoke(args=["reconfirm", "start", "rc", "--deadline", deadline])
    assert result.exit_code == 0 and "asked 2" in result.output and "silent 2" in result.output, result.output
    again = runner.invoke(args=["reconfirm", "start", "rc", "--deadline", deadline])
    assert again.exit_code == 0 and "asked 2" in again.output
    assert "reconfirmation running" in runner.invoke(args=["reconfirm", "status", "rc"]).output
    bad = runner.invoke(args=["reconfirm", "start", "nope", "--deadline", deadline])
    assert bad.exit_code != 0 and "not_found" in bad.output
    assert "reconfirmation cancelled" in runner.invoke(args=["reconfirm", "cancel", "rc"]).output
