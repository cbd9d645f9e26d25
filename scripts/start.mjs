#!/usr/bin/env node
// `npm start`: builds the embedded database when needed, then runs the server in this same process.
//
// Why one process: npm forwards SIGINT and SIGTERM to its child only, and the shell it runs scripts with (dash, as
// /bin/sh) neither passes signals on to the command it waits for nor replaces itself with it. With the old script
// `node scripts/ensure-ferretdb.mjs && node src/main.ts`, npm's child was that shell: a signal killed the shell and
// left the server (and its database) running on their ports. The script is now `exec node scripts/start.mjs`, so
// npm's child is this process; and should whoever started us vanish anyway (npm killed with -9, a shell in between
// that died of the signal), we notice that our parent changed and stop as if we had been sent SIGTERM.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const build = spawnSync(process.execPath, [fileURLToPath(new URL('ensure-ferretdb.mjs', import.meta.url))], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const parent = process.ppid;
if (parent !== 1) {
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, 1_000);
  watch.unref();
}

await import('../src/main.ts');
