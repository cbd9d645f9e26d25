#!/usr/bin/env node
// Installs Schemathesis (the property-based API tester test/integration/api/openapi-fuzz.test.ts runs against the
// management API's OpenAPI document) into a Python virtual environment under .bin/schemathesis, at the versions
// pinned in tools/schemathesis/requirements.txt. Does nothing when that environment is already there and no older
// than the pins. Needs python3 with venv and pip; without them it says so and fails — or, with --soft (as `npm test`
// calls it), says so and lets the run go on: the fuzz test then fails and names what is missing.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pins = join(root, 'tools', 'schemathesis', 'requirements.txt');
const venv = join(root, '.bin', 'schemathesis');
const st = join(venv, 'bin', 'st');

if (existsSync(st) && statSync(pins).mtimeMs <= statSync(st).mtimeMs) process.exit(0);

const run = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
try {
  rmSync(venv, { recursive: true, force: true });
  console.error('installing Schemathesis (tools/schemathesis/requirements.txt) into .bin/schemathesis');
  run('python3', ['-m', 'venv', venv]);
  run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '--no-input', '-r', pins]);
  // The pins' newest time is the install's: a changed pin file reinstalls.
  execFileSync('touch', [st]);
} catch (err) {
  rmSync(venv, { recursive: true, force: true });
  console.error(`installing Schemathesis failed (python3 with venv and pip is needed; on Debian: apt-get install python3-venv): ${err.message}`);
  process.exit(process.argv.includes('--soft') ? 0 : 1);
}
