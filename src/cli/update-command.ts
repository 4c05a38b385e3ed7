// `aios update`: A/B updates of aiOS itself. `aios update BUNDLE` installs a signed bundle into
// the slot that does not run and restarts the node into it; `--rollback` goes back to the other
// slot; `--status` says which slot runs, what each holds and how the last one went. Installing
// and going back restart the node, so they ask first (--yes, or y at a terminal).
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { UpdateAccepted, UpdateStatus } from '../protocol/update.js';
import { sanitize } from '../text/sanitize.js';
import { withClient, type Io } from './commands.js';
import { EXIT } from './exit-codes.js';

export interface UpdateOptions {
  rollback?: boolean;
  status?: boolean;
  allowDowngrade?: boolean;
  yes?: boolean;
}

export async function updateCommand(
  socketPath: string,
  bundle: string | undefined,
  o: UpdateOptions,
  io: Io,
  interactive: boolean,
): Promise<number> {
  const chosen = [bundle !== undefined, o.rollback === true, o.status === true].filter(Boolean).length;
  if (chosen !== 1) {
    io.err('aios update: give a bundle (aios update FILE), or --rollback, or --status');
    return EXIT.usage;
  }
  if (o.status === true)
    return withClient(socketPath, io, async (c) => printStatus(await c.call('update/status', {}), io));
  const what =
    bundle === undefined
      ? 'go back to the other slot and restart the node into it'
      : `install ${bundle} into the other slot and restart the node into it`;
  if (o.yes !== true) {
    if (!interactive) {
      io.err(`aios update: this would ${what}; run again with --yes`);
      return EXIT.usage;
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`This will ${what}. Go on? [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      io.err('nothing changed');
      return EXIT.failed;
    }
  }
  return withClient(socketPath, io, async (c) => {
    const r =
      bundle === undefined
        ? await c.call('update/rollback', {})
        : await c.call('update/request', {
            bundle: resolve(bundle),
            ...(o.allowDowngrade === true ? { allowDowngrade: true } : {}),
          });
    if (io.json) io.out(JSON.stringify(r));
    else io.out(accepted(r));
    return EXIT.ok;
  });
}

function accepted(r: UpdateAccepted): string {
  const what = r.kind === 'update' ? `update ${r.id}: aiOS ${r.to.version}` : `rollback ${r.id}: aiOS ${r.to.version}`;
  return [
    `${what} is in slot ${r.to.slot}${r.keyId === null ? '' : ` (signed by key ${r.keyId})`}; the node restarts into it now`,
    `it must pass its health check there, or the node comes back to slot ${r.from.slot} (${r.from.version}) by itself`,
    'afterwards: aios update --status',
  ].join('\n');
}

function printStatus(s: UpdateStatus, io: Io): number {
  if (io.json) {
    io.out(JSON.stringify(s));
    return EXIT.ok;
  }
  const one = (t: string): string => sanitize(t, { singleLine: true });
  const lines = [
    `running: aiOS ${one(s.version)}${s.commit === null ? '' : ` (${s.commit.slice(0, 12)})`}${s.slot === null ? '' : ` in slot ${s.slot}`}`,
    `other:   ${s.other === null ? 'empty' : `aiOS ${one(s.other.version)} in slot ${s.other.slot}`}`,
  ];
  if (s.grub !== null) lines.push(`grub:    aios_active=${s.grub.active ?? '-'} aios_next=${s.grub.next ?? '-'}`);
  if (s.last !== null) {
    const l = s.last;
    lines.push(
      `last:    ${l.kind} ${l.id} to ${one(l.to.version)} (slot ${l.to.slot}) by ${one(l.requestedBy)} at ${l.requestedAt}: ${l.phase}${l.reason === null ? '' : ` (${one(l.reason)})`}`,
    );
  }
  if (s.unavailable !== null) lines.push(`updates: not here: ${one(s.unavailable)}`);
  if (s.notice !== null) lines.push(`! ${one(s.notice)}`);
  io.out(lines.join('\n'));
  return EXIT.ok;
}
