/**
 * Checks a value against the JSON Schema files in schemas/, for the keywords those files use (type,
 * const, enum, required, properties, additionalProperties: false, items, oneOf, pattern, minimum,
 * minLength, format: date-time). A keyword it does not know fails loudly, so a schema can't outgrow it
 * unnoticed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './fixture.js';

type Schema = Record<string, unknown>;

const KNOWN = new Set(['$schema', 'title', 'description', 'type', 'const', 'enum', 'required', 'properties', 'additionalProperties', 'items', 'oneOf', 'pattern', 'minimum', 'minLength', 'format']);
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function check(value: unknown, schema: Schema, path: string, errors: string[]): void {
  for (const keyword of Object.keys(schema)) if (!KNOWN.has(keyword)) throw new Error(`schema keyword ${keyword} at ${path} is not supported by this checker`);
  if (schema.type !== undefined) {
    const allowed = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    const actual = typeOf(value);
    if (!allowed.includes(actual) && !(actual === 'integer' && allowed.includes('number'))) {
      errors.push(`${path}: expected ${allowed.join(' or ')}, got ${actual}`);
      return;
    }
  }
  if ('const' in schema && value !== schema.const) errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (schema.enum !== undefined && !(schema.enum as unknown[]).includes(value)) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (schema.oneOf !== undefined) {
    const matching = (schema.oneOf as Schema[]).filter((option) => {
      const sub: string[] = [];
      check(value, option, path, sub);
      return sub.length === 0;
    });
    if (matching.length !== 1) errors.push(`${path}: matches ${matching.length} of the oneOf alternatives`);
  }
  if (typeof value === 'string') {
    if (schema.pattern !== undefined && !new RegExp(schema.pattern as string, 'u').test(value)) errors.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
    if (schema.minLength !== undefined && [...value].length < (schema.minLength as number)) errors.push(`${path}: shorter than ${schema.minLength}`);
    if (schema.format === 'date-time' && (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value)))) errors.push(`${path}: ${JSON.stringify(value)} is not an RFC 3339 date-time`);
  }
  if (typeof value === 'number' && schema.minimum !== undefined && value < (schema.minimum as number)) errors.push(`${path}: ${value} < ${schema.minimum}`);
  if (Array.isArray(value) && schema.items !== undefined) value.forEach((item, index) => check(item, schema.items as Schema, `${path}[${index}]`, errors));
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    for (const name of (schema.required as string[] | undefined) ?? []) if (!(name in object)) errors.push(`${path}: missing ${name}`);
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [name, item] of Object.entries(object)) {
      if (properties[name] !== undefined) check(item, properties[name], `${path}.${name}`, errors);
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected property ${name}`);
    }
  }
}

/** The problems of `value` against schemas/<name>; empty when it conforms. */
export async function schemaErrors(name: string, value: unknown): Promise<string[]> {
  const schema = JSON.parse(await readFile(join(ROOT, 'schemas', name), 'utf8')) as Schema;
  const errors: string[] = [];
  check(value, schema, '$', errors);
  return errors;
}
