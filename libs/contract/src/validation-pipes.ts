import { ValidationPipe, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { createZodValidationPipe } from 'nestjs-zod';
import { validationErrorResponse, zodValidationErrorResponse } from './openapi';

/** A class made by nestjs-zod's `createZodDto` (the flag it sets; its own `isZodDto` is on a subpath exports-only import). */
function isZodDto(metatype: unknown): boolean {
  return typeof metatype === 'function' && (metatype as { isZodDto?: unknown }).isZodDto === true;
}

/** Checks a zod DTO (nestjs-zod's `createZodDto`) against its schema; leaves every other parameter alone. */
export const ZodDtoValidationPipe = createZodValidationPipe({ createValidationException: zodValidationErrorResponse });

/** The class-validator DTOs (`whitelist`, unknown fields refused, transformed); zod DTOs are ZodDtoValidationPipe's. */
export class ClassDtoValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true, exceptionFactory: validationErrorResponse });
  }

  protected override toValidate(metadata: ArgumentMetadata): boolean {
    return !isZodDto(metadata.metatype) && super.toValidate(metadata);
  }
}

/**
 * The app's global validation: both kinds of DTO, errors in the app's shape (`{ code: 400, message, details }`).
 * Most DTOs are class-validator classes (their rules also feed the OpenAPI and AsyncAPI documents); the bodies of
 * hot routes are zod DTOs, which validate in a fraction of the time.
 */
export function validationPipes(): PipeTransform[] {
  return [new ZodDtoValidationPipe(), new ClassDtoValidationPipe()];
}
