import { BadRequestException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import type { ZodError } from 'zod';

/** OpenAPI security scheme names (bootstrap declares them, controllers apply them). */
export const SECURITY = {
  /** spreads: `X-API-Key` header */
  apiKeyHeader: 'api_key_header',
  /** spreads: `api_key` query param */
  apiKeyQuery: 'api_key_query',
  /** capital-flow: the three signed headers, together */
  signedKey: 'signed_key',
  signedTimestamp: 'signed_timestamp',
  signedSign: 'signed_sign',
} as const;

export interface ParamProblem {
  param: string;
  message: string;
}

/** Client-supplied names echoed in an error are cut short. */
function clip(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}

/** One problem per parameter: its first rule broken (a value too long is not also "not a number"). */
export function validationProblems(errors: readonly ValidationError[], prefix = ''): ParamProblem[] {
  const problems: ParamProblem[] = [];
  for (const error of errors) {
    const param = clip(`${prefix}${error.property}`);
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) {
      const first = messages[0];
      problems.push({ param, message: first.includes('should not exist') ? `${param}: unknown parameter` : first });
    }
    if (error.children?.length) problems.push(...validationProblems(error.children, `${param}.`));
  }
  return problems;
}

/**
 * The global ValidationPipe's errors in the app's error shape (PRODUCT.md "Errors"):
 * `{ code: 400, message, details: [{ param, message }] }`, one detail per bad parameter.
 */
export function validationErrorResponse(errors: ValidationError[]): BadRequestException {
  const details = validationProblems(errors);
  return new BadRequestException({ code: 400, message: details.map((detail) => detail.message).join('; '), details });
}

/** At most this many problems are listed: a body of many bad or unknown fields gets a short answer. */
const MAX_ZOD_PROBLEMS = 20;

/**
 * A zod DTO's errors in the same shape (`ZodDtoValidationPipe`): one problem per parameter, its first issue; an
 * unknown field is "unknown parameter", as with class-validator. No value is echoed, and field names are cut short.
 */
export function zodValidationErrorResponse(error: unknown): BadRequestException {
  const problems: ParamProblem[] = [];
  const seen = new Set<string>();
  const add = (param: string, message: string): void => {
    if (seen.has(param) || problems.length >= MAX_ZOD_PROBLEMS) return;
    seen.add(param);
    problems.push({ param, message });
  };
  for (const issue of (error as ZodError).issues ?? []) {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const param = clip(at ? `${at}.${key}` : key);
        add(param, `${param}: unknown parameter`);
      }
    } else {
      const param = clip(at || 'body');
      add(param, at === '' ? issue.message : `${param}: ${issue.message}`);
    }
  }
  if (problems.length === 0) problems.push({ param: 'body', message: 'the request body is not valid' });
  return new BadRequestException({ code: 400, message: problems.map((problem) => problem.message).join('; '), details: problems });
}

type Schema = Record<string, unknown>;

/**
 * A JSON Schema (as the stream contracts write them) in OpenAPI 3.0's dialect: `type: [t, "null"]` becomes
 * `nullable: true`, `const` an `enum` of one, and a type union a `oneOf`; everything else is shared.
 */
export function toOpenApiSchema(schema: Schema): Schema {
  const converted: Schema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'properties' && value && typeof value === 'object') {
      converted.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([name, property]) => [name, toOpenApiSchema(property)]));
    } else if ((keyword === 'items' || keyword === 'additionalProperties' || keyword === 'not') && value && typeof value === 'object') {
      converted[keyword] = toOpenApiSchema(value as Schema);
    } else if ((keyword === 'oneOf' || keyword === 'anyOf' || keyword === 'allOf') && Array.isArray(value)) {
      converted[keyword] = value.map((branch: Schema) => toOpenApiSchema(branch));
    } else if (keyword === 'const') {
      converted.enum = [value];
    } else if (keyword === 'examples' && Array.isArray(value)) {
      if (value.length > 0) converted.example = value[0];
    } else if (keyword === 'type' && Array.isArray(value)) {
      const types = value.filter((type) => type !== 'null');
      if (types.length < value.length) converted.nullable = true;
      if (types.length === 1) converted.type = types[0];
      else converted.oneOf = types.map((type) => ({ type }));
    } else {
      converted[keyword] = value;
    }
  }
  return converted;
}
