/**
 * `npm run check:size`: source files stay small. A file over MAX_LINES lines must say why near its
 * top, in a comment containing "Longer than 300 lines:" and the reason.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX_LINES = 300;
const REASON = 'Longer than 300 lines:';
const ROOTS = ['worker', 'web/src', 'web/build-tools', 'scripts', 'test'];

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', ...ROOTS], { encoding: 'utf8' })
  .split('\n')
  .filter((file) => /\.(ts|svelte)$/.test(file));

const offenders = files.flatMap((file) => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return []; // listed by git but deleted in the work tree
  }
  const lines = text.split('\n').length;
  const head = text.split('\n').slice(0, 12).join('\n');
  return lines > MAX_LINES && !head.includes(REASON) ? [`${file}: ${lines} lines`] : [];
});

if (offenders.length > 0) {
  console.error(`Files over ${MAX_LINES} lines without a "${REASON} …" note at the top:\n  ${offenders.join('\n  ')}`);
  process.exit(1);
}
console.log(`${files.length} source files checked: none over ${MAX_LINES} lines without a reason.`);
