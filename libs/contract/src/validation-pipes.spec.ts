import 'reflect-metadata';
import { BadRequestException, type ArgumentMetadata } from '@nestjs/common';
import { IsInt, Max, Min } from 'class-validator';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { ClassDtoValidationPipe, validationPipes, ZodDtoValidationPipe } from './validation-pipes';

class ClassBody {
  @IsInt()
  @Min(1)
  @Max(10)
  n: number;
}

class ZodBody extends createZodDto(z.strictObject({ n: z.int().min(1).max(10), tag: z.string().max(4).nullish() })) {}

const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });

/** Runs the app's global pipes in order, as Nest does. */
async function throughGlobalPipes(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
  let current = value;
  for (const pipe of validationPipes()) current = await pipe.transform(current, metadata);
  return current;
}

async function refusal(value: unknown, metadata: ArgumentMetadata): Promise<{ code: number; message: string; details: Array<{ param: string; message: string }> }> {
  const error = await throughGlobalPipes(value, metadata).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(BadRequestException);
  return (error as BadRequestException).getResponse() as never;
}

describe('the global validation pipes', () => {
  it('check a zod DTO by its schema and a class-validator DTO by its decorators, each left alone by the other pipe', async () => {
    expect(await throughGlobalPipes({ n: 3, tag: null }, body(ZodBody))).toEqual({ n: 3, tag: null });
    const instance = await throughGlobalPipes({ n: 3 }, body(ClassBody));
    expect(instance).toBeInstanceOf(ClassBody);
    expect(instance).toEqual({ n: 3 });
    // the class pipe on a zod DTO would refuse every field (no decorators, whitelist): it must not look at it
    expect(await new ClassDtoValidationPipe().transform({ n: 3 }, body(ZodBody))).toEqual({ n: 3 });
    expect(await new ZodDtoValidationPipe().transform({ anything: 1 }, body(ClassBody))).toEqual({ anything: 1 });
  });

  it('refuse a bad zod body in the app error shape, without echoing values, naming unknown fields cut short', async () => {
    const secret = 'x'.repeat(5_000);
    const response = await refusal({ n: secret, [`${'k'.repeat(200)}`]: 1 }, body(ZodBody));
    expect(response.code).toBe(400);
    expect(response.details.map((detail) => detail.param)).toEqual(['n', `${'k'.repeat(64)}…`]);
    expect(response.details[1].message).toBe(`${'k'.repeat(64)}…: unknown parameter`);
    expect(response.details[0].message).toBe('n: Invalid input: expected number, received string');
    expect((await refusal({ n: 11 }, body(ZodBody))).details).toEqual([{ param: 'n', message: 'n: Too big: expected number to be <=10' }]);
    expect(response.message).toBe(response.details.map((detail) => detail.message).join('; '));
    expect(response.message).not.toContain('xxxx');
    expect(response.message.length).toBeLessThan(300);
  });

  it('list at most 20 problems for a body of many unknown fields, and refuse what is not an object', async () => {
    const many = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`f${i}`, i]));
    const response = await refusal({ n: 1, ...many }, body(ZodBody));
    expect(response.details).toHaveLength(20);
    for (const value of [undefined, null, [], [{ n: 1 }], 'n=1', 7]) expect((await refusal(value, body(ZodBody))).details[0].param).toBe('body');
  });

  it('keep the class-validator errors as they were', async () => {
    const response = await refusal({ n: 11, extra: 1 }, body(ClassBody));
    expect(response.details).toEqual([
      { param: 'extra', message: 'extra: unknown parameter' },
      { param: 'n', message: 'n must not be greater than 10' },
    ]);
  });
});
