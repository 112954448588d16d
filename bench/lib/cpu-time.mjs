// CPU time from /proc (Linux): what the server process used per request,
// and how much the rest of the machine used meanwhile. Requests per second
// drop whenever other processes take the server's core; CPU time per request
// barely moves, and the foreign load says how disturbed a measurement was.
// Elsewhere every reading is undefined and the report leaves the columns out.

import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux, whatever the kernel's HZ

function readOrUndefined(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of a process, all its threads included. */
function processCpuSeconds(pid) {
  const stat = readOrUndefined(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // Fields after the command name, which may hold spaces: utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Busy CPU seconds of the whole machine (idle and iowait left out). */
function machineBusySeconds() {
  const stat = readOrUndefined('/proc/stat');
  if (stat === undefined) return undefined;
  const [user, nice, system, , , irq, softirq, steal] = stat.split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/**
 * Starts a CPU reading around a measurement of the server `serverPid`.
 *
 * @param {number} serverPid
 * @returns {() => { serverCpuSeconds: number, foreignCores: number } | undefined} call when the measurement ends
 * @example
 * const stop = startCpuReading(server.pid);
 * await load();
 * const { serverCpuSeconds, foreignCores } = stop();
 */
export function startCpuReading(serverPid) {
  const startedAt = performance.now();
  const server = processCpuSeconds(serverPid);
  const machine = machineBusySeconds();
  const self = process.cpuUsage();
  return () => {
    const serverEnd = processCpuSeconds(serverPid);
    const machineEnd = machineBusySeconds();
    if (server === undefined || serverEnd === undefined || machine === undefined || machineEnd === undefined) return undefined;
    const { user, system } = process.cpuUsage(self);
    const serverCpuSeconds = serverEnd - server;
    const foreignSeconds = machineEnd - machine - serverCpuSeconds - (user + system) / 1e6;
    const elapsedSeconds = (performance.now() - startedAt) / 1000;
    return { serverCpuSeconds, foreignCores: Math.max(0, foreignSeconds / elapsedSeconds) };
  };
}

/**
 * Starts a reading of how busy other processes keep the machine while this
 * process measures itself (a micro-benchmark, no server).
 *
 * @returns {() => number | undefined} call when the measurement ends: the cores other processes kept busy
 */
export function startForeignReading() {
  const startedAt = performance.now();
  const machine = machineBusySeconds();
  const self = process.cpuUsage();
  return () => {
    const machineEnd = machineBusySeconds();
    if (machine === undefined || machineEnd === undefined) return undefined;
    const { user, system } = process.cpuUsage(self);
    const elapsedSeconds = (performance.now() - startedAt) / 1000;
    return Math.max(0, (machineEnd - machine - (user + system) / 1e6) / elapsedSeconds);
  };
}
