// Inputs from the input schemas (JSON Schema, as the procedure reference and the OpenAPI document
// give them): mostly values the schema accepts, or that exist in the world, so requests get past
// parsing and validation into the procedures; then values at and past each bound, odd text,
// wrong types, missing and extra fields.
import fc from 'fast-check';
import { testConfig } from '../helpers';
import { nearMiss, worldValue } from './hints';
import {
  deepNesting,
  EDGE_STRINGS,
  type Json,
  lengthsAround,
  numbersAround,
  objectOf,
  wildString,
  wrongValue,
} from './json';
import { WORLD } from './world';

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  enum?: Json[];
  anyOf?: JsonSchema[];
}

/** What only the running world can tell (a cursor from a real page), found once at start. */
export interface WorldValues {
  articleCursor: string;
}

/** Where the input goes: a body may be past the body limit, a query string just past 16 KiB at most. */
export interface InputContext {
  world: WorldValues;
  inBody: boolean;
}

/** One byte more than the server takes in a body (BODY_LIMIT_BYTES, as the fuzzed app has it). */
const PAST_BODY_LIMIT = 'x'.repeat(testConfig().bodyLimitBytes + 1);
/** Past what Node takes in a request's head (16 KiB), which inject() does not enforce. */
const PAST_QUERY_LIMIT = 'x'.repeat(16 * 1024 + 1);

/** A value the schema accepts (or that names something in the world). */
export function validValue(
  schema: JsonSchema,
  name: string,
  context: InputContext,
): fc.Arbitrary<Json> {
  const world = worldValue(name, schema, context);
  const own = ownValidValue(schema, name, context);
  return world ? fc.oneof({ arbitrary: world, weight: 3 }, { arbitrary: own, weight: 2 }) : own;
}

function ownValidValue(
  schema: JsonSchema,
  name: string,
  context: InputContext,
): fc.Arbitrary<Json> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => validValue(s, name, context)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string':
      return validString(schema);
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? (schema.exclusiveMinimum ?? -1) + 1;
      const max = Math.min(schema.maximum ?? 2 ** 31 - 1, Number.MAX_SAFE_INTEGER);
      return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      // Items are named by what they are: a tag list's items are tags.
      return fc.array(validValue(schema.items ?? {}, name === 'tagList' ? 'tag' : '', context), {
        maxLength: 4,
      });
    case 'object':
      return objectValue(schema, context, 'valid');
    default:
      return fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>;
  }
}

function validString(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 64;
  if (schema.pattern) {
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .map((s) => s.slice(0, max))
      .filter((s) => s.length >= min);
  }
  return fc.oneof(
    {
      arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, 40) }),
      weight: 4,
    },
    // Unicode that is valid text and still breaks things (NUL, lone surrogates, RTL marks...).
    {
      arbitrary: fc.constantFrom(...EDGE_STRINGS).filter((s) => s.length >= min && s.length <= max),
      weight: 2,
    },
    // Exactly as long as allowed, in characters of every size.
    {
      arbitrary: lengthsAround([max]).filter((s) => s.length >= min && s.length <= max),
      weight: 1,
    },
  );
}

/** A value at or past the schema's bounds, or odd text where text goes. */
function edgeValue(schema: JsonSchema, inBody: boolean): fc.Arbitrary<Json> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => edgeValue(s, inBody)));
  switch (schema.type) {
    case 'string':
      return fc.oneof(
        { arbitrary: wildString, weight: 4 },
        { arbitrary: lengthsAround([schema.minLength ?? 0, schema.maxLength ?? 1000]), weight: 3 },
        { arbitrary: fc.constant(inBody ? PAST_BODY_LIMIT : PAST_QUERY_LIMIT), weight: 1 },
      );
    case 'integer':
    case 'number':
      return numbersAround([
        schema.minimum ?? schema.exclusiveMinimum ?? 0,
        schema.maximum ?? 2 ** 31,
      ]);
    case 'array':
      return fc.oneof(
        fc
          .constantFrom(schema.maxItems ?? 100, (schema.maxItems ?? 100) + 1)
          .map((n) => Array.from({ length: n }, (_, i) => `t${i}`)),
        fc.array(wildString, { maxLength: 5 }),
        fc.array(wrongValue, { maxLength: 3 }),
      );
    default:
      return wrongValue;
  }
}

