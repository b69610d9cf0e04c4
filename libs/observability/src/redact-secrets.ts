/** What a redacted value is replaced with in a log line. */
export const REDACTED = '<redacted>';

// Compared lower-case with `-`/`_` removed: api_key, api-key, apiKey, X-API-KEY all read "apikey".
const SECRET_NAMES = new Set(['apikey', 'xapikey', 'key', 'token', 'accesstoken', 'refreshtoken', 'idtoken', 'secret', 'clientsecret', 'signature', 'sig', 'sign', 'xsign', 'password', 'passwd', 'pwd', 'authorization', 'auth', 'jwt', 'session', 'sessionid', 'cookie']);
const SECRET_SUFFIXES = ['apikey', 'token', 'secret', 'password'];
const MAX_NAME_LENGTH = 64;

/** Whether a query/form parameter (or header) name carries a credential, e.g. `api_key`, `access_token`, `X-Sign`. */
export function isSecretName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) return false;
  let decoded = name;
  if (name.includes('%')) {
    try {
      decoded = decodeURIComponent(name);
    } catch {
      return false;
    }
  }
  const folded = decoded.toLowerCase().replace(/[-_\s]/g, '');
  return SECRET_NAMES.has(folded) || SECRET_SUFFIXES.some((suffix) => folded.endsWith(suffix));
}

// `name=value` after `?`, `&` or `;`: names are bounded, values stop at the next delimiter; one linear pass.
const QUERY_PAIR = /([?&;])([^=&#;?\s"'\\]{1,64})=([^&#;\s"'\\]*)/g;

/** Text (a URL, a message, a stack) with the value of every key-like query parameter replaced by `<redacted>`. */
export function redactSecrets(text: string): string {
  if (!text.includes('=')) return text;
  return text.replace(QUERY_PAIR, (match, separator: string, name: string) => (isSecretName(name) ? `${separator}${name}=${REDACTED}` : match));
}

/** A parsed query object (Express `req.query`) with secret-named parameters redacted; never mutates the original. */
export function redactQuery(query: unknown): unknown {
  if (!query || typeof query !== 'object') return query;
  const copy: Record<string, unknown> = Object.create(null);
  for (const name of Object.keys(query)) {
    copy[name] = isSecretName(name) ? REDACTED : (query as Record<string, unknown>)[name];
  }
  return copy;
}
