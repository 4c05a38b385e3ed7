// The rules, as data: what is always refused, what needs an explicit confirmation, which
// programs only read, and what each security mode allows. The engine (policy-engine.ts)
// applies them in one place; nothing else decides.
import type { SecurityMode } from '../protocol/vocabulary.js';
import { Tier } from '../protocol/model.js';

export interface PatternRule {
  /** A regular expression over one simple command's normalised argv joined with spaces. */
  pattern: string;
  why: string;
}

/** The FHS top-level directories (and their contents as a glob): removing one recursively breaks the node. */
const TOP_LEVEL = String.raw`/(bin|boot|dev|etc|home|lib[a-z0-9]*|media|mnt|opt|proc|root|run|sbin|srv|sys|tmp|usr|var)(/|/\*|/\.\*)?`;
/** rm's recursive option, clustered or long. */
const RECURSIVE = String.raw`(-[a-zA-Z]*[rR][a-zA-Z]*|--recursive)`;

/** Always refused, in every mode, wherever they appear (also inside wrappers and shell strings). */
export const BUILTIN_DANGEROUS: readonly PatternRule[] = [
  { pattern: String.raw`^rm( \S+)* (/|/\*|/\.\*)( |$)`, why: 'removes everything from the root directory' },
  { pattern: String.raw`^rm( \S+)* --no-preserve-root( |$)`, why: 'removes the root directory' },
  {
    pattern: `^rm( \\S+)* ${RECURSIVE}( \\S+)* ${TOP_LEVEL}( |$)|^rm( \\S+)* ${TOP_LEVEL}( \\S+)* ${RECURSIVE}( |$)`,
    why: 'removes a top-level system directory (/usr, /etc, /home…) recursively',
  },
  { pattern: String.raw`^rm( \S+)* (~|~/|\$HOME|\$\{HOME\})/?( |$)`, why: 'removes a home directory' },
  {
    pattern: String.raw`^(mkfs(\.\S+)?|mke2fs|mkswap|wipefs|blkdiscard|mkdosfs|mkntfs)( |$)`,
    why: 'formats or wipes a device',
  },
  {
    pattern: String.raw`^dd( \S+)* of=/dev/(sd|hd|vd|xvd|nvme|mmcblk|md|dm-|mapper/|disk/|loop)`,
    why: 'writes raw data over a disk device',
  },
  { pattern: String.raw`^(shred|badblocks)( \S+)* /dev/`, why: 'overwrites a disk device' },
  {
    pattern: String.raw`^(chmod|chown|chgrp)( \S+)* (-R|--recursive|-[a-zA-Z]*R[a-zA-Z]*)( \S+)* /( |$)`,
    why: 'changes permissions of the whole filesystem',
  },
  { pattern: String.raw`^find /( \S+)* -delete( |$)`, why: 'deletes files across the whole filesystem' },
  { pattern: String.raw`^kill( \S+)* (-1|1)$`, why: 'signals init or every process' },
  { pattern: String.raw`^(crontab)( \S+)* -r( |$)`, why: 'deletes every cron job of the user' },
];

/** Need an explicit confirmation in normal and safe modes (trusted mode skips these). */
export const BUILTIN_CONFIRM: readonly PatternRule[] = [
  { pattern: String.raw`^(sudo|su|doas|pkexec|runuser)( |$)`, why: "runs with another user's rights" },
  {
    pattern: String.raw`^systemctl( \S+)* (start|stop|restart|reload|try-restart|reload-or-restart|enable|disable|mask|unmask|kill|isolate|daemon-reload|set-default|poweroff|reboot|halt|edit|set-property)( |$)`,
    why: 'changes a service',
  },
  { pattern: String.raw`^service \S+ (start|stop|restart|reload)( |$)`, why: 'changes a service' },
  { pattern: String.raw`^aios-init ctl (start|stop|restart|enable|disable)( |$)`, why: 'changes a service' },
  {
    pattern: String.raw`^(apt|apt-get|aptitude|dpkg|snap|pip3?|npm|gem)( \S+)* (install|remove|purge|upgrade|dist-upgrade|full-upgrade|autoremove|-i|-r|-P|--install|--remove|--purge|uninstall)( |$)`,
    why: 'changes installed software',
  },
  { pattern: String.raw`^(reboot|poweroff|halt|shutdown|telinit)( |$)|^init [0-6]$`, why: 'reboots or stops the node' },
  { pattern: String.raw`^(at|batch)( |$)`, why: 'schedules commands to run later, outside this goal' },
  {
    pattern: String.raw`^(useradd|userdel|usermod|groupadd|groupdel|groupmod|passwd|chpasswd|chage|visudo|vipw|gpasswd)( |$)`,
    why: 'changes accounts or passwords',
  },
  {
    pattern: String.raw`^rm( \S+)* (-[a-zA-Z]*[rR][a-zA-Z]*|--recursive)( |$)`,
    why: 'removes directories recursively',
  },
  {
    pattern: String.raw`^(fdisk|sfdisk|cfdisk|parted|gdisk|sgdisk|mkpart|lvremove|vgremove|pvremove|cryptsetup|mdadm)( |$)`,
    why: 'changes disks or volumes',
  },
  { pattern: String.raw`^(mount|umount|swapoff|swapon)( \S+)+`, why: 'changes what is mounted' },
  { pattern: String.raw`^(kill|pkill|killall)( |$)`, why: 'stops processes' },
  { pattern: String.raw`^(sysctl)( \S+)* (-w|--write|\S+=\S*)( |$)`, why: 'changes kernel settings' },
  { pattern: String.raw`^(modprobe|rmmod|insmod)( |$)`, why: 'loads or unloads kernel modules' },
  {
    pattern: String.raw`^ip( \S+)* (add|del|delete|set|flush|change|replace)( |$)`,
    why: 'changes the network configuration',
  },
];

