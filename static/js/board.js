// The standby board on a screen at the entrance: asks for the called number every few seconds.
const POLL_MS = 3000;
const root = document.getElementById("board");

async function poll() {
  try {
    const response = await fetch(root.dataset.boardUrl, { cache: "no-store", headers: { Accept: "application/json" } });
    if (response.ok) {
      const board = await response.json();
      document.getElementById("called-up-to").textContent = board.called_up_to;
      document.getElementById("issued").textContent = board.issued;
    }
  } catch (error) {
    // The screen keeps the last number until the network is back.
  } finally {
    setTimeout(poll, POLL_MS);
  }
}
setTimeout(poll, POLL_MS);
