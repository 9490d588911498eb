/**
 * Stop and Error (n8n `stopAndError` v1): fails the run on purpose, with a message or an error
 * object. Semantics of n8n's `StopAndError/StopAndError.node.ts` + `utils.ts`
 * (`createErrorFromParameters`): the message of an error object is its first non-empty string among
 * `message`, `description`, `error`, else `Error: <the object as JSON>`.
 */
import { z } from 'zod';
import { NonRetryableError } from '../engine/errors.js';
import type { JsonObject } from '../engine/items.js';
import { defineNode } from './sdk.js';

/** Code of the error this node throws, so error workflows and run views can tell it apart. */
export const STOP_AND_ERROR_CODE = 'STOPPED_BY_WORKFLOW';

const params = z
  .object({
    errorType: z.enum(['errorMessage', 'errorObject']).default('errorMessage'),
    /** The error's message (n8n's `errorMessage`, shown when `errorType` is `errorMessage`). */
    errorMessage: z.unknown().default(''),
    /** JSON text or an object (from an expression) describing the error. */
    errorObject: z.unknown().default(''),
  })
  .loose();

interface StopError {
  message: string;
  description?: string;
  type?: string;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function parseErrorObject(raw: unknown): JsonObject {
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) return raw as JsonObject;
  if (typeof raw !== 'string') {
    throw new NonRetryableError(`Invalid parameter 'errorObject': expected a JSON object`, {
      code: 'INVALID_PARAMETER',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new NonRetryableError(`Invalid parameter 'errorObject': ${(error as Error).message}`, {
      code: 'INVALID_PARAMETER',
      cause: error,
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new NonRetryableError(`Invalid parameter 'errorObject': expected a JSON object`, {
      code: 'INVALID_PARAMETER',
    });
  }
  return parsed as JsonObject;
}

/** The message and details n8n derives from the node's parameters. */
export function stopErrorFrom(
  errorType: 'errorMessage' | 'errorObject',
  message: unknown,
  object: unknown,
): StopError {
  if (errorType === 'errorMessage')
    return { message: message === undefined || message === null ? '' : String(message) };
  const error = parseErrorObject(object);
  const text =
    (nonEmptyString(error.message) ? error.message : '') ||
    (nonEmptyString(error.description) ? error.description : '') ||
    (nonEmptyString(error.error) ? error.error : '') ||
    `Error: ${JSON.stringify(error)}`;
  return {
    message: text,
    description: nonEmptyString(error.description) ? error.description : undefined,
    type: nonEmptyString(error.type) ? error.type : undefined,
  };
}

/** Stops the run with a user-defined error. It has no outputs: nothing runs after it. */
export const stopAndErrorNode = defineNode({
  type: 'stopAndError',
  version: 1,
  displayName: 'Stop and Error',
  description: 'Throw an error in the workflow.',
  group: 'flow',
  replaySafe: true,
  params,
  inputs: 1,
  outputs: [],
  execute(ctx) {
    // n8n reads the parameters for item 0 only: the node fails once, whatever the input.
    const p = ctx.getParams(0);
    const error = stopErrorFrom(p.errorType, p.errorMessage, p.errorObject);
    throw new NonRetryableError(error.message, { code: STOP_AND_ERROR_CODE, description: error.description });
  },
});
