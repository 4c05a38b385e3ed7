// docs/security.md's permission table is the one the RPC server enforces: made from methods.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { permissionTable } from '../../src/protocol/permission-table.js';
import { repoRoot } from '../helpers/daemon.js';

describe('the permission table in docs/security.md', () => {
  it('is the table methods.ts declares', () => {
    const page = readFileSync(join(repoRoot, 'docs', 'security.md'), 'utf8');
    const found = /<!-- permissions:begin -->\n([\s\S]*?)\n<!-- permissions:end -->/.exec(page)?.[1];
    // On failure, paste the expected table between the markers.
    expect(found).toBe(permissionTable());
  });
});
