// A school group's pass decided on the phone, without the server: the group comes from the gate
// list's groups ([pass code, school, class, [members' ticket codes]], checkin/group_admission.py),
// each member's state from the list's ticket entries, and each member is decided as a scan of
// their own ticket would be (decide.js). Pure functions: the caller keeps and queues the result.

import { decide } from "./decide.js";

const ADMITTED = new Set(["a", "o"]); // inside, or admitted and gone out

// The group of a verified pass code in a list's groups, or null.
export function findGroup(groups, passCode) {
  const found = (groups || []).find((group) => group[0] === passCode);
  if (!found) return null;
  const [, school, className, codes] = found;
  return { passCode, school, className, codes: codes || [] };
}

// What the panel shows, shaped like the server's answer (POST /api/v1/group-passes/lookup):
// the members whose ticket is valid in this phone's list.
export function groupView(group, entries) {
  const members = group.codes
    .filter((code) => entries.has(code) && !["c", "w", "x"].includes(entries.get(code).s))
    .map((code) => {
      const entry = entries.get(code);
      return { code, name: entry.n || "", inside: entry.s === "a", admitted: ADMITTED.has(entry.s) };
    });
  return {
    school: group.school,
    class_name: group.className,
    expected: members.length,
    already_in: members.filter((m) => m.admitted).length,
    members,
  };
}

// The members one step lets in: the ticked codes (those of the group), or the first `count` not
// yet admitted. Each -> {code, answer, change} from decide(); `change` is null for a refusal.
export function admitGroup({ group, entries, codes, count, show, gate, now, clock }) {
  const view = groupView(group, entries);
  const chosen = codes
    ? [...new Set(codes)].filter((code) => group.codes.includes(code))
    : view.members.filter((m) => !m.admitted).slice(0, Math.max(0, count || 0)).map((m) => m.code);
  // A copy of the entries, so that a code ticked twice is decided against its first answer.
  const seen = new Map(entries);
  return chosen.map((code) => {
    const { change, ...answer } = decide({ code, entry: seen.get(code), show, direction: "in", gate, now, clock });
    if (change) seen.set(code, change);
    return { code, answer, change };
  });
}
