// Sizes that keep the code readable (issue 12): no source file over 400 lines (message catalogues aside), no function
// over 80 lines of its own code. A function's own code leaves out blank lines, comments and the bodies of functions
// declared inside it (a factory's methods are counted each on their own). A violation names the file and line.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;
const CATALOGUES = /^src\/i18n\/messages\//;

function sources(): string[] {
  return ['src', 'adapters'].flatMap((dir) =>
    readdirSync(join(root, dir), { recursive: true })
      .map((f) => `${dir}/${String(f)}`)
      .filter((f) => f.endsWith('.ts')),
  );
}

/** Functions of `text` with more than `max` lines of their own code, as "name (line N): M lines". */
function longFunctions(file: string, text: string, max: number): string[] {
  const lines = text.split('\n');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line;
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const own = new Set<number>();
      for (let i = lineOf(node.getStart()); i <= lineOf(node.end); i++) {
        if (!/^\s*($|\/\/|\/\*|\*)/.test(lines[i] ?? '')) own.add(i);
      }
      const dropNested = (child: ts.Node): void => {
        if (ts.isFunctionLike(child) && 'body' in child && child.body) {
          for (let i = lineOf(child.getStart()) + 1; i < lineOf(child.end); i++) own.delete(i);
          return;
        }
        ts.forEachChild(child, dropNested);
      };
      ts.forEachChild(node, dropNested);
      if (own.size > max) {
        const name = (node as { name?: ts.Node }).name?.getText(sf) ?? '(anonymous)';
        found.push(`${file}: ${name} (line ${lineOf(node.getStart()) + 1}): ${own.size} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

it('no source file is longer than 400 lines (message catalogues aside)', () => {
  const files = sources();
  expect(files.length).toBeGreaterThan(100);
  const long = files
    .filter((f) => !CATALOGUES.test(f))
    .map((f) => ({ f, n: readFileSync(join(root, f), 'utf8').split('\n').length - 1 }))
    .filter(({ n }) => n > MAX_FILE_LINES)
    .map(({ f, n }) => `${f}: ${n} lines`);
  expect(long).toEqual([]);
});

it('no function has more than 80 lines of its own code', () => {
  const long = sources().flatMap((f) => longFunctions(f, readFileSync(join(root, f), 'utf8'), MAX_FUNCTION_LINES));
  expect(long).toEqual([]);
});

it('counts a function without its comments, blank lines and nested functions', () => {
  const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
  const nested = `function outer() {\n${body(50)}\n  // a comment\n\n  const inner = () => {\n${body(60)}\n  };\n  return inner;\n}\n`;
  expect(longFunctions('x.ts', nested, 80)).toEqual([]);
  const flat = `function flat() {\n${body(81)}\n}\n`;
  expect(longFunctions('y.ts', flat, 80)).toEqual(['y.ts: flat (line 1): 83 lines']);
});
