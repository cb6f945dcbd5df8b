/**
 * `npm run check:size` (after the file sizes): no function of worker/, scripts/ or web/ (.ts
 * files; tests exempt) is longer than MAX_LINES lines unless a comment directly above it says
 * why, in the words "Longer than 80 lines: <the reason>". A function here is anything with a
 * body: a declaration, a method, an accessor, a constructor, a function expression or an arrow
 * function; a nested function counts towards the lines of the one around it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const MAX_LINES = 80;
const REASON = /Longer than 80 lines:\s*\S/;
const ROOTS = ['worker', 'scripts', 'web/src', 'web/build-tools'];

interface Finding {
  file: string;
  line: number;
  name: string;
  lines: number;
}

function isFunctionLike(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

/** The node a reader sees the function start at: `const x = () => …` is named by its statement. */
function ownersOf(node: ts.Node): ts.Node[] {
  const owners = [node];
  let current = node.parent;
  while (current && !ts.isSourceFile(current) && !ts.isBlock(current)) {
    owners.push(current);
    if (ts.isStatement(current) || ts.isClassElement(current) || ts.isPropertyAssignment(current)) break;
    current = current.parent;
  }
  return owners;
}

function hasReason(node: ts.Node, text: string): boolean {
  return ownersOf(node).some((owner) =>
    (ts.getLeadingCommentRanges(text, owner.getFullStart()) ?? []).some((range) => REASON.test(text.slice(range.pos, range.end))),
  );
}

function nameOf(node: ts.FunctionLikeDeclaration, source: ts.SourceFile): string {
  const own = node.name && !ts.isComputedPropertyName(node.name) ? node.name.getText(source) : null;
  if (ts.isConstructorDeclaration(node) || ((ts.isMethodDeclaration(node) || ts.isAccessor(node)) && own)) {
    const owner = node.parent;
    const className = ts.isClassLike(owner) && owner.name ? `${owner.name.text}.` : '';
    return `${className}${own ?? 'constructor'}`;
  }
  if (own) return own;
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name) {
    return parent.name.getText(source);
  }
  if (ts.isCallExpression(parent)) return `callback of ${parent.expression.getText(source).replace(/\s+/g, '').slice(0, 60)}(…)`;
  return 'anonymous function';
}

function findingsOf(file: string): Finding[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Finding[] = [];
  const visit = (node: ts.Node): void => {
    if (isFunctionLike(node) && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > MAX_LINES && !hasReason(node, text)) found.push({ file, line: start + 1, name: nameOf(node, source), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', ...ROOTS], { encoding: 'utf8' })
  .split('\n')
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.test.ts'));

const findings = files.flatMap((file) => {
  try {
    return findingsOf(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []; // listed by git but deleted in the work tree
    throw error;
  }
});
const offenders = findings;

if (offenders.length > 0) {
  console.error(
    `Functions over ${MAX_LINES} lines without a "Longer than 80 lines: …" comment directly above:\n  ${offenders
      .map((finding) => `${finding.file}:${finding.line} ${finding.name} (${finding.lines} lines)`)
      .join('\n  ')}`,
  );
}
if (offenders.length > 0) process.exit(1);
console.log(`${files.length} files checked: no function over ${MAX_LINES} lines without a reason.`);
