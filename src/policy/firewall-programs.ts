// Every spelling of the firewall tools, and whether a command line only reads the firewall or
// changes it. A change needs an admin, whatever the mode; what aiOS cannot tell is a change.
import { operandsOf, usesOption } from './option-scan.js';

export type FirewallUse = 'reads' | 'changes';

/** iptables, ip6tables, ebtables, arptables with their -legacy/-nft backends and -save/-restore forms. */
const XTABLES = /^(iptables|ip6tables|ebtables|arptables)(-legacy|-nft)?(-save|-restore)?$/;

/** iptables commands that only look: list, list rules, check a rule, help, version. */
const XTABLES_READS = { short: 'LSCVh', long: ['list', 'list-rules', 'check', 'version', 'help'] };
/** Everything that writes, including -Z (zeroes counters, also alongside -L). */
const XTABLES_WRITES = {
  short: 'AIDRFXPNEZ',
  long: [
    'append',
    'insert',
    'delete',
    'replace',
    'flush',
    'delete-chain',
    'policy',
    'new-chain',
    'rename-chain',
    'zero',
    'atomic-commit',
    'atomic-init',
    'atomic-save',
    'init-table',
    'modprobe',
  ],
};

function xtables(program: string, args: readonly string[]): FirewallUse {
  if (program.endsWith('-restore') || program.startsWith('xtables')) return 'changes';
  // iptables-save -f writes the rules to a file; without it, it prints them.
  if (program.endsWith('-save')) return usesOption(args, { short: 'f', long: ['file'] }) ? 'changes' : 'reads';
  if (usesOption(args, XTABLES_WRITES)) return 'changes';
  return usesOption(args, XTABLES_READS) ? 'reads' : 'changes';
}

/** nft: only `list …`, `describe …`, `monitor` (and -c, which checks without applying) read. */
function nft(args: readonly string[]): FirewallUse {
  if (usesOption(args, { short: 'i', long: ['interactive'] })) return 'changes';
  const check = usesOption(args, { short: 'c', long: ['check'] });
  if (usesOption(args, { short: 'f', long: ['file'] })) return check ? 'reads' : 'changes';
  const verb = operandsOf(args, { short: 'IDf', long: ['includepath', 'define', 'file'] })[0];
  return check || (verb !== undefined && /^(list|describe|monitor)$/.test(verb)) ? 'reads' : 'changes';
}

/** ufw: status, show, version and `app list`/`app info` read. */
function ufw(args: readonly string[]): FirewallUse {
  const [verb, sub] = operandsOf(args);
  if (verb === undefined || /^(status|show|version|help)$/.test(verb)) return 'reads';
  return verb === 'app' && sub !== undefined && /^(list|info)$/.test(sub) ? 'reads' : 'changes';
}

/** firewall-cmd: only --get-*, --list-*, --query-*, --info-*, --state and --check-config read. */
function firewallCmd(args: readonly string[]): FirewallUse {
  const reads = args.every(
    (a) =>
      !a.startsWith('--') ||
      /^--(get-|list-|query-|info-|state$|check-config$|zone=|permanent$|help$|version$)/.test(a),
  );
  return reads && args.some((a) => a.startsWith('--')) ? 'reads' : 'changes';
}

/** How a program uses the firewall, or null when it is not a firewall tool. */
export function firewallUse(program: string, args: readonly string[]): FirewallUse | null {
  if (XTABLES.test(program) || /^xtables-(legacy|nft)-multi$/.test(program)) return xtables(program, args);
  if (program === 'nft') return nft(args);
  if (program === 'ufw') return ufw(args);
  if (program === 'firewall-cmd' || program === 'firewall-offline-cmd') return firewallCmd(args);
  return null;
}
