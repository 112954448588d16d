// CPU time around one sign-in measurement (Linux /proc): the Stepwise nodes'
// own, PostgreSQL's (the postmaster listening on our port and its
// backends: part of the system under test, not a neighbour), and what other
// processes kept busy meanwhile. Elsewhere the reading is undefined.

import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function read(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** { ppid, seconds } of a process, or undefined once it is gone. */
function processStat(pid) {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
}

function machineBusySeconds() {
  const stat = read('/proc/stat');
  if (stat === undefined) return undefined;
  const [user, nice, system, , , irq, softirq, steal] = stat.split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/** CPU seconds per pid of the PostgreSQL listening on `port`: its postmaster and every child. */
function postgresSeconds(port) {
  const seconds = new Map();
  let postmaster;
  const stats = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = processStat(entry);
    if (!stat) continue;
    stats.set(Number(entry), stat);
    if (postmaster === undefined) {
      const cmdline = read(`/proc/${entry}/cmdline`)?.split('\0') ?? [];
      if (cmdline[0]?.endsWith('postgres') && cmdline.join(' ').includes(`-p ${port} `)) postmaster = Number(entry);
    }
  }
  if (postmaster === undefined) return seconds;
  for (const [pid, stat] of stats) if (pid === postmaster || stat.ppid === postmaster) seconds.set(pid, stat.seconds);
  return seconds;
}

/**
 * Starts a reading.
 *
 * @param {{ nodePids: number[], postgresPort: number }} spec
 * @returns {() => { nodeCpuSeconds: number, postgresCpuSeconds: number, foreignCores: number } | undefined}
 */
export function startSignInCpuReading({ nodePids, postgresPort }) {
  const startedAt = performance.now();
  const machine = machineBusySeconds();
  const nodes = nodePids.map((pid) => processStat(pid)?.seconds);
  const postgres = machine === undefined ? new Map() : postgresSeconds(postgresPort);
  const self = process.cpuUsage();
  return () => {
    const machineEnd = machineBusySeconds();
    const nodesEnd = nodePids.map((pid) => processStat(pid)?.seconds);
    if (machine === undefined || machineEnd === undefined || [...nodes, ...nodesEnd].some((value) => value === undefined)) return undefined;
    // Backends that started meanwhile count from zero; those that ended are lost (both rare: the nodes pool their connections).
    let postgresCpuSeconds = 0;
    for (const [pid, seconds] of postgresSeconds(postgresPort)) postgresCpuSeconds += seconds - (postgres.get(pid) ?? 0);
    const nodeCpuSeconds = nodesEnd.reduce((sum, value, i) => sum + value - nodes[i], 0);
    const { user, system } = process.cpuUsage(self);
    const elapsed = (performance.now() - startedAt) / 1000;
    const foreign = machineEnd - machine - nodeCpuSeconds - postgresCpuSeconds - (user + system) / 1e6;
    return { nodeCpuSeconds, postgresCpuSeconds, foreignCores: Math.max(0, foreign / elapsed) };
  };
}
