// The slice of AiosClient the shell uses. The real client satisfies it; tests pass a fake.
import type { DaemonEvent } from '../../protocol/events.js';
import type { MethodName, ParamsOf, ResultOf } from '../../protocol/methods.js';

export interface ShellClient {
  readonly initialized: ResultOf<'initialize'> | null;
  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  onEvent(listener: (event: DaemonEvent) => void): () => void;
  onClose(listener: (reason: string) => void): () => void;
  close(): void;
}

export type Connect = () => Promise<ShellClient>;
