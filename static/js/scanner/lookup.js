// By hand, when a ticket cannot be scanned: look it up by code, phone or name, let the person
// in (or out) from the list, and undo one's own last admission. Online only: there is nothing
// to decide these with on the phone.
import { SignedOut } from "../gate/sync.js";
import { formatCode } from "./results.js";

// config: the page's configuration; post(url, body) -> {status, data} (throws SignedOut on a
// 401); scanBody(extra) and direction() as a scan has them; onAnswered() after a server's answer.
export function handActions({ config, post, scanBody, direction, newScanId, results, onAnswered, signedOut }) {
  const $ = (selector) => document.querySelector(selector);
  const { words, urls } = config;

  async function send(url, body) {
    try {
      const { status, data } = await post(url, body);
      if (status === 200) {
        results.show(data);
        onAnswered();
      } else {
        results.show({ tone: "red", message: (data.error && data.error.message) || words.error });
      }
    } catch (error) {
      if (error instanceof SignedOut) {
        await signedOut();
        results.show({ tone: "red", message: words.error });
        return;
      }
      results.show({ tone: "amber", message: words.needsNetwork });
    }
  }

  // A lookup's row answers as a scan of that ticket would, in the same words and colour; the
  // button appears only where a scan would let the person through, and names the ticket by code.
  function resultItem(ticket) {
    const item = document.createElement("li");
    item.className = "lookup-item";
    item.dataset.result = ticket.answer.result;
    const who = document.createElement("div");
    who.className = "lookup-who";
    const name = document.createElement("strong");
    name.textContent = ticket.name || formatCode(ticket.code);
    const facts = document.createElement("span");
    facts.className = "lookup-facts";
    const parts = [formatCode(ticket.code)];
    if (ticket.under_16) parts.push(words.under16);
    if (ticket.phone_tail) parts.push(`${words.phone}${ticket.phone_tail}`);
    facts.textContent = parts.join(" · ");
    const said = document.createElement("span");
    said.className = `lookup-answer lookup-answer-${ticket.answer.tone || (ticket.answer.ok ? "green" : "red")}`;
    said.textContent = ticket.answer.message;
    who.append(name, document.createElement("br"), facts, document.createElement("br"), said);
    item.append(who);
    if (ticket.can_admit) {
      const admit = document.createElement("button");
      admit.type = "button";
      admit.className = "button button-primary lookup-admit";
      admit.textContent = direction() === "out" ? words.letOut : words.admit;
      admit.addEventListener("click", () => send(urls.manual, scanBody({ code: ticket.code })));
      item.append(admit);
    }
    return item;
  }

  $("#lookup-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const list = $("#lookup-results");
    list.replaceChildren();
    try {
      const { status, data } = await post(urls.lookup, { show: config.show, q: $("#lookup-q").value, direction: direction() });
      if (status !== 200 || !data.tickets.length) {
        const empty = document.createElement("li");
        const error = data.error || {};
        empty.textContent = status === 200 ? words.noResults
          : (error.fields && error.fields.q) || error.message || words.error;
        list.append(empty);
        return;
      }
      list.append(...data.tickets.map(resultItem));
    } catch (error) {
      if (error instanceof SignedOut) await signedOut();
      const failed = document.createElement("li");
      failed.textContent = error instanceof SignedOut ? words.error : words.needsNetwork;
      list.append(failed);
    }
  });

  $("#undo-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = $("#undo-reason");
    await send(urls.undo, { reason: reason.value, gate: config.gate, client_scan_id: newScanId() });
    reason.value = "";
  });
}
