// The permission table of docs/security.md, made from the methods themselves so the page cannot
// drift from what the RPC server enforces (test/protocol/permission-table.test.ts holds them equal).
import { methods, permissionOf, type MethodName } from './methods.js';

const WHO = { viewer: 'any role', operator: 'operator or admin', admin: 'admin' } as const;

export function permissionTable(): string {
  const rows = (Object.keys(methods) as MethodName[]).sort().map((m) => {
    const p = permissionOf(m);
    return `| \`${m}\` | ${WHO[p.role]} | ${p.owner === true ? 'yes: its owner, or an admin' : ''} |`;
  });
  return ['| method | least role | must own the goal |', '| --- | --- | --- |', ...rows].join('\n');
}
