// A ShellClient for controller tests: canned answers per method, events and hang-ups on demand.
import type { DaemonEvent } from '../../src/protocol/events.js';
import type { MethodName, ParamsOf, ResultOf } from '../../src/protocol/methods.js';
import type { ShellClient } from '../../src/shell/commands/client-port.js';
import { HELLO, statusResult } from './fake-daemon.js';

type Answer = (params: unknown) => unknown;

export class FakeClient implements ShellClient {
  readonly initialized: ResultOf<'initialize'>;
  readonly sent: { method: MethodName; params: unknown }[] = [];
  closed = false;
  private readonly events = new Set<(e: DaemonEvent) => void>();
  private readonly closes = new Set<(reason: string) => void>();

  constructor(
    readonly answers: Partial<Record<MethodName, Answer>> = {},
    role: 'admin' | 'operator' | 'viewer' = 'operator',
  ) {
    this.initialized = { ...HELLO, user: { ...HELLO.user, role } };
  }

  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    this.sent.push({ method, params });
    const defaults: Partial<Record<MethodName, Answer>> = {
      'events/subscribe': () => ({ ok: true }),
      'goal/list': () => ({ goals: [] }),
      'status/get': () => statusResult(),
    };
    const answer = this.answers[method] ?? defaults[method];
    if (answer === undefined) return Promise.reject(new Error(`unexpected call ${method}`));
    try {
      return Promise.resolve(answer(params) as ResultOf<M>);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  onEvent(listener: (event: DaemonEvent) => void): () => void {
    this.events.add(listener);
    return () => this.events.delete(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    this.closes.add(listener);
    return () => this.closes.delete(listener);
  }

  close(): void {
    this.hangUp('closed by client');
  }

  emit(event: DaemonEvent): void {
    for (const l of this.events) l(event);
  }

  hangUp(reason = 'connection closed'): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closes) l(reason);
  }

  calls(method: MethodName): unknown[] {
    return this.sent.filter((s) => s.method === method).map((s) => s.params);
  }
}
