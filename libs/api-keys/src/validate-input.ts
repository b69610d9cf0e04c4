import { API_TIERS, ApiConsumerInput, ApiTier } from './contracts';

export class ApiConsumerInputError extends Error {
  override name = 'ApiConsumerInputError';
}

/** Checks one consumer record (from `API_KEYS_FILE` or the CLI); `where` names it in the error. */
export function validateConsumerInput(raw: unknown, where: string): ApiConsumerInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ApiConsumerInputError(`${where}: expected an object`);
  const record = raw as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof record.key !== 'string' || record.key.length < 16) problems.push('key must be a string of at least 16 characters');
  if (typeof record.name !== 'string' || record.name.trim() === '') problems.push('name must be a non-empty string');
  if (typeof record.tier !== 'string' || !API_TIERS.includes(record.tier as ApiTier)) problems.push(`tier must be one of ${API_TIERS.join(', ')}`);
  if (record.secret !== undefined && (typeof record.secret !== 'string' || record.secret.length < 8)) problems.push('secret must be a string of at least 8 characters');
  if (record.points !== undefined && (!Number.isInteger(record.points) || (record.points as number) < 0)) problems.push('points must be a non-negative integer');
  if (problems.length > 0) throw new ApiConsumerInputError(`${where}: ${problems.join('; ')}`);
  return {
    key: record.key as string,
    name: (record.name as string).trim(),
    tier: record.tier as ApiTier,
    secret: record.secret as string | undefined,
    points: record.points as number | undefined,
  };
}

/** Parses the `API_KEYS_FILE` text: a JSON array of `{ key, secret, tier, name, points }`. */
export function parseApiKeysFile(text: string, file: string): ApiConsumerInput[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ApiConsumerInputError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new ApiConsumerInputError(`${file}: expected a JSON array of consumers`);
  const inputs = parsed.map((entry, index) => validateConsumerInput(entry, `${file}[${index}]`));
  const seen = new Set<string>();
  for (const input of inputs) {
    if (seen.has(input.key)) throw new ApiConsumerInputError(`${file}: the same key appears twice (consumer "${input.name}")`);
    seen.add(input.key);
  }
  return inputs;
}
