/**
 * The `webhook` trigger kind: which active workflow answers which method + path (n8n's
 * `webhook_entity` table, kept in memory: activation at start and on toggle fills it, every
 * request reads it without touching the store). Also the one-call test listeners of
 * `/webhook-test/...` (n8n's "listen for test event", 120 s).
 *
 * URL scheme (n8n): a static path is served at `/webhook/<path>`; a path with `:params` at
 * `/webhook/<webhookId>/<path>` when the node has a webhookId (imported n8n workflows), else at
 * `/webhook/<path>`. Two workflows cannot hold the same method on the same path: activation of the
 * second is refused with the reason.
 */
import type { Clock } from '../engine/clock.js';
import { systemClock } from '../engine/clock.js';
import type { Workflow, WorkflowNode } from '../engine/workflow.js';
import { containsExpression } from '../expressions/index.js';
import {
  type HttpMethod,
  WEBHOOK_CREDENTIALS,
  type WebhookParams,
  webhookMethods,
  webhookParams,
} from '../nodes/webhook.node.js';
import type { ActiveWorkflow, TriggerKind } from './contract.js';

/** How long a test listener waits for its one call (n8n: 2 minutes). */
export const TEST_LISTENER_MS = 120_000;

export interface WebhookRegistration {
  workflowId: string;
  version: number;
  workflow: Workflow;
  node: WorkflowNode;
  params: WebhookParams;
  methods: HttpMethod[];
  /** The URL path after `/webhook/` (with `:params`), e.g. `crm-action`, `<webhookId>/users/:id`. */
  path: string;
  segments: string[];
  test: boolean;
}

export interface WebhookMatch {
  registration: WebhookRegistration;
  params: Record<string, string>;
}

export type MatchResult =
  | { kind: 'found'; match: WebhookMatch }
  /** The path is registered, but not for this method. */
  | { kind: 'method'; methods: HttpMethod[] }
  | { kind: 'none' };

export class WebhookConflictError extends Error {
  override readonly name = 'WebhookConflictError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/** One set of registrations (production, or test listeners) with its lookup index. */
class PathTable {
  private readonly byWorkflow = new Map<string, WebhookRegistration[]>();
  private staticIndex = new Map<string, WebhookRegistration[]>();
  private dynamicIndex: WebhookRegistration[] = [];

  all(): WebhookRegistration[] {
    return [...this.byWorkflow.values()].flat();
  }

  of(workflowId: string): WebhookRegistration[] {
    return this.byWorkflow.get(workflowId) ?? [];
  }

  /** Registrations of other workflows (or other nodes) that take a method on the same path. */
  conflicts(candidate: WebhookRegistration, ignoreSameWorkflow = false): string[] {
    const shape = shapeOf(candidate.segments);
    const problems: string[] = [];
    for (const other of this.all()) {
      if (other.workflowId === candidate.workflowId) {
        // Its own registrations, and those of a version it replaces, are no conflict.
        if (
          ignoreSameWorkflow ||
          other.node.name === candidate.node.name ||
          other.version !== candidate.version
        )
          continue;
      }
      if (shapeOf(other.segments) !== shape) continue;
      const shared = candidate.methods.filter((m) => other.methods.includes(m));
      if (shared.length === 0) continue;
      const owner =
        other.workflowId === candidate.workflowId
          ? `node '${other.node.name}' of the same workflow`
          : `workflow '${other.workflow.name}' (${other.workflowId})`;
      problems.push(
        `Webhook node '${candidate.node.name}': ${shared.join(', ')} /${candidate.path} is already used by ${owner}`,
      );
    }
    return problems;
  }

  set(workflowId: string, registrations: WebhookRegistration[]): void {
    if (registrations.length === 0) this.byWorkflow.delete(workflowId);
    else this.byWorkflow.set(workflowId, registrations);
    this.reindex();
  }

  remove(workflowId: string): boolean {
    const had = this.byWorkflow.delete(workflowId);
    if (had) this.reindex();
    return had;
  }

  match(method: HttpMethod, segments: string[]): MatchResult {
    const candidates: WebhookMatch[] = [];
    for (const r of this.staticIndex.get(segments.join('/')) ?? []) {
      if (r.methods.includes(method)) return { kind: 'found', match: { registration: r, params: {} } };
      candidates.push({ registration: r, params: {} });
    }
    const dynamic: WebhookMatch[] = [];
    for (const r of this.dynamicIndex) {
      const params = matchSegments(r.segments, segments);
      if (params) dynamic.push({ registration: r, params });
    }
    // Literal paths first, then the most literal pattern (`users/me` over `users/:id`, left-most literal first).
    dynamic.sort((a, b) => specificity(b.registration.segments) - specificity(a.registration.segments));
    candidates.push(...dynamic);
    const found = candidates.find((c) => c.registration.methods.includes(method));
    if (found) return { kind: 'found', match: found };
    if (candidates.length === 0) return { kind: 'none' };
    const methods = [...new Set(candidates.flatMap((c) => c.registration.methods))].sort();
    return { kind: 'method', methods };
  }

