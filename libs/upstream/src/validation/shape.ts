/**
 * Tolerant shape checks for upstream payloads: required fields must be present with the right type, numbers may
 * be null (upstreams send null for unknown values), extra fields are ignored. A trailing `?` makes a field optional.
 *
 * - `number`: number or null
 * - `numbers`: object whose values are numbers or null (e.g. `total_market_cap`)
 * - `strings`: object whose values are strings
 */
export type FieldType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'numbers' | 'strings';
export type FieldRule = FieldType | `${FieldType}?`;

/** Dotted path (e.g. `data.total_market_cap`) → rule. */
export type ShapeRules = Readonly<Record<string, FieldRule>>;

/** The problems found, one per line ("data.updated_at: expected number, got string"); empty when the body fits. */
export function shapeProblems(body: unknown, rules: ShapeRules): string[] {
  const problems: string[] = [];
  for (const [path, rule] of Object.entries(rules)) {
    const optional = rule.endsWith('?');
    const type = (optional ? rule.slice(0, -1) : rule) as FieldType;
    const value = valueAt(body, path);
    if (value === undefined || (value === null && type !== 'number')) {
      if (!optional) problems.push(`${path}: missing`);
      continue;
    }
    if (!matches(type, value)) problems.push(`${path}: expected ${type}, got ${describe(value)}`);
  }
  return problems;
}

function valueAt(body: unknown, path: string): unknown {
  let current = body;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function matches(type: FieldType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return value === null || (typeof value === 'number' && Number.isFinite(value));
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
    case 'numbers':
      return isPlainObject(value) && Object.values(value).every((item) => item === null || typeof item === 'number');
    case 'strings':
      return isPlainObject(value) && Object.values(value).every((item) => typeof item === 'string');
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
