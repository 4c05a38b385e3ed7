// Reading a secret for the CLI: from the terminal without echo, or from standard input when a
// script pipes it in. Never from an argument, which `ps` and shell history would show.
import type { Readable, Writable } from 'node:stream';

interface TtyIn extends Readable {
  isTTY?: boolean;
  setRawMode?: (raw: boolean) => void;
}

export async function readSecret(
  prompt: string,
  input: TtyIn = process.stdin,
  output: Writable = process.stderr,
): Promise<string> {
  if (input.isTTY !== true || input.setRawMode === undefined) {
    let text = '';
    for await (const chunk of input) text += String(chunk);
    return text.trim();
  }
  output.write(prompt);
  const setRaw = input.setRawMode.bind(input);
  setRaw(true);
  input.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let text = '';
      const onData = (chunk: Buffer): void => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return done(() => resolve(text));
          if (ch === '\u0003') return done(() => reject(new Error('cancelled')));
          if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
          else if (ch >= ' ') text += ch;
        }
      };
      const done = (settle: () => void): void => {
        input.off('data', onData);
        output.write('\n');
        settle();
      };
      input.on('data', onData);
    });
  } finally {
    setRaw(false);
    input.pause();
  }
}
