// The CLI verbs of tools, manual snapshots and the ledger export. Like every verb they ask
// aiosd; none acts on the node itself.
import { sanitize } from '../text/sanitize.js';
import { reviewOrRun, withClient, type Io } from './commands.js';
import { formatGoal } from './format.js';

/** Parses --args: a JSON object, or a clear error saying how to write one. */
export function parseToolArgs(text: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `--args is not valid JSON (${(err as Error).message}); write an object, e.g. --args '{"path":"/etc/motd","mode":"600"}'`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return `--args must be a JSON object, e.g. '{"path":"/etc/hostname"}'`;
  return value as Record<string, unknown>;
}

/** `aios tool <name> --args '<json>'`: the plan; with --yes, approved, run, and its result. */
export function toolCommand(
  socketPath: string,
  tool: string,
  argsText: string,
  opts: { yes: boolean; confirm: boolean },
  io: Io,
): Promise<number> {
  const args = parseToolArgs(argsText);
  if (typeof args === 'string') {
    if (io.json) io.out(JSON.stringify({ error: args }));
    else io.err(`aios: ${args}`);
    return Promise.resolve(2);
  }
  return withClient(socketPath, io, async (client) => {
    await client.call('events/subscribe', {});
    const goal = await client.call('tool/plan', { tool, args });
    if (goal.state === 'not_understood' || goal.state === 'rejected') {
      if (io.json) io.out(JSON.stringify(goal));
      else io.err(formatGoal(goal));
      return 1;
    }
    const needsConfirm = goal.plan?.steps.some((s) => s.preview.policy?.decision === 'confirm') === true;
    return reviewOrRun(
      client,
      goal,
      opts.yes,
      io,
      opts.confirm,
      `Approve it in the TUI (aios shell), or run again with --yes${needsConfirm ? ' --confirm' : ''}.`,
    );
  });
}

export function toolsListCommand(socketPath: string, io: Io): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const { tools } = await client.call('tool/list', {});
    if (io.json) {
      io.out(JSON.stringify({ tools }));
      return 0;
    }
    const width = Math.max(...tools.map((t) => t.name.length));
    io.out(
      tools
        .map(
          (t) =>
            `${t.name.padEnd(width)}  ${t.mutates ? (t.reversible ? `changes, reversible, ${t.risk} risk` : `changes, IRREVERSIBLE, ${t.risk} risk`) : 'reads'}\n${' '.repeat(width)}  ${t.description}`,
        )
        .join('\n'),
    );
    return 0;
  });
}

export function snapshotCreateCommand(
  socketPath: string,
  paths: string[],
  label: string | undefined,
  io: Io,
): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const r = await client.call('snapshot/create', { paths, ...(label === undefined ? {} : { label }) });
    if (io.json) io.out(JSON.stringify(r));
    else {
      io.out(
        `snapshot ${r.snapshot.id}: ${r.entries} entries under ${r.snapshot.paths.join(', ')} (${r.hashed} file(s) read, the rest unchanged since the last snapshot)`,
      );
      if (r.skipped.length > 0)
        io.err(
          `left out ${r.skipped.length}:\n    ${r.skipped
            .slice(0, 50)
            .map((s) => sanitize(s, { singleLine: true }))
            .join('\n    ')}`,
        );
    }
    return 0;
  });
}

/** The whole ledger, page by page: JSON (one document, streamed) or one line per entry. */
export function auditExportCommand(socketPath: string, io: Io): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    let page = await client.call('audit/export', { afterSeq: 0, limit: 1000 });
    if (io.json)
      io.out(
        `{"publicKey":${JSON.stringify(page.publicKey)},"keyId":${JSON.stringify(page.keyId)},"head":${JSON.stringify(page.head)},"checkpoints":${JSON.stringify(page.checkpoints)},"seals":${JSON.stringify(page.seals ?? [])},"entries":[`,
      );
    else
      io.out(
        `# aiOS audit ledger: ${page.head.seq} entries, ${page.checkpoints.length} signed checkpoint(s), key ${page.keyId ?? '(none)'}\n${page.publicKey ?? ''}`,
      );
    let first = true;
    for (;;) {
      for (const e of page.entries) {
        if (io.json) io.out(`${first ? '' : ','}${JSON.stringify(e)}`);
        else
          io.out(
            `${e.seq}\t${e.ts}\t${sanitize(e.actor, { singleLine: true })}\t${e.action}\t${sanitize(e.subject, { singleLine: true })}\t${sanitize(JSON.stringify(e.detail), { singleLine: true })}\t${e.hash}`,
          );
        first = false;
      }
      const last = page.entries.at(-1);
      if (last === undefined || last.seq >= page.head.seq) break;
      page = await client.call('audit/export', { afterSeq: last.seq, limit: 1000 });
    }
    if (io.json) io.out(']}');
    else {
      for (const c of page.checkpoints) io.out(`# checkpoint ${c.seq} ${c.hash} ${c.ts} ${c.keyId} ${c.signature}`);
      for (const s of page.seals ?? [])
        io.out(`# seal ${s.from}-${s.to} ${s.prevHash} ${s.hash} ${s.ts} ${s.keyId} ${s.signature}`);
    }
    return 0;
  });
}
