// JetStream publishes that wait out a hub restart: retried until the deadline, then the error stands.
export async function withRetry<T>(f: () => Promise<T>, withinMs = 30_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (Date.now() + everyMs > deadline) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
