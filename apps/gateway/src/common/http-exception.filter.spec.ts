import type { ArgumentsHost } from '@nestjs/common';
import { StoreUnavailableError } from '@app/storage';
import { HttpErrorFilter } from './http-exception.filter';

function capture() {
  const sent: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
  const response = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return response;
    },
    set(name: string, value: string) {
      sent.headers[name] = value;
      return response;
    },
    json(body: unknown) {
      sent.body = body;
      return response;
    },
  };
  const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  return { sent, host };
}

describe('HttpErrorFilter', () => {
  it('answers a store outage with 503 and Retry-After, naming the store, not a bare 500', () => {
    const { sent, host } = capture();
    new HttpErrorFilter().catch(new StoreUnavailableError('database', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })), host);
    expect(sent).toEqual({ status: 503, headers: { 'retry-after': '5' }, body: { code: 503, message: 'the database is unavailable right now; retry in a few seconds', details: [] } });
  });

  it('still hides unknown errors behind a bare 500', () => {
    const { sent, host } = capture();
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    new HttpErrorFilter().catch(new Error('secret internals'), host);
    expect(sent.status).toBe(500);
    expect(sent.body).toEqual({ code: 500, message: 'Internal server error', details: [] });
  });
});
