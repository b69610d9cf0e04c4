import 'reflect-metadata';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { DECORATORS } from '@nestjs/swagger/dist/constants';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, validateSync } from 'class-validator';
import { StreamDescriptors, type AnyStreamDefinition, type StreamDescriptor } from '@app/realtime';
import { asyncApiDocument } from './asyncapi';
import { ApiRulesFromValidation, dtoSchema, mergeObjectSchemas } from './dto-schema';
import { toOpenApiSchema, validationProblems } from './openapi';
import { S, viewStreamDescriptor } from './view-descriptor';

class Params {
  @ApiPropertyOptional({ description: 'How many days.', example: 30 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(365)
  days = 7;

  @IsIn(['a', 'b'])
  mode: string;

  @IsOptional()
  @IsString()
  @MaxLength(8)
  note?: string;
}

@ApiRulesFromValidation()
class Documented {
  @ApiPropertyOptional({ description: 'A bounded number.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10)
  n?: number;
}

describe('dtoSchema', () => {
  it('reads rules from class-validator, docs from @ApiProperty and defaults from the initialisers; required = no default, not optional', () => {
    expect(dtoSchema(Params)).toEqual({
      type: 'object',
      properties: {
        days: { type: 'integer', minimum: 1, maximum: 365, default: 7, description: 'How many days.', examples: [30] },
        mode: { type: 'string', enum: ['a', 'b'] },
        note: { type: 'string', maxLength: 8 },
      },
      required: ['mode'],
    });
  });

  it('merges object schemas, later names winning, and closes them', () => {
    const merged = mergeObjectSchemas({ type: 'object', properties: { a: S.string() }, required: ['a'] }, { type: 'object', properties: { a: S.integer(), b: S.number() } });
    expect(merged).toEqual({ type: 'object', properties: { a: { type: 'integer' }, b: { type: 'number' } }, required: ['a'], additionalProperties: false });
  });

  it('ApiRulesFromValidation copies the validation rules into the Swagger metadata', () => {
    expect(Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, Documented.prototype, 'n')).toMatchObject({ description: 'A bounded number.', required: false, type: 'integer', minimum: 0, maximum: 10 });
  });
});

describe('validationProblems', () => {
  it('names each bad or unknown param once, with its first broken rule', () => {
    const errors = validateSync(Object.assign(new Params(), { days: 0.5, mode: 'c', colour: 'red' }), { whitelist: true, forbidNonWhitelisted: true });
    const problems = validationProblems(errors);
    expect(problems.map((problem) => problem.param).sort()).toEqual(['colour', 'days', 'mode']);
    expect(problems.find((problem) => problem.param === 'colour')!.message).toBe('colour: unknown parameter');
    for (const problem of problems) expect(problem.message).toContain(problem.param);
  });
});

describe('toOpenApiSchema', () => {
  it('turns JSON Schema nullables, consts and unions into OpenAPI 3.0, recursively', () => {
    expect(
      toOpenApiSchema({
        type: 'object',
        properties: { a: { type: ['number', 'null'] }, b: { const: 'x' }, c: { type: 'array', items: { type: ['string', 'number'], examples: [1] } } },
      }),
    ).toEqual({
      type: 'object',
      properties: { a: { type: 'number', nullable: true }, b: { enum: ['x'] }, c: { type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'number' }], example: 1 } } },
    });
  });
});

describe('StreamDescriptors and the AsyncAPI document', () => {
  const descriptor = (name: string, path: string): StreamDescriptor => ({
    name,
    path,
    kind: 'event',
    auth: 'none',
    title: name,
    description: name,
    params: { type: 'object', properties: {} },
    frame: { type: 'object' },
  });

  it('refuses a name twice, a path twice and a name without a feature prefix', () => {
    const catalog = new StreamDescriptors();
    catalog.register(descriptor('b.one', '/one'));
    expect(() => catalog.register(descriptor('b.one', '/other'))).toThrow(/described twice/);
    expect(() => catalog.register(descriptor('b.two', '/one'))).toThrow(/share the path/);
    expect(() => catalog.register(descriptor('plain', '/plain'))).toThrow(/not like/);
    catalog.register(descriptor('a.zero', '/zero'));
    expect(catalog.list().map((d) => d.name)).toEqual(['a.zero', 'b.one']);
  });

  it('is the same document for the same descriptors (pure), with the server from the options', () => {
    const list = [descriptor('a.zero', '/zero')];
    const options = { host: 'example.test:8000', protocol: 'wss' as const, version: '1.2.3' };
    expect(asyncApiDocument(list, options)).toEqual(asyncApiDocument(list, options));
    expect(asyncApiDocument(list, options)).toMatchObject({ servers: { gateway: { host: 'example.test:8000', protocol: 'wss' } }, info: { version: '1.2.3' } });
  });

  it('refuses a view whose row schema lacks one of its row fields', () => {
    const definition = { path: '/p', requiresAuth: false, rowFields: ['a', 'list', 'list[].b'] } as unknown as AnyStreamDefinition;
    const view = { name: 'x.p', title: 'p', description: 'p', body: S.object({}) };
    expect(() => viewStreamDescriptor(definition, { ...view, row: S.object({ a: S.string(), list: S.array(S.object({ c: S.string() })) }) })).toThrow(/list\[\]\.b/);
    expect(viewStreamDescriptor(definition, { ...view, row: S.object({ a: S.string(), list: S.array(S.object({ b: S.string() })) }) }).params.properties).toHaveProperty('filters');
  });
});
