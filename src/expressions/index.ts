// Placeholder replaced by the expressions module (being written now): keeps the contract compiling.
import type { ExpressionData } from './types.js';
export function isExpression(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('=');
}
export function containsExpression(value: unknown): boolean {
  if (isExpression(value)) return true;
  if (Array.isArray(value)) return value.some(containsExpression);
  if (value && typeof value === 'object') return Object.values(value).some(containsExpression);
  return false;
}
export function resolveParameters(value: unknown, _data: ExpressionData, _path?: string): unknown {
  if (containsExpression(value)) throw new Error('expressions are not available yet');
  return value;
}
