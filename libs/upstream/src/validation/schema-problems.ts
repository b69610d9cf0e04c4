import type { z } from 'zod';

/** `[3].current_price`, `data.total_market_cap.usd`, `peggedAssets[0].circulating`: the field a problem is about. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) text += typeof segment === 'number' ? `[${segment}]` : `${text ? '.' : ''}${String(segment)}`;
  return text || 'body';
}

/** One line per zod issue, e.g. `[3].current_price: expected number, received string`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message.replace(/^Invalid input: /, '')}`);
}

/** The problems of `body` against `schema` (none when it fits): what a spec asserts about a recorded payload. */
export function schemaProblems(schema: z.ZodType, body: unknown): string[] {
  const result = schema.safeParse(body);
  return result.success ? [] : describeIssues(result.error.issues);
}
