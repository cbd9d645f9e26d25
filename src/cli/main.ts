#!/usr/bin/env node
// `ciam`: operator commands against the same configuration and database as the server (see `ciam help`).
import { text } from 'node:stream/consumers';
import { createServices } from '../app.ts';
import { loadConfig } from '../config/index.ts';
import { createLogger } from '../log.ts';
import { runCli } from './run.ts';

async function open() {
  const config = loadConfig();
  // stdout carries the JSON answer alone; logs go to stderr, and only warnings unless debugging was asked for.
  const level = ['debug', 'trace'].includes(config.logLevel) ? config.logLevel : 'warn';
  const logger = createLogger(level, process.stderr);
  return createServices(config, { logger });
}

process.exitCode = await runCli(process.argv.slice(2), open, {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  readStdin: () => text(process.stdin),
});
// Everything is closed by now; a handle a library forgot must not keep an operator's shell waiting.
setTimeout(() => process.exit(), 2_000).unref();
