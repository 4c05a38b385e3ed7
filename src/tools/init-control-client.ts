// One request to aios-init's control socket and its answer: used by aiosd's AiosInitManager and
// by `aios-init ctl`. A connection per request: they are rare, and nothing is left open.
import { connect } from 'node:net';
import { encodeFrame, LineDecoder } from '../protocol/framing.js';
import { INIT_CONTROL_MAX_BYTES, InitControlResponse, type InitControlRequest } from '../protocol/init-control.js';

export type InitAnswer = Extract<InitControlResponse, { ok: true }>;

/** aios-init answered with an error (a refusal, an unknown service), or could not be asked. */
export class InitControlError extends Error {
  override readonly name = 'InitControlError';
}

function describeConnectError(err: NodeJS.ErrnoException, socketPath: string): string {
  if (err.code === 'ENOENT')
    return `aios-init's control socket ${socketPath} does not exist: aios-init is not running this node's services`;
  if (err.code === 'ECONNREFUSED') return `nothing answers on ${socketPath}: aios-init is not running`;
  if (err.code === 'EACCES') return `no permission to use ${socketPath}: only root and aios-init's own user may`;
  return `cannot reach aios-init at ${socketPath}: ${err.message}`;
}

export function askInit(
  socketPath: string,
  request: Omit<InitControlRequest, 'id'>,
  timeoutMs = 60_000,
): Promise<InitAnswer> {
  return new Promise<InitAnswer>((resolve, reject) => {
    const socket = connect(socketPath);
    const decoder = new LineDecoder(INIT_CONTROL_MAX_BYTES);
    let settled = false;
    const finish = (result: InitAnswer | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(
      () =>
        finish(new InitControlError(`aios-init did not answer ${request.op} within ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
    socket.once('connect', () => socket.write(encodeFrame({ id: 1, ...request })));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      finish(new InitControlError(describeConnectError(err, socketPath))),
    );
    socket.on('close', () =>
      finish(new InitControlError(`aios-init closed the control connection without answering ${request.op}`)),
    );
    socket.on('data', (chunk: Buffer) => {
      const frame = decoder.push(chunk)[0];
      if (frame === undefined) return;
      if (frame.type === 'oversized')
        return finish(new InitControlError(`aios-init's answer is over ${frame.limit} bytes`));
      let parsed: InitControlResponse;
      try {
        parsed = InitControlResponse.parse(JSON.parse(frame.text));
      } catch (err) {
        return finish(
          new InitControlError(
            `aios-init answered something that is not a control response: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
          ),
        );
      }
      finish(parsed.ok ? parsed : new InitControlError(parsed.error));
    });
  });
}
