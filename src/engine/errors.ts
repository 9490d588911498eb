/**
 * The closed set of errors the engine knows. Retry behaviour is part of the type; errors that
 * cross the Code sandbox are recognised by their `name`/brand, never by `instanceof`.
 */

export interface ErrorDetails {
  message: string;
  description?: string;
  node?: string;
  itemIndex?: number;
  stack?: string;
  code?: string;
  /** HTTP status when the error came from an HTTP call; retry rules may match it. */
  httpStatus?: number;
}

/** A failure of a node while processing items: user-facing, may be retried per the node's retry rules. */
export class NodeError extends Error {
  override readonly name: string = 'NodeError';
  readonly code: string;
  readonly description?: string;
  readonly itemIndex?: number;
  readonly httpStatus?: number;
  /** Set by the engine when the error surfaces, so every error names its node. */
  node?: string;

  constructor(
    message: string,
    opts: {
      code?: string;
      description?: string;
      itemIndex?: number;
      httpStatus?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = opts.code ?? 'NODE_ERROR';
    this.description = opts.description;
    this.itemIndex = opts.itemIndex;
    this.httpStatus = opts.httpStatus;
  }
}

/** A failure that retrying cannot fix (bad parameters, Stop and Error, validation). */
export class NonRetryableError extends NodeError {
  override readonly name: string = 'NonRetryableError';
}

/** Raised when a parameter expression fails; names the parameter and the expression. */
export class ExpressionError extends NonRetryableError {
  override readonly name: string = 'ExpressionError';
  readonly parameter?: string;
  readonly expression?: string;

  constructor(
    message: string,
    opts: {
      parameter?: string;
      expression?: string;
      description?: string;
      itemIndex?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { ...opts, code: 'EXPRESSION_ERROR' });
    this.parameter = opts.parameter;
    this.expression = opts.expression;
  }
}

/** Turns anything thrown into the serialisable details stored with a step. */
export function errorDetails(error: unknown, node?: string): ErrorDetails {
  if (error instanceof NodeError) {
    return strip({
      message: error.message,
      description: error.description,
      node: error.node ?? node,
      itemIndex: error.itemIndex,
      code: error.code,
      httpStatus: error.httpStatus,
      stack: error.stack,
    });
  }
  if (error instanceof Error) return strip({ message: error.message, node, stack: error.stack });
  return strip({ message: String(error), node });
}

function strip<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

/** The run moved on in another process (or was cancelled there): this process stops driving it. */
export class StaleRunError extends Error {
  override readonly name = 'StaleRunError';
}
