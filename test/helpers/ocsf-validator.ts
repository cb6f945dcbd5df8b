/**
 * Checks an OCSF event against test/fixtures/ocsf-required.json (extracted from the OCSF schema by
 * scripts/ocsf-required.ts): every required attribute present, every at_least_one met, every
 * attribute one the class or object defines, of its type, within its enum and length. Returns the
 * problems found (empty: valid), each naming the attribute's path.
 */
import fixture from '../fixtures/ocsf-required.json';

interface AttributeSpec {
  type: string;
  array?: boolean;
  required: boolean;
  enum?: Record<string, string>;
}
interface Shape {
  at_least_one: string[];
  attributes: Record<string, AttributeSpec>;
}
interface ClassSpec extends Shape {
  name: string;
  caption: string;
  class_uid: number;
  category_uid: number;
  category_name: string;
}

// JSON imports are typed by their literal content; this is the shape scripts/ocsf-required.ts writes.
const schema = fixture as unknown as {
  version: string;
  types: Record<string, { base: string; max_len?: number }>;
  classes: ClassSpec[];
  objects: Record<string, Shape>;
};
const { types, objects } = schema;
export const ocsfClasses = schema.classes;
export const ocsfSchemaVersion = schema.version;

// class_uid's and category_uid's enums are compiled from every class; the test compares them exactly.
const ENUM_CHECKED_ELSEWHERE = new Set(['class_uid', 'category_uid']);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkScalar(value: unknown, type: string, path: string): string[] {
  const scalar = types[type];
  if (!scalar) return [`${path}: type ${type} is not in the extracted schema`];
  const base = scalar.base;
  if (base === 'json_t') return [];
  if (base === 'string_t') {
    if (typeof value !== 'string') return [`${path}: ${JSON.stringify(value)} is not a string (${type})`];
    return scalar.max_len !== undefined && value.length > scalar.max_len ? [`${path}: longer than ${scalar.max_len} (${type})`] : [];
  }
  if (base === 'integer_t' || base === 'long_t') return Number.isSafeInteger(value) ? [] : [`${path}: ${String(value)} is not an integer`];
  if (base === 'float_t') return typeof value === 'number' && Number.isFinite(value) ? [] : [`${path}: not a number`];
  if (base === 'boolean_t') return typeof value === 'boolean' ? [] : [`${path}: not a boolean`];
  return [`${path}: unknown base type ${base}`];
}

function checkValue(value: unknown, name: string, spec: AttributeSpec, path: string): string[] {
  if (spec.array) {
    if (!Array.isArray(value)) return [`${path}: not an array`];
    return value.flatMap((item, index) => checkValue(item, name, { ...spec, array: false }, `${path}[${index}]`));
  }
  if (spec.type === 'object') return isRecord(value) ? [] : [`${path}: not an object`];
  const shape = objects[spec.type];
  if (shape) return isRecord(value) ? checkShape(value, shape, path) : [`${path}: not an object (${spec.type})`];
  const problems = checkScalar(value, spec.type, path);
  if (spec.enum && !ENUM_CHECKED_ELSEWHERE.has(name) && !Object.hasOwn(spec.enum, String(value))) {
    problems.push(`${path}: ${String(value)} is not in the enum of ${name}`);
  }
  return problems;
}

/** Required, at_least_one, known attributes, and each attribute's value. */
function checkShape(value: Record<string, unknown>, shape: Shape, path: string): string[] {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(shape.attributes)) {
    if (spec.required && (value[name] === undefined || value[name] === null)) problems.push(`${path}.${name}: required, missing`);
  }
  if (shape.at_least_one.length > 0 && !shape.at_least_one.some((name) => value[name] !== undefined && value[name] !== null)) {
    problems.push(`${path}: needs at least one of ${shape.at_least_one.join(', ')}`);
  }
  for (const [name, inner] of Object.entries(value)) {
    const spec = Object.hasOwn(shape.attributes, name) ? shape.attributes[name] : undefined;
    if (!spec) problems.push(`${path}.${name}: not an attribute of the schema here`);
    else problems.push(...checkValue(inner, name, spec, `${path}.${name}`));
  }
  return problems;
}

/** The class's own rules beyond attribute types: its uids, captions and the type_uid arithmetic. */
function checkClassification(event: Record<string, unknown>, spec: ClassSpec): string[] {
  const problems: string[] = [];
  const expect = (name: string, wanted: unknown) => {
    if (event[name] !== wanted) problems.push(`${name}: ${JSON.stringify(event[name])}, expected ${JSON.stringify(wanted)}`);
  };
  expect('category_uid', spec.category_uid);
  expect('category_name', spec.category_name);
  expect('class_name', spec.caption);
  const activityId = event.activity_id as number;
  expect('type_uid', spec.class_uid * 100 + activityId);
  const activityCaption = spec.attributes.activity_id?.enum?.[String(activityId)];
  // Other (99) names what it is; every other activity reads as the schema's caption.
  if (activityId !== 99) expect('activity_name', activityCaption);
  expect('type_name', `${spec.caption}: ${String(event.activity_name)}`);
  expect('severity', spec.attributes.severity_id?.enum?.[String(event.severity_id)]);
  if (event.status_id !== undefined && event.status_id !== 99) expect('status', spec.attributes.status_id?.enum?.[String(event.status_id)]);
  return problems;
}

/** All problems of an OCSF event, against the class its class_uid names. */
export function ocsfProblems(event: unknown): string[] {
  if (!isRecord(event)) return ['not an object'];
  const spec = ocsfClasses.find((candidate) => candidate.class_uid === event.class_uid);
  if (!spec) return [`class_uid ${String(event.class_uid)} is not one of the extracted classes`];
  return [...checkShape(event, spec, spec.name), ...checkClassification(event, spec)];
}
