import { captureRawBody, describeBodyError, jsonNestingDepth } from './request-body';

describe('request body bounds', () => {
  it('measures JSON nesting in one pass, ignoring brackets inside strings', () => {
    expect(jsonNestingDepth(Buffer.from('{"a":[1,{"b":2}]}'))).toBe(3);
    expect(jsonNestingDepth(Buffer.from('{"a":"[[[[\\"[[[","b":[]}'))).toBe(2);
    expect(jsonNestingDepth(Buffer.from('1'))).toBe(0);
    const deep = Buffer.from(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
    expect(jsonNestingDepth(deep, 32)).toBe(33); // stops early
    expect(jsonNestingDepth(deep)).toBe(1_000_000);
  });

  it('refuses a too-deep JSON body with a 400 the error filters describe, and keeps the raw bytes', () => {
    const request = {} as { rawBody?: Buffer };
    const verify = captureRawBody({ maxDepth: 32 });
    const ok = Buffer.from('{"a":[1]}');
    verify(request as never, {} as never, ok);
    expect(request.rawBody).toBe(ok);
    let thrown: unknown;
    try {
      verify(request as never, {} as never, Buffer.from(`${'['.repeat(5_000)}${']'.repeat(5_000)}`));
    } catch (error) {
      thrown = error;
    }
    expect(describeBodyError(thrown)).toEqual({ status: 400, message: 'request body nests deeper than 32 levels of objects/arrays' });
  });

  it('describes body-parser refusals and nothing else', () => {
    expect(describeBodyError({ type: 'entity.too.large', status: 413, limit: 65_536, length: 5_000_000 })).toEqual({ status: 413, message: 'request body of 5000000 bytes exceeds the limit of 65536 bytes (64 KiB)' });
    expect(describeBodyError(new Error('boom'))).toBeUndefined();
    expect(describeBodyError({ type: 'x', status: 500 })).toBeUndefined();
  });
});
