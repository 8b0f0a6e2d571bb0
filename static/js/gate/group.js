// A school group's pass at the gate: the group, how many are expected and already in, and one
// step that lets in those present, by a count or by ticking names. Online, each person is
// admitted on their own ticket by the server (exactly once, within the venue capacity). Without
// network, the phone decides from its gate list (group_offline.js) and queues one scan per
// member admitted, which the server replays as that member's own offline admission.
import { SignedOut } from "./sync.js";
import { fill } from "./words.js";

const $ = (selector) => document.querySelector(selector);

// config: the scanner page's configuration (checkin/gate/scanner_config.py); post(url, body) ->
// {status, data}; scanBody(extra) as a scan has it; onDone() after people were let in;
// offline: {list, store, link, pending(count)}: the scanner's gate list, queue and link.
export function groupGate({ config, post, scanBody, onDone, offline }) {
  const { urls, words } = config;
  const panel = $("#group-panel");
  let payload = "";
  let local = null; // the group as this phone's list has it, while deciding offline

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
      label.textContent = member.name || `${member.code.slice(0, 4)}-${member.code.slice(4)}`;
      item.append(box, " ", label);
      return item;
    }));
    panel.dataset.offline = local ? "true" : "false";
    $("#group-offline").hidden = !local;
    panel.hidden = false;
    $("#group-title").focus();
  }

  function failed(answer) {
    $("#group-answer").textContent = (answer.data.error && answer.data.error.message) || words.error;
  }

  async function refresh() {
    const answer = await post(urls.groupLookup, { payload, show: config.show });
    if (answer.status !== 200) {
      failed(answer);
      return false;
    }
    render(answer.data);
    return true;
  }

  // The group from this phone's list (the pass's signature checked here too), or a refusal.
  async function openOffline() {
    local = offline.list.ready ? await offline.list.group(payload) : null;
    if (!local) {
      $("#group-answer").textContent = words.needsNetwork;
      return false;
    }
    render(offline.list.groupView(local));
    return true;
  }

  async function admitOffline(step) {
    const now = Date.now();
    const scannedAt = new Date(now).toISOString();
    const stepId = scanBody({}).client_scan_id;
    const decided = offline.list.admitGroup(local, { ...step, gate: config.gate, now });
    const items = decided.map(({ code, answer, change }) => ({
      client_scan_id: `${stepId}.${code}`, payload, member: code, show: config.show, gate: config.gate,
      direction: "in", scanned_at: scannedAt, local_result: answer.result, code, change,
    }));
    const records = decided.filter((d) => d.change).map(({ code, change }) => offline.list.remember(code, change));
    try {
      // Kept before it is shown: a step the volunteer has seen answered is never lost.
      await offline.store.enqueueAll(items, records);
    } catch (error) {
      await offline.list.load(); // what was remembered in memory but not kept is forgotten
      $("#group-answer").textContent = words.notSaved;
      return;
    }
    offline.pending(await offline.store.pending());
    offline.link.schedule();
    const admitted = decided.filter((d) => d.answer.ok).length;
    render(offline.list.groupView(local));
    $("#group-answer").textContent = fill(words.groupDone, {
      admitted, already: decided.length - admitted, full: 0 });
  }

  async function admit(step) {
    if (local) {
      await admitOffline(step);
      return;
    }
    const body = { ...scanBody({ payload }), ...step };
    delete body.direction;
    delete body.scanned_at;
    let answer;
    try {
      answer = await post(urls.groupAdmit, body);
    } catch (error) {
      if (error instanceof SignedOut) throw error;
      // The network went between the look-up and the step: decided here, as a scan would be.
      if (await openOffline()) await admitOffline(step);
      return;
    }
    if (answer.status !== 200) {
      failed(answer);
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
    // Online when the link is; a look-up the network fails falls back to the phone's list.
    // Throws SignedOut.
    async open(scanned) {
      payload = scanned;
      local = null;
      $("#group-answer").textContent = "";
      if (offline.link.online && navigator.onLine !== false) {
        try {
          return await refresh();
        } catch (error) {
          if (error instanceof SignedOut) throw error;
          offline.link.setOnline(false);
        }
      }
      return openOffline();
    },
  };
}
