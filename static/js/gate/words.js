// What the scanner says by itself, from the page's configuration (checkin/gate/scanner_config.py):
// translated sentences whose holes are written {name}. The answers it decides offline are
// worded from the server's own table of scan sentences (checkin/web/scan_messages.py), filled
// from the answer by the table's fields as the server fills them.

// A sentence with its {hole}s filled from `values`; a hole without a value stays as written.
export function fill(text, values = {}) {
  return (text || "").replace(/\{(\w+)\}/g, (hole, name) => (name in values ? String(values[name]) : hole));
}

function field(answer, path) {
  let value = answer;
  for (const part of path.split(".")) value = value != null && typeof value === "object" ? value[part] : undefined;
  return value;
}

// Which sentence words an answer the phone decided alone: the server's, unless the phone knows
// less (no name on a codes-only list, no title of another show, only its own list).
export function offlineKey(answer) {
  const named = Boolean(answer.ticket && answer.ticket.name);
  if (answer.standby && answer.result === "admitted") return named ? "admitted.standby" : "admitted.standby.nameless";
  if (answer.standby && answer.result === "not_open" && answer.standby_not_called) return "not_open.standby_not_called";
  switch (answer.result) {
    case "admitted":
    case "exited":
      return named ? answer.result : `${answer.result}.nameless`;
    case "unknown":
    case "wrong_show":
      return `${answer.result}.offline`;
    case "not_open":
      return answer.show_over ? "not_open.show_over" : "not_open";
    default:
      return answer.result;
  }
}

// sentences: {key: {text, fields: {hole: dotted path into the answer}, missing}}
export function sentence(sentences, key, answer) {
  const row = sentences[key] || sentences.invalid;
  const values = {};
  for (const [hole, path] of Object.entries(row.fields || {})) {
    const value = field(answer, path);
    values[hole] = value == null ? row.missing : value;
  }
  return fill(row.text, values);
}
