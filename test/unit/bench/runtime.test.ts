// The bench measures memory with the settings `npm start` runs the server with; the container image runs it the same.
import { readFileSync } from 'node:fs';
import { startRuntime } from '../../../bench/runtime.ts';

const root = new URL('../../../', import.meta.url);

it("reads npm start's malloc environment and node flags from package.json", () => {
  const runtime = startRuntime();
  expect(runtime.env).toEqual({ MALLOC_MMAP_THRESHOLD_: '131072' });
  expect(runtime.nodeFlags).toEqual(['--max-semi-space-size=2', '--max-old-space-size=384']);
});

it('the Dockerfile runs the server with the same settings', () => {
  const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
  const runtime = startRuntime();
  for (const [name, value] of Object.entries(runtime.env)) expect(dockerfile).toMatch(new RegExp(`^ENV ${name}=${value}$`, 'm'));
  const cmd = /^CMD \[(.*)\]$/m.exec(dockerfile)?.[1];
  expect(cmd && JSON.parse(`[${cmd}]`)).toEqual(['node', ...runtime.nodeFlags, 'src/main.ts']);
});
