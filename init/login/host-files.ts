// The files `aios-init install` writes whole: wrappers that run aiOS with this Node, the
// systemd unit, getty drop-ins and an sshd drop-in.

export interface InstallLayout {
  /** Where aiOS lives: bin/aios.js, bin/aios-shell.js, bin/aios-init.js. */
  prefix: string;
  /** Where the wrappers go (on PATH, and aios-shell is listed in /etc/shells). */
  binDir: string;
  node: string;
}

export function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

export function wrapperScript(layout: InstallLayout, program: 'aios' | 'aios-shell' | 'aios-init'): string {
  return [
    '#!/bin/sh',
    `# Installed by aios-init install: runs aiOS's ${program} with this node's Node.js.`,
    `# Arguments pass through untouched; aios-shell refuses -c, so no command reaches a shell.`,
    `exec ${shQuote(layout.node)} ${shQuote(`${layout.prefix}/bin/${program}.js`)} "$@"`,
    '',
  ].join('\n');
}

export function systemdUnit(layout: InstallLayout): string {
  return `# Installed by aios-init install.
[Unit]
Description=aiOS init: boot phases and supervision of aiosd
After=network-online.target local-fs.target
Wants=network-online.target

[Service]
Type=exec
ExecStart=${layout.binDir}/aios-init service
Restart=on-failure
RestartSec=2
# SIGTERM to aios-init, which stops aiosd in order; whatever is left is killed after the timeout.
KillMode=mixed
TimeoutStopSec=45
# aiosd runs each step in a cgroup of its own under this unit's (cgroup.kill ends a step's whole tree).
Delegate=yes

[Install]
WantedBy=multi-user.target
`;
}

/** Drop-in for getty@ttyN / serial-getty@ttyS0 / serial-getty@hvc0. */
export function gettyDropIn(): string {
  return `# Installed by aios-init install. Authentication stays with login and PAM; the accounts
# aiOS manages have aios-shell as their login shell, so the login ends in the aiOS TUI.
# The prompt waits for aios-init so the first login finds the daemon starting.
[Unit]
After=aios-init.service
`;
}

export function sshdDropIn(users: readonly string[], aiosShell: string): string {
  return `# Installed by aios-init install. These accounts log in to ${aiosShell}: an interactive
# session opens the aiOS TUI, and a command (ssh node cmd, scp, rsync) is run as
# "${aiosShell} -c cmd", which refuses. Forwarding and ~/.ssh/rc would bypass the shell, so
# they are off for them.
Match User ${users.join(',')}
    DisableForwarding yes
    PermitTunnel no
    PermitUserRC no
`;
}