/** Any value for a field: mostly valid, then edge values, then values of the wrong kind. */
export function fieldValue(
  schema: JsonSchema,
  name: string,
  context: InputContext,
): fc.Arbitrary<Json> {
  return fc.oneof(
    { arbitrary: validValue(schema, name, context), weight: 6 },
    { arbitrary: edgeValue(schema, context.inBody), weight: 2 },
    { arbitrary: nearMiss(name, schema, context) ?? edgeValue(schema, context.inBody), weight: 1 },
    { arbitrary: wrongValue, weight: 1 },
  );
}

/** Keys no schema has, a few of which would be dangerous if merged into an object or a row. */
const extraKey = fc.oneof(
  fc.constantFrom('role', 'id', 'authorId', 'isAdmin', 'token', 'createdAt', '', 'a'.repeat(300)),
  fc.constantFrom('__proto__', 'constructor', 'prototype'),
  wildString,
);

function pollutingValue(key: string): fc.Arbitrary<Json> {
  if (key === '__proto__')
    return fc.constant(
      objectOf([
        ['role', 'admin'],
        ['isAdmin', true],
      ]),
    );
  if (key === 'constructor') return fc.constant({ prototype: { role: 'admin', isAdmin: true } });
  return wrongValue;
}

const extraFields = fc.array(
  extraKey.chain((key) => pollutingValue(key).map((value): [string, Json] => [key, value])),
  { maxLength: 2 },
);

/**
 * An object after the schema's properties: in 'valid' mode each required field present and
 * valid, optional ones sometimes; in 'any' mode fields may be missing, odd or of the wrong kind,
 * and unknown fields (prototype keys among them) may be added.
 */
export function objectValue(
  schema: JsonSchema,
  context: InputContext,
  mode: 'valid' | 'any',
): fc.Arbitrary<Json> {
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {}).map(([key, field]) => {
    const value =
      mode === 'valid' ? validValue(field, key, context) : fieldValue(field, key, context);
    const presence = required.has(key) ? (mode === 'valid' ? 1 : 0.9) : 0.5;
    return fc
      .tuple(fc.double({ min: 0, max: 1, noNaN: true }), value)
      .map(([roll, v]): [string, Json] | null => (roll < presence ? [key, v] : null));
  });
  const extras =
    mode === 'valid'
      ? fc.constant([])
      : fc.oneof({ arbitrary: fc.constant([]), weight: 4 }, { arbitrary: extraFields, weight: 1 });
  const object = fc
    .tuple(fc.tuple(...fields), extras)
    .map(([present, added]) => objectOf([...present.filter((entry) => entry !== null), ...added]));
  return mode === 'valid' ? withSignIn(schema, object) : object;
}

/**
 * Where an object takes an email and a password (signing in), often a seeded user's own pair:
 * generated apart, they would almost never match, and the success path would go untested.
 */
function withSignIn(schema: JsonSchema, object: fc.Arbitrary<Json>): fc.Arbitrary<Json> {
  const properties = schema.properties ?? {};
  if (!('email' in properties && 'password' in properties) || 'username' in properties) {
    return object;
  }
  const pair = fc.nat({ max: WORLD.emails.length - 1 });
  return fc
    .tuple(object, fc.option(pair, { freq: 2 }))
    .map(([value, i]) =>
      i === null || typeof value !== 'object' || value === null || Array.isArray(value)
        ? value
        : objectOf([
            ...Object.entries(value),
            ['email', WORLD.emails[i] ?? ''],
            ['password', WORLD.passwords[i] ?? ''],
          ]),
    );
}

/** A procedure's whole input (undefined: none sent): the schema's object, mostly, else anything. */
export function inputValue(
  schema: JsonSchema | null,
  context: InputContext,
): fc.Arbitrary<Json | undefined> {
  if (!schema) {
    return fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 4 },
      { arbitrary: wrongValue, weight: 1 },
    );
  }
  return fc.oneof(
    { arbitrary: objectValue(schema, context, 'any'), weight: 10 },
    { arbitrary: objectValue(schema, context, 'valid'), weight: 8 },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: wrongValue, weight: 1 },
    { arbitrary: deepNesting, weight: 1 },
  );
}
