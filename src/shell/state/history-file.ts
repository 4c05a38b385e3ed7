// The goal history, kept per user in the user's own state directory (the TUI runs as that
// user, so the file is theirs): one JSON string per line, so multi-line goals survive.
// Read after the first frame is drawn; a missing or damaged file is an empty history.
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HISTORY_MAX } from './input-state.js';

export function historyPath(env: NodeJS.ProcessEnv): string | null {
  const explicit = env['AIOS_HISTORY_FILE'];
  if (explicit !== undefined) return explicit === '' ? null : explicit;
  const state = env['XDG_STATE_HOME'] || (env['HOME'] ? join(env['HOME'], '.local', 'state') : '');
  return state === '' ? null : join(state, 'aios', 'shell-history');
}

export async function loadHistory(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (typeof v === 'string' && v !== '') out.push(v);
    } catch {
      // A torn last line from a crash: skip it, keep the rest.
    }
  }
  if (out.length > HISTORY_MAX * 2) {
    // Compact now and then, so the file stays small.
    const kept = out.slice(-HISTORY_MAX);
    await writeFile(path, kept.map((h) => `${JSON.stringify(h)}\n`).join(''), { mode: 0o600 }).catch(() => undefined);
    return kept;
  }
  return out.slice(-HISTORY_MAX);
}

export async function appendHistory(path: string, entry: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await appendFile(path, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
}
