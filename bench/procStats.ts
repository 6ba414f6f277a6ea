/** What the kernel says about a server process: CPU seconds and resident memory (Linux /proc). */
import { readdirSync, readFileSync } from 'node:fs';

/**
 * User + system CPU seconds of every thread of `pid` so far (libuv's
 * file-reading pool included), to the nanosecond: the sum of each thread's
 * /proc/<pid>/task/<tid>/schedstat. /proc/<pid>/stat counts in ticks of
 * 10 ms, too coarse for the few CPU milliseconds of a run of hand-offs.
 */
export function cpuSeconds(pid: number): number {
  let nanoseconds = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) nanoseconds += Number(readOr(`/proc/${pid}/task/${task}/schedstat`).split(' ')[0] ?? 0);
  return nanoseconds / 1e9;
}

/**
 * CPU seconds of every living process of the process group `pgid` (a proxy
 * and its workers, which run in the group of the process we started), plus
 * what its reaped children had spent (stat's cutime and cstime, in ticks).
 */
export function groupCpuSeconds(pgid: number): number {
  let seconds = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number)) {
    const fields = statFields(pid);
    if (Number(fields[2]) !== pgid) continue;
    try {
      seconds += cpuSeconds(pid) + (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
    } catch {
      // Gone since listed.
    }
  }
  return seconds;
}

/** Resident set size of `pid` in bytes. */
export function rssBytes(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) * 1024;
}

// Linux's USER_HZ, the unit of /proc/<pid>/stat's times, is 100 on every architecture Node runs on.
const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces): state, ppid, pgrp…; none once the process is gone. */
function statFields(pid: number): string[] {
  const stat = readOr(`/proc/${pid}/stat`);
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : [];
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
