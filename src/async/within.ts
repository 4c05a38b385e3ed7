// A deadline on a promise: rejects with `why` if `work` has not settled within `ms`. What it
// resolves to afterwards goes to `late` (a connection that came too late is closed there), and
// a failure afterwards is dropped: the caller has already moved on.
export function within<T>(
  work: Promise<T>,
  ms: number,
  why: string,
  late: (value: T) => void = () => undefined,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      reject(new Error(why));
    }, ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        if (expired) late(value);
        else resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!expired) reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
