// A school group's pass at the gate: the group, how many are expected and already in, and one
// step that lets in those present, by a count or by ticking names. Each person is admitted on
// their own ticket by the server (exactly once, within the venue capacity); online only.
import { fill } from "./words.js";

const $ = (selector) => document.querySelector(selector);

// config: the scanner page's configuration (checkin/gate/scanner_config.py); post(url, body) ->
// {status, data}; scanBody(extra) as a scan has it; onDone() after people were let in.
export function groupGate({ config, post, scanBody, onDone }) {
  const { urls, words } = config;
  const panel = $("#group-panel");
  let payload = "";

  function render(group) {
    $("#group-title").textContent = `${group.school} – ${group.class_name}`;
    $("#group-counts").textContent = fill(words.groupCounts, { expected: group.expected, inside: group.already_in });
    const waiting = group.members.filter((m) => !m.admitted);
    $("#group-count").value = String(waiting.length);
    $("#group-count").max = String(waiting.length);
    const list = $("#group-members");
    list.replaceChildren(...waiting.map((member, i) => {
      const item = document.createElement("li");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = `group-member-${i}`;
      box.value = member.code;
      const label = document.createElement("label");
      label.htmlFor = box.id;
      label.textContent = member.name;
      item.append(box, " ", label);
      return item;
    }));
    panel.hidden = false;
    $("#group-title").focus();
  }

  async function refresh() {
    const answer = await post(urls.groupLookup, { payload, show: config.show });
    if (answer.status !== 200) {
      $("#group-answer").textContent = (answer.data.error && answer.data.error.message) || words.error;
      return false;
    }
    render(answer.data);
    return true;
  }

  async function admit(extra) {
    const body = { ...scanBody({ payload }), ...extra };
    delete body.direction;
    delete body.scanned_at;
    const answer = await post(urls.groupAdmit, body);
    if (answer.status !== 200) {
      $("#group-answer").textContent = (answer.data.error && answer.data.error.message) || words.error;
      return;
    }
    const r = answer.data.results;
    await refresh();
    // After the list is fresh, so that the answer and the counts on screen agree.
    $("#group-answer").textContent = fill(words.groupDone, {
      admitted: answer.data.admitted, already: r.already_inside || 0, full: r.venue_full || 0 });
    onDone();
  }

  $("#group-count-form").addEventListener("submit", (event) => {
    event.preventDefault();
    admit({ count: Number($("#group-count").value) || 0 });
  });
  $("#group-ticks-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const codes = [...document.querySelectorAll("#group-members input:checked")].map((box) => box.value);
    if (codes.length) admit({ codes });
  });
  $("#group-close").addEventListener("click", () => { panel.hidden = true; });

  return {
    async open(scanned) {
      payload = scanned;
      $("#group-answer").textContent = "";
      return refresh();
    },
  };
}
