/**
 * Writes test/fixtures/ocsf-required.json: what test/ocsf.test.ts checks our OCSF events against,
 * taken from the schema's own files rather than typed by hand, so a class that gains a required
 * attribute in a new OCSF version fails the test instead of passing unnoticed.
 *
 *   git -C <ocsf-schema clone> archive 1.8.0 | tar -x -C /tmp/ocsf-1.8.0
 *   node scripts/ocsf-required.ts /tmp/ocsf-1.8.0 > test/fixtures/ocsf-required.json && npx biome format --write test/fixtures
 *
 * For each class we emit and each object it carries: every attribute with its type (the dictionary's,
 * as the class or object narrows it), whether it is required, its enum values and the object's
 * at_least_one constraint. Classes and objects are resolved the way the OCSF server compiles them:
 * the dictionary entry, then each `extends` ancestor from the root down, the child winning.
 * Attributes that come from a profile (`$include` of profiles/…) are left out: we claim no profile
 * (metadata.profiles is never set), so they neither are required nor may appear.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, unknown>;
interface Definition {
  name?: string;
  caption?: string;
  uid?: number;
  category?: string;
  extends?: string;
  attributes: Record<string, Json>;
  constraints?: { at_least_one?: string[] };
}

/** The classes toOcsf emits (worker/streams/ocsf.ts) and the objects it puts in them. */
const CLASSES = ['events/application/api_activity.json', 'events/iam/account_change.json', 'events/iam/authentication.json'];
const OBJECTS = ['metadata', 'product', 'actor', 'user', 'session', 'api', 'network_endpoint', 'service', 'resource_details'];

const root = process.argv[2];
if (!root) {
  console.error('usage: node scripts/ocsf-required.ts <ocsf-schema directory>');
  process.exit(2);
}
const read = (path: string): Json => JSON.parse(readFileSync(join(root, path), 'utf8')) as Json;
const dictionary = (read('dictionary.json') as { attributes: Record<string, Json> }).attributes;
const categories = (read('categories.json') as { attributes: Record<string, { uid: number; caption: string }> }).attributes;

/** A definition and its ancestors, root first. */
function chain(definition: Definition, load: (name: string) => Definition): Definition[] {
  const parent = definition.extends && definition.extends !== 'object' ? load(definition.extends) : null;
  return parent ? [...chain(parent, load), definition] : [definition];
}

function enumOf(value: unknown): Record<string, string> {
  const entries = Object.entries((value ?? {}) as Record<string, { caption?: string }>);
  return Object.fromEntries(entries.map(([key, entry]) => [key, entry.caption ?? '']));
}

/** name → { type, array?, required, enum? }, merged dictionary → root → leaf. */
function attributesOf(definitions: Definition[]) {
  const merged: Record<string, { type: string; array?: true; required: boolean; enum?: Record<string, string> }> = {};
  for (const definition of definitions) {
    for (const [name, attribute] of Object.entries(definition.attributes)) {
      if (name === '$include') continue; // profiles only (see above)
      const base = dictionary[name] ?? {};
      const previous = merged[name];
      const requirement = (attribute.requirement ?? (previous?.required ? 'required' : base.requirement)) as string | undefined;
      const values = { ...enumOf(base.enum), ...previous?.enum, ...enumOf(attribute.enum) };
      merged[name] = {
        type: (attribute.type ?? previous?.type ?? base.type) as string,
        ...(base.is_array === true ? { array: true as const } : {}),
        required: requirement === 'required',
        ...(Object.keys(values).length > 0 ? { enum: values } : {}),
      };
    }
  }
  return merged;
}

const loadObject = (name: string) => read(`objects/${name}.json`) as unknown as Definition;
const loadEvent = (path: string) => read(path) as unknown as Definition;
const eventByName = (name: string) =>
  loadEvent(name === 'base_event' ? 'events/base_event.json' : name === 'iam' ? 'events/iam/iam.json' : `events/application/${name}.json`);

const classes = CLASSES.map((path) => {
  const leaf = loadEvent(path);
  const definitions = chain(leaf, eventByName);
  const category = definitions.map((definition) => definition.category).find((name) => name && name !== 'other') ?? '';
  const categoryInfo = categories[category];
  if (!categoryInfo || leaf.uid === undefined) throw new Error(`${path}: no category or uid`);
  return {
    name: leaf.name,
    caption: leaf.caption,
    class_uid: categoryInfo.uid * 1000 + leaf.uid,
    category_uid: categoryInfo.uid,
    category_name: categoryInfo.caption,
    at_least_one: definitions.at(-1)?.constraints?.at_least_one ?? [],
    attributes: attributesOf(definitions),
  };
});

const objects = Object.fromEntries(
  OBJECTS.map((name) => {
    const definitions = chain(loadObject(name), loadObject);
    const constraint = [...definitions].reverse().find((definition) => definition.constraints?.at_least_one);
    return [name, { at_least_one: constraint?.constraints?.at_least_one ?? [], attributes: attributesOf(definitions) }];
  }),
);

// Each scalar type → the JSON type it is written as (its base type) and its length limit, if any.
const types = Object.fromEntries(
  Object.entries(
    (read('dictionary.json') as { types: { attributes: Record<string, { type?: string; max_len?: number }> } }).types.attributes,
  ).map(([name, type]) => [name, { base: type.type ?? name, ...(type.max_len ? { max_len: type.max_len } : {}) }]),
);

const version = (read('version.json') as { version: string }).version;
const output = {
  comment: `Extracted from ocsf/ocsf-schema ${version} by scripts/ocsf-required.ts (see its header); test/ocsf.test.ts checks worker/streams/ocsf.ts against it. Do not edit by hand.`,
  version,
  types,
  classes,
  objects,
};
console.log(JSON.stringify(output, null, 2));
