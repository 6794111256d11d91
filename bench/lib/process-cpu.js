// CPU time of the bench's process tree, from /proc (Linux): which process spent how much while a
// case ran. A case's calls/s on a shared 2-core machine is bounded by the CPU all its processes
// spend per call (client, gateway or bridge, runner, server, databases), so this is "where the
// time goes" in the unit that decides throughput. Elsewhere (no /proc) it reports nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ = 100 on Linux

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const name = text.slice(text.indexOf('(') + 1, close);
    // After the name: state, ppid, …; utime and stime are the 12th and 13th fields from there.
    const fields = text.slice(close + 2).split(' ');
    return { pid, name, ppid: Number(fields[1]), cpuMs: (Number(fields[11]) + Number(fields[12])) * TICK_MS };
  } catch {
    return undefined; // gone meanwhile
  }
}

function argv(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

export const procAvailable = () => existsSync('/proc/self/stat');

/**
 * CPU ms so far of every process under `root` (itself included), by label. `label({ pid, name,
 * argv })` names a process; undefined: its executable's name (nats-server, redis-server, postgres).
 */
export function cpuByLabel(label, root = process.pid) {
  if (!procAvailable()) return {};
  const all = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((pid) => stat(Number(pid)))
    .filter(Boolean);
  const children = new Map();
  for (const proc of all) children.set(proc.ppid, [...(children.get(proc.ppid) ?? []), proc]);
  const totals = {};
  const visit = (proc) => {
    const own = label({ pid: proc.pid, name: proc.name, argv: argv(proc.pid) }) ?? proc.name;
    totals[own] = (totals[own] ?? 0) + proc.cpuMs;
    for (const child of children.get(proc.pid) ?? []) visit(child);
  };
  const self = all.find((proc) => proc.pid === root);
  if (self) visit(self);
  return totals;
}

/** `after - before` per label (a process that ended in between is missing from `after`: its time is lost, not negative). */
export function cpuDelta(before, after) {
  const delta = {};
  for (const [label, ms] of Object.entries(after)) delta[label] = Math.max(0, ms - (before[label] ?? 0));
  return delta;
}
