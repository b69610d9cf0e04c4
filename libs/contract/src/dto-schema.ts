import type { Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { DECORATORS } from '@nestjs/swagger/dist/constants';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import type { JsonSchema } from '@app/realtime';
import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';

// class-transformer keeps its metadata (@Type targets of nested DTOs) in a module without a public entry point
// (class-validator-jsonschema's README: typestack/class-transformer#563); its typings live under types/
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: MetadataStorage };

/** Swagger's documentation of one property (`@ApiProperty`/`@ApiPropertyOptional`): what a schema takes from it. */
interface ApiPropertyDocs {
  description?: string;
  example?: unknown;
  examples?: unknown;
  deprecated?: boolean;
}

/** The validation keywords class-validator-jsonschema derives from the decorators (and that OpenAPI 3.0 understands). */
const RULE_KEYWORDS = ['type', 'enum', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'items', 'minItems', 'maxItems', 'format'] as const;

const schemaCache = new WeakMap<Type<unknown>, JsonSchema>();

/**
 * The JSON Schema of a params DTO, read from its metadata, never written twice:
 * - rules from its class-validator decorators (class-validator-jsonschema: `@IsInt @Min(1)` → integer, minimum 1);
 * - docs (description, example, deprecated) from its `@ApiProperty`/`@ApiPropertyOptional`;
 * - defaults from its field initialisers (`vs_currency = 'usd'`), read off a fresh instance;
 * - `required`: the fields with neither `@IsOptional` nor a default.
 */
export function dtoSchema(dto: Type<unknown>): JsonSchema {
  const cached = schemaCache.get(dto);
  if (cached) return cached;
  const derived = targetConstructorToSchema(dto, { classTransformerMetadataStorage: defaultMetadataStorage }) as JsonSchema;
  const defaults = new (dto as new () => Record<string, unknown>)();
  const properties: Record<string, JsonSchema> = {};
  for (const [name, rules] of Object.entries(derived.properties ?? {})) {
    const docs = (Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, dto.prototype, name) ?? {}) as ApiPropertyDocs;
    const property: JsonSchema = { ...rules };
    if (docs.description) property.description = docs.description;
    if (docs.example !== undefined) property.examples = [docs.example];
    if (docs.deprecated) property.deprecated = true;
    const value = defaults[name];
    if (value !== undefined && value !== null && typeof value !== 'function') property.default = value;
    properties[name] = property;
  }
  const required = (derived.required ?? []).filter((name) => properties[name] && properties[name].default === undefined);
  const schema: JsonSchema = { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
  schemaCache.set(dto, schema);
  return schema;
}

/** Object schemas side by side (a stream's own params and the filter pipe's): later ones win on a shared name. */
export function mergeObjectSchemas(...schemas: Array<JsonSchema | undefined>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required = new Set<string>();
  for (const schema of schemas) {
    if (!schema) continue;
    Object.assign(properties, schema.properties);
    for (const name of schema.required ?? []) required.add(name);
  }
  return { type: 'object', properties, ...(required.size > 0 ? { required: [...required] } : {}), additionalProperties: false };
}

/**
 * Class decorator for a DTO documented with `@ApiPropertyOptional({ description, example })`: copies its validation
 * rules (bounds, patterns, enums, types) into the Swagger metadata, so the OpenAPI document shows what the global
 * ValidationPipe enforces without a second copy of the rules in the docs decorators.
 */
export function ApiRulesFromValidation(): ClassDecorator {
  return (target) => {
    const schema = dtoSchema(target as unknown as Type<unknown>);
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      const rules: Record<string, unknown> = { required: (schema.required ?? []).includes(name) };
      for (const keyword of RULE_KEYWORDS) if (property[keyword] !== undefined) rules[keyword] = property[keyword];
      if (property.default !== undefined) rules.default = property.default;
      ApiProperty(rules)(target.prototype, name);
    }
  };
}
