import { ERROR_FRAME_LIMITS, errorFrame } from './ws-protocol';

describe('errorFrame', () => {
  it('keeps a short frame as it is', () => {
    expect(JSON.parse(errorFrame('invalid_params', 'bad page', [{ param: 'page', message: 'must be >= 1' }]))).toEqual({
      type: 'error',
      code: 'invalid_params',
      message: 'bad page',
      details: [{ param: 'page', message: 'must be >= 1' }],
    });
  });

  it('names the first few details and counts the rest, with every string cut to its bound', () => {
    const details = Array.from({ length: 400 }, (_, i) => ({ param: `${'k'.repeat(300)}${i}`, message: `unknown parameter ${'v'.repeat(500)}` }));
    const frame = errorFrame('invalid_params', `invalid params: ${'x'.repeat(20_000)}`, details);
    const parsed = JSON.parse(frame);
    expect(Buffer.byteLength(frame)).toBeLessThan(1024);
    expect(parsed.details).toHaveLength(ERROR_FRAME_LIMITS.details);
    expect(parsed.more_details).toBe(400 - ERROR_FRAME_LIMITS.details);
    expect(parsed.message.length).toBe(ERROR_FRAME_LIMITS.messageChars);
    expect(parsed.details[0].param.length).toBe(ERROR_FRAME_LIMITS.paramChars);
    expect(parsed.details[0].param.endsWith('…')).toBe(true);
  });

  it('does not let control characters blow up in JSON escapes', () => {
    const frame = errorFrame('invalid_params', '\u0000'.repeat(1_000), [{ param: '\u0001'.repeat(1_000), message: 'unknown parameter' }]);
    expect(Buffer.byteLength(frame)).toBeLessThan(512);
  });
});
