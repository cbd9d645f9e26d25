// How `npm start` runs a server process (package.json's start script): its malloc environment and V8 flags, so that
// the memory phase measures ours as operators run it.
import { readFileSync } from 'node:fs';

export interface Runtime {
  env: Record<string, string>;
  nodeFlags: string[];
}

export function startRuntime(packageJson = new URL('../package.json', import.meta.url)): Runtime {
  const script = (JSON.parse(readFileSync(packageJson, 'utf8')) as { scripts: { start: string } }).scripts.start;
  const env: Record<string, string> = {};
  for (const [, name, value] of script.matchAll(/\b([A-Z_][A-Z0-9_]*)=(\S+)/g)) env[name!] = value!;
  const nodeFlags = [...script.matchAll(/\s(--[a-z][a-z0-9-]*(?:=\S+)?)/g)].map((m) => m[1]!);
  return { env, nodeFlags };
}
