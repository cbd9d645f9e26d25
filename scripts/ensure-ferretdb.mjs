#!/usr/bin/env node
// Builds the embedded database (FerretDB 1.24 on SQLite) from tools/ferretdb when it is needed and missing
// or older than its sources. Needed whenever MONGODB_URI is unset; with MONGODB_URI set this does nothing.
//
// FerretDB is built with our patches (tools/ferretdb/patches, see the README's architecture section) applied to a
// copy of the downloaded module under .bin/, and a generated go.mod that points the module there: the module
// cache and tools/ferretdb/go.mod stay untouched.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tool = join(root, 'tools', 'ferretdb');
const patchDir = join(tool, 'patches');
const bin = join(root, '.bin');
const binary = join(bin, 'ferretdb');
const patches = readdirSync(patchDir)
  .filter((f) => f.endsWith('.patch'))
  .sort()
  .map((f) => join(patchDir, f));
const sources = [...['main.go', 'go.mod', 'go.sum'].map((f) => join(tool, f)), ...patches, fileURLToPath(import.meta.url)];

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
console.error('Building the embedded database (FerretDB 1.24 with our patches, once; about a minute)…');

const ferret = 'github.com/FerretDB/FerretDB';
const goMod = readFileSync(join(tool, 'go.mod'), 'utf8');
const version = goMod.match(/^require github\.com\/FerretDB\/FerretDB (v\S+)$/m)?.[1];
if (!version) throw new Error(`tools/ferretdb/go.mod must require ${ferret} on a line of its own`);

const download = JSON.parse(
  execFileSync('go', ['mod', 'download', '-json', `${ferret}@${version}`], { cwd: tool, encoding: 'utf8' }),
);
const source = join(bin, 'ferretdb-src');
rmSync(source, { recursive: true, force: true });
cpSync(download.Dir, source, { recursive: true });
// The module cache is read-only; the copy must take the patches.
for (const path of [source, ...readdirSync(source, { recursive: true }).map((p) => join(source, String(p)))]) {
  chmodSync(path, statSync(path).mode | 0o200);
}

for (const patch of patches) {
  try {
    // git apply is all-or-nothing and allows no fuzz. The ceiling makes git treat the copy as the plain directory
    // it is rather than as a part of our checkout.
    execFileSync('git', ['apply', '--verbose', patch], {
      cwd: source,
      stdio: 'inherit',
      env: { ...process.env, GIT_CEILING_DIRECTORIES: bin },
    });
  } catch {
    console.error(`Patch ${patch} does not apply to ${ferret}@${version}: update the patch or the version.`);
    process.exit(1);
  }
}

// -modfile reads this go.mod and the go.sum beside it instead of tools/ferretdb's.
const modFile = join(bin, 'ferretdb-build.mod');
writeFileSync(modFile, `${goMod}\nreplace ${ferret} => ${source}\n`);
copyFileSync(join(tool, 'go.sum'), join(bin, 'ferretdb-build.sum'));
execFileSync('go', ['build', `-modfile=${modFile}`, '-o', binary, '.'], { cwd: tool, stdio: 'inherit' });
