// The edits install makes inside files that other programs own (/etc/shells, /etc/passwd,
// /etc/group), each with its inverse, so uninstall can take back exactly aiOS's change even
// when someone else changed the same file since.

export type TextEdit =
  | { type: 'ensure-line'; line: string }
  | { type: 'set-shell'; user: string; from: string; to: string }
  | { type: 'add-line'; line: string }
  /** Adds `user` to the member list (the fourth field) of `group` in /etc/group or /etc/gshadow. */
  | { type: 'add-member'; group: string; user: string }
  | { type: 'whole-file' };

function lines(text: string): string[] {
  const l = text.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

function join(l: string[]): string {
  return l.length === 0 ? '' : l.join('\n') + '\n';
}

/** The passwd line of `user`, split into its seven fields, or undefined. */
export function passwdEntry(text: string, user: string): string[] | undefined {
  return lines(text)
    .map((l) => l.split(':'))
    .find((f) => f[0] === user && f.length === 7);
}

export function applyEdit(text: string, edit: TextEdit): string {
  switch (edit.type) {
    case 'ensure-line':
      return lines(text).includes(edit.line) ? text : join([...lines(text), edit.line]);
    case 'add-line':
      return join([...lines(text), edit.line]);
    case 'set-shell':
      return join(
        lines(text).map((l) => {
          const f = l.split(':');
          if (f[0] !== edit.user || f.length !== 7) return l;
          f[6] = edit.to;
          return f.join(':');
        }),
      );
    case 'add-member':
      return editMembers(text, edit.group, (members) =>
        members.includes(edit.user) ? members : [...members, edit.user],
      );
    case 'whole-file':
      return text;
  }
}

function editMembers(text: string, group: string, change: (members: string[]) => string[]): string {
  return join(
    lines(text).map((l) => {
      const f = l.split(':');
      if (f[0] !== group || f.length !== 4) return l;
      f[3] = change((f[3] ?? '').split(',').filter(Boolean)).join(',');
      return f.join(':');
    }),
  );
}

/** Whether `user` is listed as a member of `group` (not counting a primary group). */
export function isMember(groupText: string, group: string, user: string): boolean {
  return lines(groupText).some((l) => {
    const f = l.split(':');
    return f[0] === group && (f[3] ?? '').split(',').includes(user);
  });
}

/** Undoes one edit on the file as it is now; `kept` says why an edit was left in place. */
export function revertEdit(text: string, edit: TextEdit): { text: string; kept: string | null } {
  switch (edit.type) {
    case 'ensure-line':
    case 'add-line': {
      const l = lines(text);
      const i = l.indexOf(edit.line);
      if (i === -1) return { text, kept: null };
      l.splice(i, 1);
      return { text: join(l), kept: null };
    }
    case 'set-shell': {
      const entry = passwdEntry(text, edit.user);
      if (entry === undefined) return { text, kept: null };
      if (entry[6] !== edit.to)
        return { text, kept: `${edit.user}'s shell is now ${entry[6] ?? ''}, not ${edit.to}; left as it is` };
      return {
        text: applyEdit(text, { type: 'set-shell', user: edit.user, from: edit.to, to: edit.from }),
        kept: null,
      };
    }
    case 'add-member':
      return { text: editMembers(text, edit.group, (members) => members.filter((m) => m !== edit.user)), kept: null };
    case 'whole-file':
      return { text, kept: 'the file was changed after install; left as it is' };
  }
}

/** The next free id below 1000 counting down from 999, as `useradd -r` picks system ids. */
export function freeSystemId(groupText: string): number {
  const used = new Set(lines(groupText).map((l) => Number(l.split(':')[2])));
  for (let id = 999; id >= 100; id--) if (!used.has(id)) return id;
  throw new Error('no free system group id between 100 and 999');
}

export function hasGroup(groupText: string, name: string): boolean {
  return lines(groupText).some((l) => l.split(':')[0] === name);
}