  private reindex(): void {
    const staticIndex = new Map<string, WebhookRegistration[]>();
    const dynamicIndex: WebhookRegistration[] = [];
    for (const r of this.all()) {
      if (r.segments.some(isParam)) dynamicIndex.push(r);
      else {
        const key = r.segments.join('/');
        staticIndex.set(key, [...(staticIndex.get(key) ?? []), r]);
      }
    }
    this.staticIndex = staticIndex;
    this.dynamicIndex = dynamicIndex;
  }
}

export class WebhookTrigger implements TriggerKind {
  readonly nodeTypes = ['webhook'] as const;
  private readonly live = new PathTable();
  private readonly tests = new PathTable();
  private readonly testExpiry = new Map<string, number>();
  private readonly clock: Clock;

  constructor(opts: { clock?: Clock } = {}) {
    this.clock = opts.clock ?? systemClock;
  }

  async check(active: ActiveWorkflow, node: WorkflowNode): Promise<string[]> {
    const built = buildRegistration(active, node, false);
    if ('problems' in built) return built.problems;
    const siblings = siblingConflicts(active, built.registration);
    return [...siblings, ...this.live.conflicts(built.registration)];
  }

  async activate(active: ActiveWorkflow, node: WorkflowNode): Promise<void> {
    const built = buildRegistration(active, node, false);
    if ('problems' in built) throw new WebhookConflictError(built.problems);
    const problems = this.live.conflicts(built.registration);
    if (problems.length > 0) throw new WebhookConflictError(problems);
    // A newer version of the same workflow replaces its older registrations node by node.
    const kept = this.live
      .of(active.id)
      .filter((r) => r.node.name !== node.name && r.version === active.version);
    this.live.set(active.id, [...kept, built.registration]);
  }

  async deactivate(workflowId: string): Promise<void> {
    this.live.remove(workflowId);
  }

  /** Production lookup: `segments` are the decoded path segments after `/webhook/`. */
  match(method: HttpMethod, segments: string[]): MatchResult {
    return this.live.match(method, segments);
  }

  /** Every production registration (metrics, the automations API's webhook URLs). */
  registrations(workflowId?: string): WebhookRegistration[] {
    return workflowId === undefined ? this.live.all() : this.live.of(workflowId);
  }

  /**
   * Listens for one call on `/webhook-test/...` for every webhook node of this workflow version.
   * Returns the registrations; throws `WebhookConflictError` when another workflow listens there.
   */
  listenForTest(active: ActiveWorkflow): { registrations: WebhookRegistration[]; expiresAt: Date } {
    this.pruneTests();
    const registrations: WebhookRegistration[] = [];
    const problems: string[] = [];
    const nodes = active.workflow.nodes.filter((n) => n.type === 'webhook' && !n.disabled);
    if (nodes.length === 0) throw new WebhookConflictError(['The workflow has no enabled Webhook node']);
    for (const node of nodes) {
      const built = buildRegistration(active, node, true);
      if ('problems' in built) problems.push(...built.problems);
      else {
        problems.push(...this.tests.conflicts(built.registration, true));
        registrations.push(built.registration);
      }
    }
    for (const r of registrations) problems.push(...siblingConflicts(active, r));
    if (problems.length > 0) throw new WebhookConflictError([...new Set(problems)]);
    const expiresAt = new Date(this.clock.now().getTime() + TEST_LISTENER_MS);
    this.tests.set(active.id, registrations);
    this.testExpiry.set(active.id, expiresAt.getTime());
    return { registrations, expiresAt };
  }

  matchTest(method: HttpMethod, segments: string[]): MatchResult {
    this.pruneTests();
    return this.tests.match(method, segments);
  }

  /** Takes a workflow's test listeners away (its one call arrived). False when someone else already did. */
  consumeTest(workflowId: string): boolean {
    this.testExpiry.delete(workflowId);
    return this.tests.remove(workflowId);
  }

