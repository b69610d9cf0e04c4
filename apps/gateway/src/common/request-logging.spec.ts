import { loadConfig } from '@app/config';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttpOptions } from './request-logging';

const request = (headers: Record<string, string>, ip = '10.0.0.1') => ({ headers, url: '/v1/spreads/recent', ip, socket: {} }) as unknown as IncomingMessage;
const response = (statusCode: number) => ({ statusCode }) as ServerResponse;

describe('request logging', () => {
  it('logs repeated 401s of one credential once per minute, other credentials independently', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const options = pinoHttpOptions(loadConfig({ NODE_ENV: 'test' }));
      const level = (req: IncomingMessage, res: ServerResponse) => options.customLogLevel!(req, res, undefined);
      const message = (req: IncomingMessage, res: ServerResponse) => options.customSuccessMessage!(req, res, 1);
      const key = request({ 'x-api-key': 'wrong-key' });
      expect(level(key, response(401))).toBe('warn');
      expect(level(key, response(401))).toBe('silent');
      expect(level(request({ 'x-api-key': 'wrong-key' }, '10.9.9.9'), response(401))).toBe('silent'); // same key, other IP
      expect(level(request({ 'x-api-key': 'other-key' }), response(401))).toBe('warn');
      expect(level(request({}, '10.0.0.2'), response(401))).toBe('warn'); // no credential: keyed by IP
      expect(level(request({}, '10.0.0.2'), response(401))).toBe('silent');
      expect(level(key, response(403))).toBe('warn'); // only 401s are folded
      jest.advanceTimersByTime(60_000);
      const next = response(401);
      expect(level(key, next)).toBe('warn');
      expect(message(key, next)).toContain('2 more 401s');
    } finally {
      jest.useRealTimers();
    }
  });
});
