/**
 * The figures the hardening suite measures (fd counts, heap, timings).
 * docs/reliability.md quotes them from a real run:
 * `HARDENING_FIGURES=figures.json npx mocha 'test/hardening/*.test.ts'`.
 */
import { writeFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';

const figures: Record<string, unknown> = {};

export function recordFigure(name: string, value: unknown): void {
  figures[name] = value;
}

after(function () {
  const file = process.env['HARDENING_FIGURES'];
  if (file) writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
});

/**
 * A full garbage collection, without asking for `node --expose-gc`: the
 * flag set at run time exposes `gc` to contexts created afterwards.
 */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
