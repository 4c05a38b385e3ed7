import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/jsonrpc.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { initParams, rawConnect } from '../helpers/raw-socket.js';

let d: TestDaemon;
beforeAll(async () => {
  d = await startTestDaemon();
});
afterAll(async () => {
  await disposeTestDaemon(d);
});

const errorCode = (m: Record<string, unknown>): unknown => (m['error'] as { code?: number } | undefined)?.code;

describe('aiosd protocol', () => {
  it('performs the versioned handshake and names the connecting user', async () => {
    const c = await rawConnect(d.socketPath);
    const r = await c.request('initialize', initParams);
    const result = r['result'] as { protocolVersion: number; user: { uid: number; role: string }; mode: string };
    expect(result.protocolVersion).toBe(1);
    expect(result.user.uid).toBe(process.getuid?.());
    expect(result.mode).toBe('user');
    const bad = await c.request('initialize', { ...initParams, protocolVersion: 99 });
    expect(errorCode(bad)).toBe(ErrorCode.InvalidParams);
    expect(JSON.stringify(bad)).toMatch(/speaks 1/);
    c.socket.destroy();
  });

  it('refuses requests before initialize', async () => {
    const c = await rawConnect(d.socketPath);
    expect(errorCode(await c.request('status/get', {}))).toBe(ErrorCode.NotInitialized);
    c.socket.destroy();
  });

  it('answers malformed frames with JSON-RPC errors and keeps the connection usable', async () => {
    const c = await rawConnect(d.socketPath);
    await c.request('initialize', initParams);
    c.send('{"this is": not json}\n');
    const parse = await c.next();
    expect(errorCode(parse)).toBe(ErrorCode.ParseError);
    expect(parse['id']).toBeNull();
    c.send('[1,2]\n');
    expect(errorCode(await c.next())).toBe(ErrorCode.InvalidRequest);
    c.send('"just a string"\n');
    expect(errorCode(await c.next())).toBe(ErrorCode.InvalidRequest);
    c.send('{"jsonrpc":"1.0","id":5,"method":"status/get"}\n');
    const wrongVersion = await c.next();
    expect(errorCode(wrongVersion)).toBe(ErrorCode.InvalidRequest);
    expect(wrongVersion['id']).toBe(5);
    expect(errorCode(await c.request('no/such', {}))).toBe(ErrorCode.MethodNotFound);
    const badParams = await c.request('goal/submit', { text: 42 });
    expect(errorCode(badParams)).toBe(ErrorCode.InvalidParams);
    expect(JSON.stringify(badParams)).toMatch(/text/);
    expect(errorCode(await c.request('goal/submit', { text: 'x', extra: true }))).toBe(ErrorCode.InvalidParams);
    const ok = await c.request('status/get', {});
    expect((ok['result'] as { health: string }).health).toBe('ok');
    c.socket.destroy();
  });

  it('refuses frames over 1 MiB as they arrive and resynchronises at the next newline', async () => {
    const c = await rawConnect(d.socketPath);
    await c.request('initialize', initParams);
    const huge = JSON.stringify({
      jsonrpc: '2.0',
      id: 'big',
      method: 'goal/submit',
      params: { text: 'x'.repeat(1_200_000) },
    });
    c.send(huge.slice(0, 1_100_000)); // no newline yet: the error must not wait for one
    const err = await c.next();
    expect(errorCode(err)).toBe(ErrorCode.FrameTooLarge);
    c.send(huge.slice(1_100_000) + '\n');
    const after = await c.request('status/get', {}, 'after');
    expect(after['id']).toBe('after');
    expect(after['result']).toBeDefined();
    c.socket.destroy();
  });

  it('survives a client that hangs up mid-request, and other clients never notice', async () => {
    const watcher = await d.client('watcher');
    for (let i = 0; i < 20; i++) {
      const c = await rawConnect(d.socketPath);
      c.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: initParams }) + '\n');
      c.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'goal/submit', params: { text: 'disk usage' } }) + '\n');
      c.send('{"jsonrpc":"2.0","id":3,"method":"status/g'); // half a frame, then gone
      c.socket.destroy();
    }
    const s = await watcher.call('status/get', {});
    expect(s.health).toBe('ok');
    expect(s.pid).toBe(d.proc.pid);
    watcher.close();
  });
});