/** Setting these changes which program runs or what runs before it: refused. */
export const DANGEROUS_VARIABLES =
  /^(PATH|LD_PRELOAD|LD_LIBRARY_PATH|LD_AUDIT|BASH_ENV|ENV|IFS|SHELLOPTS|BASHOPTS|PS4|PROMPT_COMMAND|GCONV_PATH|HOSTALIASES|NODE_OPTIONS|PYTHONPATH|PYTHONSTARTUP|PERL5LIB|PERL5OPT|RUBYOPT|BASH_FUNC_.*)$/;

/** Places output may go that change nothing. */
export const HARMLESS_TARGETS = new Set(['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty']);

export { READ_ONLY_COMMANDS } from './read-only-programs.js';

/** What safe mode refuses: privilege changes, service control and destructive programs. */
export const SAFE_MODE_DENIED_PROGRAMS: Readonly<Record<string, string>> = Object.fromEntries([
  ...['sudo', 'su', 'doas', 'pkexec', 'runuser'].map((p) => [p, 'safe mode allows no change of user (sudo, su…)']),
  ...['systemctl', 'service', 'aios-init', 'reboot', 'shutdown', 'halt', 'poweroff', 'init', 'telinit'].map((p) => [
    p,
    'safe mode allows no service or power control',
  ]),
  ...[
    'rm',
    'rmdir',
    'dd',
    'shred',
    'wipefs',
    'fdisk',
    'sfdisk',
    'parted',
    'truncate',
    'kill',
    'pkill',
    'killall',
    'mkfs',
    'mkswap',
  ].map((p) => [p, 'safe mode allows no destructive commands']),
]);

export interface ModeRules {
  /** Plans that only read run without a person. */
  autoApproveReads: boolean;
  /** Every step that changes something needs an explicit confirmation. */
  confirmEveryChange: boolean;
  /** Every shell command needs an explicit confirmation. */
  confirmShell: boolean;
  /** Shell commands must all be on the read-only list. */
  readOnlyShell: boolean;
  /** Programs refused by name. */
  deniedPrograms: Readonly<Record<string, string>>;
  /** Tools refused by name, with why. */
  deniedTools: Readonly<Record<string, string>>;
  /** Code aiOS cannot analyse (python -c, sh reading stdin). */
  opaque: 'allow' | 'confirm' | 'deny';
  /** The require_confirm patterns apply. */
  requireConfirm: boolean;
  /** Irreversible changes need an explicit confirmation. */
  confirmIrreversible: boolean;
}

const SAFE_DENIED_TOOLS: Record<string, string> = Object.fromEntries([
  ...['service.start', 'service.stop', 'service.restart', 'service.enable', 'service.disable'].map((t) => [
    t,
    'safe mode allows no service control',
  ]),
  ...['pkg.remove', 'pkg.upgrade', 'process.signal', 'net.firewall_apply'].map((t) => [
    t,
    'safe mode allows no destructive operations',
  ]),
]);

export const MODES: Readonly<Record<SecurityMode, ModeRules>> = {
  safe: {
    autoApproveReads: false,
    confirmEveryChange: false,
    confirmShell: true,
    readOnlyShell: false,
    deniedPrograms: SAFE_MODE_DENIED_PROGRAMS,
    deniedTools: SAFE_DENIED_TOOLS,
    opaque: 'deny',
    requireConfirm: true,
    confirmIrreversible: true,
  },
  normal: {
    autoApproveReads: true,
    confirmEveryChange: false,
    confirmShell: false,
    readOnlyShell: false,
    deniedPrograms: {},
    deniedTools: {},
    opaque: 'confirm',
    requireConfirm: true,
    confirmIrreversible: true,
  },
  paranoid: {
    autoApproveReads: false,
    confirmEveryChange: true,
    confirmShell: true,
    readOnlyShell: true,
    deniedPrograms: {},
    deniedTools: {},
    opaque: 'deny',
    requireConfirm: true,
    confirmIrreversible: true,
  },
  trusted: {
    autoApproveReads: true,
    confirmEveryChange: false,
    confirmShell: false,
    readOnlyShell: false,
    deniedPrograms: {},
    deniedTools: {},
    opaque: 'allow',
    requireConfirm: false,
    confirmIrreversible: false,
  },
};

/** Tiers whose plans a model wrote: they never change protected paths without an explicit confirmation. */
export const MODEL_WRITTEN_TIERS: ReadonlySet<string> = new Set(Tier.extract(['procedure', 'local', 'cloud']).options);
