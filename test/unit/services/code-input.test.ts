// One reading of a typed six-digit code for every page that asks for one.
import { readSixDigitCode } from '../../../src/services/code-input.ts';

it.each([
  ['123456', '123456'],
  [' 123 456 ', '123456'],
  ['123-456', '123456'],
  ['12 34-56', '123456'],
  ['1\t2\n3456', '123456'],
])('reads %j as %s', (typed, code) => {
  expect(readSixDigitCode(typed)).toEqual({ ok: true, code });
});

it.each([
  [undefined, 'missing'],
  ['', 'missing'],
  ['  - ', 'missing'],
  ['12345', 'format'],
  ['1234567', 'format'],
  ['12a456', 'format'],
  ['１２３４５６', 'format'], // full-width digits are not what the mail shows
  [123456, 'format'],
  [['123456'], 'format'],
  ['1 2 3 4 5 6 '.repeat(4), 'format'],
])('refuses %j (%s)', (typed, problem) => {
  expect(readSixDigitCode(typed)).toEqual({ ok: false, problem });
});
