// A hard limit on the synchronous work of one policy evaluation. Judging runs on the daemon's
// event loop; every loop over commands, code and patterns checks the clock, so a line built to
// be slow to judge is refused after this long instead of stalling every other client.
export const POLICY_BUDGET_MS = 1500;

export class PolicyBudgetExceeded extends Error {
  constructor(ms: number) {
    super(`judging the command took longer than ${ms} ms; split it into simpler commands`);
    this.name = 'PolicyBudgetExceeded';
  }
}

export class Budget {
  private readonly deadline: number;

  constructor(private readonly ms: number = POLICY_BUDGET_MS) {
    this.deadline = performance.now() + ms;
  }

  /** Throws PolicyBudgetExceeded once the time is spent. */
  check(): void {
    if (performance.now() > this.deadline) throw new PolicyBudgetExceeded(this.ms);
  }
}

/** No limit: for analysis outside a policy decision (previews, the argv to run). */
export const UNLIMITED: Pick<Budget, 'check'> = { check: () => undefined };
