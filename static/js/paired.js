// After pairing, hand the chosen show and gate to the gate page's own form at once.
const form = document.querySelector("form[data-auto-submit]");
if (form) form.requestSubmit();
