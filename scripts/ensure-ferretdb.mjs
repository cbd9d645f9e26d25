#!/usr/bin/env node
// Builds the embedded database (FerretDB 1.24 on SQLite) from tools/ferretdb when it is needed and missing
// or older than its sources. Needed whenever MONGODB_URI is unset; with MONGODB_URI set this does nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const binary = join(root, '.bin', 'ferretdb');
const sources = ['main.go', 'go.mod', 'go.sum'].map((f) => join(root, 'tools', 'ferretdb', f));

if (process.env.MONGODB_URI && !process.argv.includes('--always')) process.exit(0);

const fresh = existsSync(binary) && sources.every((s) => statSync(s).mtimeMs <= statSync(binary).mtimeMs);
if (fresh) process.exit(0);

try {
  execFileSync('go', ['version'], { stdio: 'ignore' });
} catch {
  console.error(
    'The embedded database needs Go (>= 1.22) to build FerretDB once. Install Go, or set MONGODB_URI to a MongoDB server.',
  );
  process.exit(1);
}
console.error('Building the embedded database (FerretDB 1.24, once; about a minute)…');
execFileSync('go', ['build', '-o', binary, '.'], { cwd: join(root, 'tools', 'ferretdb'), stdio: 'inherit' });
