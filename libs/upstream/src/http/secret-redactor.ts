export const REDACTED = '<redacted>';

const SECRET_HEADER_NAME = /key|token|authorization|secret|password|cookie|session/i;
const SECRET_QUERY_NAME = /^(api[_-]?key|apikey|key|token|access[_-]?token|secret|x_cg_[a-z_]+)$/i;
// Shorter values would blank out ordinary words in log lines; real keys are far longer.
const MIN_SECRET_LENGTH = 4;

/**
 * Knows an upstream's secrets (API-key headers, key query params, extra values such as a key in a URL path) and
 * removes them from any text: log lines, error messages, excerpts of upstream bodies that echo the key back.
 */
export class SecretRedactor {
  private secrets: string[] = [];

  constructor(headers: Readonly<Record<string, string>> = {}, extraSecrets: Iterable<string> = []) {
    for (const [name, value] of Object.entries(headers)) {
      if (SecretRedactor.isSecretHeader(name)) this.addSecret(value);
    }
    for (const secret of extraSecrets) this.addSecret(secret);
  }

  static isSecretHeader(name: string): boolean {
    return SECRET_HEADER_NAME.test(name);
  }

  static isSecretQueryParam(name: string): boolean {
    return SECRET_QUERY_NAME.test(name);
  }

  addSecret(value: string): void {
    // `Authorization: Apikey abc…` — the bare credential may show up on its own too
    const candidates = [value, ...value.split(/\s+/).slice(1)];
    for (const candidate of candidates) {
      if (candidate.length >= MIN_SECRET_LENGTH && !this.secrets.includes(candidate)) this.secrets.push(candidate);
    }
    this.secrets.sort((a, b) => b.length - a.length); // longest first, so a secret containing another is fully hidden
  }

  text(input: string): string {
    let output = input;
    for (const secret of this.secrets) output = output.split(secret).join(REDACTED);
    return output;
  }

  /** `path?query` of a URL with secret query values hidden (and any known secret elsewhere in it). */
  pathAndQuery(url: URL): string {
    const query = new URLSearchParams(url.search);
    for (const name of [...query.keys()]) {
      if (SecretRedactor.isSecretQueryParam(name)) query.set(name, REDACTED);
    }
    const search = query.toString();
    return this.text(`${url.pathname}${search ? `?${search}` : ''}`).replace(/%3Credacted%3E/g, REDACTED);
  }

  headers(headers: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, SecretRedactor.isSecretHeader(name) ? REDACTED : this.text(value)]));
  }
}