  private pruneTests(): void {
    const now = this.clock.now().getTime();
    for (const [workflowId, expires] of this.testExpiry) {
      if (expires <= now) this.consumeTest(workflowId);
    }
  }
}

type Built = { registration: WebhookRegistration } | { problems: string[] };

function buildRegistration(active: ActiveWorkflow, node: WorkflowNode, test: boolean): Built {
  const label = `Webhook node '${node.name}'`;
  if (containsExpression(node.parameters)) {
    return {
      problems: [
        `${label}: its parameters must be fixed values (expressions are not supported on webhook settings)`,
      ],
    };
  }
  const parsed = webhookParams.safeParse(node.parameters);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((i) => `${label}: parameters.${i.path.join('.')}: ${i.message}`),
    };
  }
  const params = parsed.data;
  const problems: string[] = [];
  if (params.responseMode === 'streaming')
    problems.push(`${label}: the 'streaming' response mode is not supported`);
  const auth = params.authentication;
  if (auth !== 'none' && !node.credentials?.[WEBHOOK_CREDENTIALS[auth]]) {
    problems.push(`${label}: authentication '${auth}' needs a '${WEBHOOK_CREDENTIALS[auth]}' credential`);
  }
  const responders = downstreamOfType(active.workflow, node.name, 'respondToWebhook');
  if (params.responseMode === 'responseNode' && responders.length === 0) {
    problems.push(`${label}: no Respond to Webhook node found after it (response mode 'responseNode')`);
  }
  if (params.responseMode !== 'responseNode' && responders.length > 0) {
    problems.push(
      `${label}: not correctly configured: set 'responseMode' to 'responseNode' or remove the Respond to Webhook node`,
    );
  }
  const path = publicPath(params.path, node.webhookId);
  if ('problem' in path) problems.push(`${label}: ${path.problem}`);
  if (problems.length > 0 || 'problem' in path) return { problems };
  return {
    registration: {
      workflowId: active.id,
      version: active.version,
      workflow: active.workflow,
      node,
      params,
      methods: webhookMethods(params),
      path: path.segments.join('/'),
      segments: path.segments,
      test,
    },
  };
}

/** n8n's path rules: trimmed of slashes; an empty path is the webhookId; `:params` go under the webhookId. */
export function publicPath(raw: string, webhookId?: string): { segments: string[] } | { problem: string } {
  const trimmed = raw.trim().replace(/^\/+|\/+$/g, '');
  const segments = trimmed === '' ? [] : trimmed.split('/').filter((s) => s !== '');
  if (segments.length === 0) {
    if (!webhookId) return { problem: "parameter 'path' is required" };
    return { segments: [webhookId] };
  }
  const names = new Set<string>();
  for (const segment of segments) {
    if (segment === '.' || segment === '..' || /[\s?#%\\]/.test(segment)) {
      return { problem: `parameter 'path': '${raw}' is not a valid path` };
    }
    if (segment.startsWith(':')) {
      const name = segment.slice(1);
      if (!/^[A-Za-z0-9_-]+$/.test(name))
        return { problem: `parameter 'path': invalid parameter name '${segment}'` };
      if (names.has(name)) return { problem: `parameter 'path': parameter '${segment}' appears twice` };
      names.add(name);
    }
  }
  const dynamic = segments.some(isParam);
  return { segments: dynamic && webhookId ? [webhookId, ...segments] : segments };
}

function siblingConflicts(active: ActiveWorkflow, candidate: WebhookRegistration): string[] {
  const problems: string[] = [];
  for (const other of active.workflow.nodes) {
    if (other.type !== 'webhook' || other.disabled || other.name === candidate.node.name) continue;
    const built = buildRegistration(active, other, candidate.test);
    if ('problems' in built) continue;
    if (shapeOf(built.registration.segments) !== shapeOf(candidate.segments)) continue;
    const shared = candidate.methods.filter((m) => built.registration.methods.includes(m));
    if (shared.length > 0) {
      problems.push(
        `Webhook node '${candidate.node.name}': ${shared.join(', ')} /${candidate.path} is also used by node '${other.name}'`,
      );
    }
  }
  return problems;
}

/** Enabled nodes of `type` reachable from `start` through any output. */
export function downstreamOfType(workflow: Workflow, start: string, type: string): WorkflowNode[] {
  const byName = new Map(workflow.nodes.map((n) => [n.name, n]));
  const seen = new Set<string>([start]);
  const queue = [start];
  const found: WorkflowNode[] = [];
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const c of workflow.connections) {
      if (c.from !== from || seen.has(c.to)) continue;
      seen.add(c.to);
      queue.push(c.to);
      const node = byName.get(c.to);
      if (node && node.type === type && !node.disabled) found.push(node);
    }
  }
  return found;
}

const isParam = (segment: string): boolean => segment.startsWith(':');

/** Patterns that match the same URLs have the same shape (parameter names do not matter). */
function shapeOf(segments: string[]): string {
  return segments.map((s) => (isParam(s) ? ':' : s)).join('/');
}

function specificity(segments: string[]): number {
  // Literal segments count most; among equals, literals further left win.
  return segments.reduce((score, s, i) => score + (isParam(s) ? 0 : 1000 - i), 0);
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    if (isParam(pattern[i]))
      Object.defineProperty(params, pattern[i].slice(1), { value: segments[i], enumerable: true });
    else if (pattern[i] !== segments[i]) return null;
  }
  return params;
}
