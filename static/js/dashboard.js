// The organiser's live dashboard: polls the stats API and redraws the numbers, the capacity
// gauge, the gates table and the arrivals chart in place, without reloading the page.
const POLL_MS = 3000;
const root = document.getElementById("dashboard");

function setText(name, value) {
  for (const el of root.querySelectorAll(`[data-stat="${name}"]`)) {
    el.textContent = value;
  }
}

const percent = new Intl.NumberFormat(document.documentElement.lang || "vi", {
  style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1,
});

function renderGauge(stats) {
  const card = document.getElementById("inside-card");
  card.classList.remove("gauge-ok", "gauge-near", "gauge-full");
  card.classList.add(`gauge-${stats.capacity_level}`);
  const share = stats.venue_capacity ? Math.min(1, stats.inside / stats.venue_capacity) : 1;
  document.getElementById("gauge-fill").setAttribute("width", (share * 100).toFixed(1));
  const text = document.querySelector(`#level-texts`).content.querySelector(`[data-level="${stats.capacity_level}"]`);
  root.querySelector("[data-level-text]").textContent = text.textContent;
}

function renderGates(gates) {
  const rows = Object.entries(gates).map(([label, gate]) => {
    const row = document.createElement("tr");
    const head = document.createElement("th");
    head.scope = "row";
    head.textContent = label;
    row.append(head);
    for (const value of [gate.admitted, gate.refused, gate.reentered, gate.exited, gate.conflicts]) {
      const cell = document.createElement("td");
      cell.textContent = value;
      row.append(cell);
    }
    return row;
  });
  document.getElementById("gates-body").replaceChildren(...rows);
}

async function refreshChart() {
  const response = await fetch(root.dataset.chartUrl, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error(`chart ${response.status}`);
  const svg = new DOMParser().parseFromString(await response.text(), "image/svg+xml").documentElement;
  document.getElementById("arrivals-chart").replaceChildren(document.importNode(svg, true));
}

let lastArrivals = null;

async function poll() {
  try {
    const response = await fetch(root.dataset.statsUrl, {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
    });
    if (response.status === 401 || response.status === 403) {
      window.location.reload(); // signed out or deactivated: let the server send us to sign-in
      return;
    }
    if (!response.ok) throw new Error(`stats ${response.status}`);
    const stats = await response.json();
    for (const name of ["inside", "venue_capacity", "issued", "ticket_quota", "admitted", "waitlisted", "cancelled", "conflicts"]) {
      setText(name, stats[name]);
    }
    for (const group of ["reconfirmation", "standby", "messages"]) {
      for (const [name, value] of Object.entries(stats[group] || {})) setText(`${group}.${name}`, value);
    }
    document.getElementById("conflicts-card").classList.toggle("stat-warn", stats.conflicts > 0);
    const noShow = root.querySelector('[data-stat="no_show_share"]');
    noShow.textContent = stats.no_show_share === null ? noShow.dataset.empty : percent.format(stats.no_show_share);
    renderGauge(stats);
    renderGates(stats.gates);
    const arrivals = JSON.stringify(stats.arrivals);
    if (arrivals !== lastArrivals) {
      await refreshChart();
      lastArrivals = arrivals;
    }
    document.getElementById("updated-at").textContent = new Date().toLocaleTimeString("vi-VN", { hour12: false, timeZone: "Asia/Ho_Chi_Minh" });
    document.getElementById("stale").hidden = true;
  } catch (error) {
    document.getElementById("stale").hidden = false;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

if (root) {
  setTimeout(poll, POLL_MS);
}
