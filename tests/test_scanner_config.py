"""The scanner page's one configuration (#scanner-config): its offline words come from the same
table as the server's answers (checkin/web/scan_messages.SENTENCES), in the page's language, and
the phone fills them as the server does (static/js/gate/words.js, run here with node); every
module the page loads is in the service worker's cache."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from checkin.admission import RESULTS, UNDONE
from checkin.web.scan_messages import SENTENCES, scan_message, sentence_key
from tests.support.gate import add_gates, add_volunteer, open_show, scanner_config
from tests.support.web import csrf_token, login

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
NODE = shutil.which("node")

# Answers shaped like the server's (present() resolves the show's title before the page sees it).
TICKET = {
    "code": "ABCD2345",
    "name": "Lan",
    "show": "gate",
    "show_title": {"vi": "Đêm nhạc", "en": "Concert"},
}
ANSWERS = [
    {"result": "admitted", "ticket": TICKET},
    {"result": "admitted", "ticket": TICKET, "standby": {"number": 7, "called_up_to": 9}},
    {"result": "reentered", "ticket": TICKET, "first_admitted_at": "18:05", "first_gate": "Cổng A"},
    {"result": "exited", "ticket": TICKET},
    {"result": "already_inside", "ticket": TICKET, "first_admitted_at": "18:05", "first_gate": "Cổng A"},
    {"result": "already_inside", "ticket": TICKET},
    {"result": "not_inside", "ticket": TICKET},
    {"result": "invalid"},
    {"result": "unknown"},
    {"result": "wrong_show", "ticket": TICKET},
    {"result": "cancelled", "ticket": TICKET},
    {"result": "waitlisted", "ticket": TICKET},
    {"result": "venue_full", "ticket": TICKET},
    {"result": "not_open", "ticket": TICKET, "doors_open_at": "19:00", "doors_open_on": "01/12"},
    {"result": "not_open", "ticket": TICKET, "show_over": True},
    {
        "result": "not_open",
        "ticket": TICKET,
        "standby": {"number": 12, "called_up_to": 9},
        "standby_not_called": True,
    },
    {"result": "conflict", "ticket": TICKET, "conflict": "venue_full"},
    {
        "result": "conflict",
        "ticket": TICKET,
        "conflict": "already_admitted",
        "first_admitted_at": "18:05",
        "first_gate": "Cổng A",
    },
    {"result": "undone", "ticket": TICKET},
]


def _node(script: str, stdin: object) -> object:
    if NODE is None:
        pytest.fail("node is needed to run the scanner's modules (make test runs node --test too)")
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script],
        input=json.dumps(stdin),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)


@pytest.fixture
def scanner_page(app, client):
    open_show(app)
    add_gates(app, "gate", "Cổng A")
    add_volunteer(app, "vol", password=PASSWORD)
    login(client, "vol", PASSWORD)
    token = csrf_token(client, "/gate/setup")
    client.post("/gate/setup", data={"show": "gate", "gate": "Cổng A", "csrf_token": token})

    def get(lang: str) -> str:
        response = client.get(f"/gate?lang={lang}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    return get


def test_every_result_of_the_domain_has_its_sentence_and_every_sentence_a_result():
    assert set(RESULTS) | {UNDONE} <= set(SENTENCES)
    assert {key.split(".")[0] for key in SENTENCES} == set(RESULTS) | {UNDONE}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_page_carries_the_servers_sentences_in_its_language(app, scanner_page, lang):
    config = scanner_config(scanner_page(lang))
    assert config["lang"] == lang
    assert set(config["sentences"]) == set(SENTENCES)
    for result in (*RESULTS, UNDONE):
        assert config["sentences"][result]["text"], result
    # Each online answer, as the page words it from its configuration, says what the server says.
    with app.test_request_context(f"/?lang={lang}"):
        server = [scan_message(answer) for answer in ANSWERS]
        keys = [sentence_key(answer) for answer in ANSWERS]
    phone = _node(
        """
        import { sentence } from "./static/js/gate/words.js";
        let input = "";
        for await (const chunk of process.stdin) input += chunk;
        const { sentences, answers, keys } = JSON.parse(input);
        console.log(JSON.stringify(answers.map((answer, i) => sentence(sentences, keys[i], answer))));
        """,
        {
            "sentences": config["sentences"],
            "keys": keys,
            "answers": [_as_presented(answer, lang) for answer in ANSWERS],
        },
    )
    assert phone == server
    assert len(set(server)) == len(server)  # no two answers worded alike by mistake
    if lang == "vi":
        assert "Vé hợp lệ" in config["sentences"]["admitted"]["text"]
    else:
        assert config["sentences"]["admitted"]["text"] == "Valid ticket: welcome in, {name}!"


def _as_presented(answer: dict, lang: str) -> dict:
    if "ticket" not in answer:
        return answer
    return {**answer, "ticket": {**answer["ticket"], "show_title": answer["ticket"]["show_title"][lang]}}


def test_every_answer_the_phone_decides_alone_has_its_sentence():
    """Every answer decide() can give, in each direction and state, picks a key of the table."""
    keys = _node(
        """
        import { decide } from "./static/js/gate/decide.js";
        import { offlineKey } from "./static/js/gate/words.js";
        const clock = () => ({ time: "18:00", day: "01/12" });
        const keys = new Set();
        const shows = [{ doorsOpenAt: 0, admitsUntil: 10, reentry: true },
          { doorsOpenAt: 100, admitsUntil: 200, reentry: false }];
        for (const code of [null, "ABCD2345"])
          for (const s of [undefined, "i", "a", "o", "c", "w", "x"])
            for (const n of [undefined, "Lan"])
              for (const show of shows)
                for (const now of [50, 150, 250])
                  for (const direction of ["in", "out"]) {
                    const entry = s ? { s, n } : undefined;
                    keys.add(offlineKey(decide({ code, entry, show, direction, gate: "A", now, clock })));
                  }
        console.log(JSON.stringify([...keys].sort()));
        """,
        None,
    )
    assert set(keys) <= set(SENTENCES), set(keys) - set(SENTENCES)
    assert {"admitted.nameless", "unknown.offline", "not_open.show_over", "not_open"} <= set(keys)


def _imports(path: Path, seen: set[Path]) -> set[Path]:
    """The static imports of an ES module, followed through."""
    if path in seen:
        return seen
    seen.add(path)
    for target in re.findall(r'^\s*import\s[^;]*?from\s+"(\.[^"]+)"', path.read_text(), re.M):
        _imports((path.parent / target).resolve(), seen)
    return seen


def test_the_service_worker_caches_every_module_the_scanner_loads(app, client, scanner_page):
    html = scanner_page("vi")
    [entry] = re.findall(r'<script type="module" src="/static/([^"?]+)', html)
    modules = _imports((ROOT / "static" / entry).resolve(), set())
    assert {path.name for path in modules} >= {"main.js", "camera.js", "results.js", "lookup.js", "queue.js"}
    worker = client.get("/gate/sw.js").get_data(as_text=True)
    files = json.loads(re.search(r"const FILES = (\[.*?\]);", worker).group(1))
    for path in modules:
        assert "/static/" + path.relative_to(ROOT / "static").as_posix() in files, path
    config = scanner_config(html)
    for url in (config["urls"]["decoder"], config["urls"]["wasm"], config["urls"]["noble"]):
        assert url in files  # loaded on demand, offline too
