// Resident memory of this process and of the embedded database it started (read from /proc where there is one).
import { readdirSync, readFileSync } from 'node:fs';

export function processRssMb(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // the process ended meanwhile
  }
}

/** RSS of this process's children with the given command name, in MB; undefined without /proc or such a child. */
export function childRssMb(command: string): number | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  let total: number | undefined;
  for (const pid of pids) {
    const stat = /^\d+ \((.*)\) \S+ (\d+)/.exec(read(`/proc/${pid}/stat`));
    if (!stat || stat[1] !== command || Number(stat[2]) !== process.pid) continue;
    const rss = /VmRSS:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`));
    if (rss) total = (total ?? 0) + Number(rss[1]) / 1024;
  }
  return total;
}
