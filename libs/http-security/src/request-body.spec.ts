import { captureRawBody, describeBodyError, jsonNestingDepth, jsonShape } from './request-body';

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

  it('counts the keys of every object, not the colons inside strings, and stops past the bound', () => {
    expect(jsonShape(Buffer.from('{"a":{"b:c":1,"d":[{"e":"f:\\":"}]}}'))).toEqual({ depth: 4, keys: 4 });
    const many = Buffer.from(`{${Array.from({ length: 10_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`);
    expect(jsonShape(many)).toEqual({ depth: 1, keys: 10_000 });
    expect(jsonShape(many, { maxKeys: 256 }).keys).toBe(257); // stops early
  });

  it('refuses a JSON body with more keys than the bound before it is parsed', () => {
    const verify = captureRawBody({ maxDepth: 32, maxKeys: 256 });
    verify({} as never, {} as never, Buffer.from(`{${Array.from({ length: 256 }, (_, i) => `"k${i}":1`).join(',')}}`));
    let thrown: unknown;
    try {
      verify({} as never, {} as never, Buffer.from(`{${Array.from({ length: 257 }, (_, i) => `"k${i}":1`).join(',')}}`));
    } catch (error) {
      thrown = error;
    }
    expect(describeBodyError(thrown)).toEqual({ status: 400, message: 'request body has more than 256 object keys' });
  });

  it('describes body-parser refusals and nothing else', () => {
    expect(describeBodyError({ type: 'entity.too.large', status: 413, limit: 65_536, length: 5_000_000 })).toEqual({ status: 413, message: 'request body of 5000000 bytes exceeds the limit of 65536 bytes (64 KiB)' });
    expect(describeBodyError(new Error('boom'))).toBeUndefined();
    expect(describeBodyError({ type: 'x', status: 500 })).toBeUndefined();
  });
});
