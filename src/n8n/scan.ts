/**
 * Finds the n8n expression and Code-node features Relais refuses, so the import report can warn
 * about them before a run fails. Expressions stay as they are (Relais evaluates n8n's syntax); this
 * only scans their text for identifiers, it never evaluates anything.
 */
import { isExpression, isRecord } from './params.js';

interface Feature {
  pattern: RegExp;
  message: string;
}

export const CONTEXT_WARNING =
  "a node's context (e.g. noItemsLeft of a v1 Split In Batches) is always empty in Relais";

/** Globals and forms that fail, or give nothing, in Relais expressions (`src/expressions/globals.ts`). */
const EXPRESSION_FEATURES: Feature[] = [
  {
    pattern: /(?<![\w$.])\$env\b/,
    message: '$env is refused: Relais does not expose environment variables (use $vars)',
  },
  { pattern: /(?<![\w$.])\$jmes[pP]ath\b/, message: '$jmespath is not available' },
  {
    pattern: /(?<![\w$.])\$fromA[Ii]\b|(?<![\w$.])\$fromai\b/,
    message: '$fromAI only works in AI tool nodes',
  },
  {
    pattern: /(?<![\w$.])\$secrets\b/,
    message: '$secrets (external secrets) is not available: it gives nothing',
  },
  { pattern: /(?<![\w$.])\$self\b/, message: '$self is not available: it gives nothing' },
  { pattern: /(?<![\w$.])\$getPairedItem\b/, message: '$getPairedItem is not available' },
  {
    pattern: /(?<![\w$.])\$(nodeVersion|nodeId|webhookId|mode)\b/,
    message:
      '$nodeVersion, $nodeId, $webhookId and $mode are not available in expressions: they give nothing',
  },
  {
    pattern: /(\$node\s*\[[^\]]*\]|\$node\.[\w$]+|\$\(\s*['"][^'"]*['"]\s*\))\s*\.\s*context\b/,
    message: CONTEXT_WARNING,
  },
];

/** Extra features refused inside Code nodes (`src/sandbox/prelude-n8n.ts`). */
const CODE_FEATURES: Feature[] = [
  ...EXPRESSION_FEATURES.filter((f) => !f.message.startsWith('$nodeVersion')),
  {
    pattern: /\$getWorkflowStaticData\b|(?<![\w$.])getWorkflowStaticData\b/,
    message: 'workflow static data is not available (use a data table)',
  },
  {
    pattern: /(?<![\w$.])\$item\s*\(/,
    message: '$item() is not available in Code nodes (use $input.all()[index])',
  },
  {
    pattern: /(?<![\w$.])require\s*\(/,
    message: 'require() is not available: Code nodes run in a sandbox without modules',
  },
  {
    pattern: /\bthis\.helpers\b|(?<![\w$.])helpers\./,
    message: "n8n's helpers (this.helpers) are not available",
  },
];

/** Parameter names holding JavaScript source rather than expressions. */
const CODE_PARAMETERS = new Set(['jsCode', 'functionCode']);

export interface ScanFinding {
  parameter: string;
  message: string;
}

/** Every refused feature found in a node's parameters, once per message. */
export function scanParameters(parameters: unknown): ScanFinding[] {
  const found = new Map<string, ScanFinding>();
  const visit = (value: unknown, path: string, key: string): void => {
    if (typeof value === 'string') {
      const features = CODE_PARAMETERS.has(key)
        ? CODE_FEATURES
        : isExpression(value)
          ? EXPRESSION_FEATURES
          : [];
      for (const f of features)
        if (!found.has(f.message) && f.pattern.test(value))
          found.set(f.message, { parameter: path, message: f.message });
      return;
    }
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) visit(v, `${path}[${i}]`, key);
    } else if (isRecord(value)) {
      for (const [k, v] of Object.entries(value)) visit(v, path ? `${path}.${k}` : k, k);
    }
  };
  visit(parameters, '', '');
  return [...found.values()];
}

/**
 * Text with `{{ }}` but no leading `=` is literal text for n8n (a hand-written export mistake):
 * Relais keeps it literal too, but it is worth a look.
 */
export function literalTemplates(parameters: unknown): string[] {
  const out: string[] = [];
  const visit = (value: unknown, path: string, key: string): void => {
    if (typeof value === 'string') {
      if (!CODE_PARAMETERS.has(key) && !isExpression(value) && /\{\{[\s\S]*\}\}/.test(value)) out.push(path);
      return;
    }
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) visit(v, `${path}[${i}]`, key);
    } else if (isRecord(value)) {
      for (const [k, v] of Object.entries(value)) visit(v, path ? `${path}.${k}` : k, k);
    }
  };
  visit(parameters, '', '');
  return out;
}
