/**
 * `npm run check:size`: no source file of the repository (code, components, styles, tests, config)
 * is longer than MAX_LINES lines. There is no way to excuse a file: split it by what its parts do.
 * Functions have their own limit (scripts/check-function-size.ts).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX_LINES = 400;
const SOURCE = /\.(ts|svelte|css|html|js|cjs|mjs)$/;
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter((file) => SOURCE.test(file));

const offenders = files.flatMap((file) => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return []; // listed by git but deleted in the work tree
  }
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  return lines > MAX_LINES ? [`${file}: ${lines} lines`] : [];
});

if (offenders.length > 0) {
  console.error(`Files over ${MAX_LINES} lines (split them):\n  ${offenders.join('\n  ')}`);
  process.exit(1);
}
console.log(`${files.length} source files checked: none over ${MAX_LINES} lines.`);
