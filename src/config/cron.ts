// Cron-style `at` times for [[schedule]]: five fields (minute hour day-of-month month day-of-week),
// each `*`, a number, a range `a-b`, a list `a,b`, or a step `*/n` / `a-b/n`; local time, as cron.
// As in cron, when both day fields are restricted a day matching either one counts.

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

export interface CronSpec {
  text: string;
  sets: Set<number>[];
  anyDom: boolean;
  anyDow: boolean;
}

/** The parsed spec, or why it is not one. */
export function parseCron(text: string): CronSpec | string {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 5)
    return `expected five fields (minute hour day-of-month month day-of-week), got ${parts.length}`;
  const sets: Set<number>[] = [];
  for (const [i, part] of parts.entries()) {
    const f = FIELDS[i];
    if (f === undefined) return 'too many fields';
    const set = new Set<number>();
    for (const item of (part ?? '').split(',')) {
      const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
      if (m === null) return `${f.name}: "${item}" is not *, a number, a range or a step`;
      const lo = m[1] === '*' ? f.min : Number(m[2]);
      const hi = m[1] === '*' ? f.max : m[3] === undefined ? (m[4] === undefined ? lo : f.max) : Number(m[3]);
      const step = m[4] === undefined ? 1 : Number(m[4]);
      if (lo < f.min || hi > f.max || lo > hi || step < 1) return `${f.name}: "${item}" is outside ${f.min}-${f.max}`;
      for (let v = lo; v <= hi; v += step) set.add(i === 4 && v === 7 ? 0 : v);
    }
    sets.push(set);
  }
  return { text, sets, anyDom: parts[2] === '*', anyDow: parts[4] === '*' };
}

/** The first whole minute strictly after `after` that the spec matches (searched up to a year and a day ahead). */
export function nextCron(spec: CronSpec, after: Date): Date | null {
  const t = new Date(after.getTime());
  t.setSeconds(0, 0);
  t.setMinutes(t.getMinutes() + 1);
  const [minutes, hours, doms, months, dows] = spec.sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  for (let i = 0; i < 366 * 24 * 60; i++) {
    const dayOk =
      spec.anyDom && spec.anyDow
        ? true
        : spec.anyDom
          ? dows.has(t.getDay())
          : spec.anyDow
            ? doms.has(t.getDate())
            : doms.has(t.getDate()) || dows.has(t.getDay());
    if (months.has(t.getMonth() + 1) && dayOk && hours.has(t.getHours()) && minutes.has(t.getMinutes())) return t;
    t.setMinutes(t.getMinutes() + 1);
  }
  return null;
}
