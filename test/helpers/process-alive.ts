// Whether a process still runs. A killed process whose parent has died stays a zombie until
// PID 1 reaps it, and `kill(pid, 0)` succeeds on a zombie: in a container whose PID 1 never
// reaps (CI's does not), a process the test killed would look alive forever.
import { readFileSync } from 'node:fs';

export function alive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/PID/stat is "pid (comm) STATE …"; comm may hold spaces and parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
