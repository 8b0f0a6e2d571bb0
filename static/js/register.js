// Shows the guardian's fields only when the year of birth says the attendee may be under 16.
const GUARDIAN_AGE = 16;
const year = document.querySelector("#birth_year");
const guardian = document.querySelector("#guardian");

function update() {
  const born = Number.parseInt(year.value, 10);
  const mayBeChild = !(born >= 1900) || new Date().getFullYear() - born <= GUARDIAN_AGE;
  const hasErrors = guardian.querySelector(".field-error") !== null;
  guardian.hidden = !mayBeChild && !hasErrors;
}

if (year && guardian) {
  year.addEventListener("input", update);
  update();
}
