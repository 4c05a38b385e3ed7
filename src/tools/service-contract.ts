// What every service manager answers (systemd, aios-init's supervisor, none), apart from the
// managers themselves so that each may be written against it without importing the others.

export type ServiceAction = 'start' | 'stop' | 'restart' | 'enable' | 'disable';

export interface ServiceState {
  unit: string;
  /** active, inactive, failed, activating… */
  active: string;
  /** enabled, disabled, static, masked…, or "" when the manager has no such notion. */
  enabled: string;
  description: string;
  /** Why the manager will refuse to stop, restart or disable it (aios-init's own critical services); absent when it will not. */
  keptRunning?: string;
}

export interface ServiceManager {
  readonly name: string;
  /** Null when it can act; otherwise why there is no service manager to ask. */
  unavailable(): string | null;
  list(): Promise<ServiceState[]>;
  state(unit: string): Promise<ServiceState>;
  /** Human-readable status (recent log lines included where the manager has them). */
  detail(unit: string): Promise<string>;
  act(action: ServiceAction, unit: string): Promise<{ ok: boolean; output: string }>;
  /** The argv it would run for an action, for previews and command rules. */
  argvFor(action: ServiceAction, unit: string): string[];
}
