import { filterPipeParamsSchema } from '@app/query';
import { ERROR_FRAME, viewFrameSchema, type AnyStreamDefinition, type JsonSchema, type StreamDescriptor } from '@app/realtime';
import { dtoSchema, mergeObjectSchemas } from './dto-schema';

export interface ViewDescription {
  /** the stream name on `/v1/stream` */
  name: string;
  title: string;
  description: string;
  /** object schema of the frame's own fields (the seed shape), without what the hub adds */
  body: JsonSchema;
  /** schema of one row the filter pipe runs over: checked against the definition's `rowFields` */
  row: JsonSchema;
}

/** The fields of `row` a `rowFields` path names (`chains[].chain`: `chain` of the items of `chains`). */
function rowSchemaHas(row: JsonSchema, path: string): boolean {
  const nested = path.indexOf('[].');
  if (nested < 0) return Object.hasOwn(row.properties ?? {}, path);
  const list = row.properties?.[path.slice(0, nested)];
  const items = list?.items ?? (list?.anyOf ?? list?.oneOf)?.find((branch) => branch.items)?.items;
  return Object.hasOwn(items?.properties ?? {}, path.slice(nested + 3));
}

/**
 * The descriptor of a view (seed-000) stream from its definition: path, auth and params come from the definition
 * (params: its DTO's schema plus the filter pipe's, with its row fields and pipe defaults); the feature gives the
 * words and the frame shape. A row schema that misses one of the definition's row fields is a start-up error, so
 * the published rows follow what the pipe accepts.
 */
export function viewStreamDescriptor(definition: AnyStreamDefinition, view: ViewDescription): StreamDescriptor {
  const missing = definition.rowFields.filter((path) => !rowSchemaHas(view.row, path));
  if (missing.length > 0) throw new Error(`stream ${view.name}: the row schema lacks the row fields ${missing.join(', ')}`);
  return {
    name: view.name,
    path: definition.path,
    kind: 'view',
    auth: definition.requiresAuth ? 'jwt' : 'none',
    title: view.title,
    description: view.description,
    params: mergeObjectSchemas(
      definition.paramsType ? dtoSchema(definition.paramsType) : undefined,
      filterPipeParamsSchema({ ...definition.queryOptions, rowFields: definition.rowFields }),
    ),
    frame: viewFrameSchema(view.body, `${view.title}: the latest view, re-rendered on every refresh.`),
    extraMessages: { error: ERROR_FRAME },
  };
}

/** `{ [key]: rows, count }`, the seed's list body. */
export function listBody(key: string, row: JsonSchema, extra: Record<string, JsonSchema> = {}, extraRequired: string[] = []): JsonSchema {
  return {
    type: 'object',
    properties: {
      [key]: { type: 'array', items: row, description: 'The page of matching rows.' },
      count: { type: 'integer', minimum: 0, description: 'Matching rows before pagination.' },
      ...extra,
    },
    required: [key, 'count', ...extraRequired],
  };
}

/** The seed's `headers` list: `[{ key, label }]`. */
export const HEADERS_SCHEMA: JsonSchema = {
  type: 'array',
  description: 'Column keys and labels for a table.',
  items: { type: 'object', properties: { key: { type: 'string' }, label: { type: 'string' } }, required: ['key', 'label'], additionalProperties: false },
};

/** Shorthands for row schemas. */
export const S = {
  string: (description?: string): JsonSchema => ({ type: 'string', ...(description ? { description } : {}) }),
  number: (description?: string): JsonSchema => ({ type: 'number', ...(description ? { description } : {}) }),
  integer: (description?: string): JsonSchema => ({ type: 'integer', ...(description ? { description } : {}) }),
  boolean: (description?: string): JsonSchema => ({ type: 'boolean', ...(description ? { description } : {}) }),
  nullable: (schema: JsonSchema): JsonSchema => ({ ...schema, type: [schema.type as string, 'null'] }),
  object: (properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties), additionalProperties: boolean | JsonSchema = false): JsonSchema => ({
    type: 'object',
    properties,
    required,
    additionalProperties,
  }),
  array: (items: JsonSchema, description?: string): JsonSchema => ({ type: 'array', items, ...(description ? { description } : {}) }),
  /** any JSON value (raw upstream data) */
  any: (description?: string): JsonSchema => (description ? { description } : {}),
};
