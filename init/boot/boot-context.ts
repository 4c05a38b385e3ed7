// What every boot phase is handed: where things are, the settings, the supervisor, and which
// services each phase starts. Built once by the composition root (init/boot/boot.ts).
import type { AiosConfig } from '../../src/config/config.js';
import type { InitConfig } from '../../src/config/init-schema.js';
import type { AiosPaths } from '../../src/config/paths.js';
import type { BootTimeline } from '../../src/protocol/boot-timeline.js';
import type { ModelRuntimeProbe } from '../phases/model-runtime.js';
import type { BootEnablement } from '../supervisor/boot-enablement.js';
import type { Supervisor } from '../supervisor/supervisor.js';

export interface BootContext {
  mode: BootTimeline['mode'];
  /** Prefix for /proc and /sys when reading the hardware ('/' outside tests). */
  root: string;
  paths: AiosPaths;
  config: AiosConfig;
  init: InitConfig;
  supervisor: Supervisor;
  /** Which services start at boot (service.enable/disable); read when each phase starts them. */
  enablement: BootEnablement;
  models: ModelRuntimeProbe;
  log: (line: string) => void;
  services: {
    /** Device discovery, awaited in the hardware phase (udev when PID 1). */
    devices: string[];
    /** Started in the hardware phase and not awaited (DHCP). */
    background: string[];
    daemon: string;
    /** Started in the autonomy phase: the gettys and sshd when PID 1. */
    logins: string[];
    /** [[init.services]] from config.toml, started in the autonomy phase. */
    configured: string[];
  };
  /** Mounts the persistent state disk when there is one (PID 1); returns what it did. */
  mountState: () => string | null;
  /** Applies the first boot's seed (PID 1, after the state is mounted); returns what it did. */
  seed: () => string[];
  /** Where agent configs live (/etc/aios/agents). */
  agentsDir: string;
}
