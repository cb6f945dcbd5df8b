// One way every form turns an API refusal into words by field (docs/DASHBOARD.md, "Forms"): the
// problem's `errors[].pointer` says which field, its `code` (and `minimum` / `maximum` / `format`)
// what is wrong, and the form says how to put it right in the field's own words. The Worker's own
// sentences (a refused address, a taken name) are kept; the schema library's are never shown.
import type { FieldProblem, Problem } from './api.ts';

/** How a form speaks of one of its fields. */
export interface FieldWords {
  /** The field's name as its label reads, e.g. "Secret". */
  label: string;
  /** What to say when it is missing (default "Enter <label, lower case>."). */
  required?: string;
  /** What the field allows, said for any other schema problem, e.g. "Enter a secret of at least 16 characters." */
  rule?: string;
  /** Where the problem pointers of this field start, when not the key, e.g. "webhook/secret". */
  pointer?: string;
}

export type FormFields = Record<string, FieldWords>;

/** A refusal in words: one message per field of the form, and a sentence for the form itself. */
export interface FormProblems {
  fields: Record<string, string>;
  /** Said above the form: a summary when fields are marked, else the refusal itself. */
  form: string | null;
}

const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);
const lower = (label: string) => label.charAt(0).toLowerCase() + label.slice(1);
const plural = (count: number, one: string) => `${count.toLocaleString('en-US')} ${one}${count === 1 ? '' : 's'}`;

/** The schema's own messages, which are not written for people ("Invalid input: expected string…"). */
const LIBRARY_WORDS = /^(too (small|big)|invalid|expected|required|unrecognized)\b/i;

/** The Worker's own sentence ("must be an S3 bucket name …") as a sentence about the field. */
function ownSentence(text: string, label: string): string {
  return /^[A-Z0-9]/.test(text) ? sentence(text) : sentence(`${label} ${text}`);
}

/**
 * One field problem in plain words, for the field described by `words`: a missing value in the
 * field's `required` words; a sentence the Worker wrote itself as it is; the schema library's
 * words replaced by what the field allows (`rule`), or by words made from the code and its limits.
 */
export function fieldMessage(problem: FieldProblem, words: FieldWords): string {
  const { label } = words;
  const text = problem.detail.trim();
  if (problem.code === 'required') return words.required ?? `Enter ${lower(label)}.`;
  if (text !== '' && !LIBRARY_WORDS.test(text)) return ownSentence(text, label);
  switch (problem.code) {
    case 'too_small':
      // At least one character: the field was left empty, which is "required" as a person sees it.
      if (problem.minimum === 1) return words.required ?? words.rule ?? `Enter ${lower(label)}.`;
      return words.rule ?? `${label} is too short: at least ${plural(problem.minimum ?? 1, 'character')}.`;
    case 'too_big':
      return words.rule ?? `${label} is too long: at most ${plural(problem.maximum ?? 0, 'character')}.`;
    case 'invalid_format':
      return (
        words.rule ??
        (problem.format === 'email' ? 'Enter an email address such as ada@example.com.' : `${label} is not in the expected form.`)
      );
    case 'invalid_type':
    case 'invalid_value':
      return words.rule ?? `Choose or enter a valid ${lower(label)}.`;
    default:
      return words.rule ?? `${label} is not valid.`;
  }
}

/** The form field a pointer belongs to ("webhook/secret" → "secret"), or null when none does. */
function fieldOf(pointer: string, fields: FormFields): string | null {
  for (const [key, words] of Object.entries(fields)) {
    const start = words.pointer ?? key;
    if (pointer === start || pointer.startsWith(`${start}/`)) return key;
  }
  return null;
}

/** Words for a field the form does not show ("The request …"), so nothing is silently dropped. */
function strayMessage(problem: FieldProblem): string {
  const where = problem.pointer === '' ? 'The request' : `"${problem.pointer}"`;
  return problem.code ? `${where} was refused by the server.` : sentence(`${where} ${problem.detail}`);
}

/**
 * A refusal in words by field: the first problem of each field, in the field's words; problems
 * naming no field of the form go into the form's sentence. A refusal without field problems
 * (a 409, a 403) is the form's sentence as the Worker said it, or `formSentence` for it.
 */
export function formProblems(problem: Problem, fields: FormFields, formSentence?: (problem: Problem) => string | null): FormProblems {
  const messages: Record<string, string> = {};
  const strays: string[] = [];
  for (const error of problem.errors ?? []) {
    const field = fieldOf(error.pointer, fields);
    const words = field === null ? undefined : fields[field];
    if (field === null || words === undefined) strays.push(strayMessage(error));
    else messages[field] ??= fieldMessage(error, words);
  }
  const marked = Object.keys(messages).length > 0;
  if (strays.length > 0)
    return { fields: messages, form: [marked ? 'Check the fields marked below.' : '', ...strays].filter(Boolean).join(' ') };
  if (marked) return { fields: messages, form: 'Check the fields marked below.' };
  return { fields: messages, form: formSentence?.(problem) ?? problem.detail };
}

/**
 * Moves focus to the first field marked invalid inside `root` (after the DOM shows the marks),
 * or to `fallback` (the form's alert) when none is: keyboard and screen-reader users land on
 * what needs fixing.
 */
export function focusFirstInvalid(root: HTMLElement | undefined, fallback?: HTMLElement): void {
  requestAnimationFrame(() => {
    const invalid = root?.querySelector<HTMLElement>('[aria-invalid="true"]');
    (invalid ?? fallback)?.focus();
  });
}

/** The `aria-describedby` of a field: its hint and, when it has a problem, the problem. */
export function describedBy(id: string, hint: boolean, error: string | null | undefined): string | undefined {
  return [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
}
