// aiosd's log: one line per event on stderr (journald, or aiosd.log behind `aios up`), as text
// for a person or as JSON lines for a collector, filtered by [system] log_level.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
export type LogFields = Record<string, unknown>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Called as a function it logs at info, so a module that only says what it did takes a plain `(line) => void`. */
export interface Logger {
  (msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** The same log with these fields on every line (a component's name, say). */
  with(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  write: (line: string) => void;
  now?: () => Date;
}

export function createLogger(o: LoggerOptions, bound: LogFields = {}): Logger {
  const now = o.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (RANK[level] < RANK[o.level]) return;
    const all = { ...bound, ...fields };
    o.write(o.format === 'json' ? jsonLine(now(), level, msg, all) : textLine(now(), level, msg, all));
  };
  const log = ((msg: string, fields?: LogFields) => emit('info', msg, fields)) as Logger;
  log.debug = (msg, fields) => emit('debug', msg, fields);
  log.info = (msg, fields) => emit('info', msg, fields);
  log.warn = (msg, fields) => emit('warn', msg, fields);
  log.error = (msg, fields) => emit('error', msg, fields);
  log.with = (fields) => createLogger(o, { ...bound, ...fields });
  return log;
}

// The fields go after the standard keys and never replace them.
function jsonLine(time: Date, level: LogLevel, msg: string, fields: LogFields): string {
  const rest = Object.fromEntries(Object.entries(fields).filter(([k]) => k !== 'time' && k !== 'level' && k !== 'msg'));
  return `${JSON.stringify({ time: time.toISOString(), level, msg, ...rest })}\n`;
}

// As aiosd always wrote it (`<time> aiosd: <msg>`), with the level when it is not info and the fields as key=value.
function textLine(time: Date, level: LogLevel, msg: string, fields: LogFields): string {
  const tag = level === 'info' ? '' : `${level === 'warn' ? 'warning' : level}: `;
  const extra = Object.entries(fields)
    .map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('');
  return `${time.toISOString()} aiosd: ${tag}${msg}${extra}\n`;
}
