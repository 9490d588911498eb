/**
 * The n8n export format (what n8n writes into a workflow JSON file) and the contract of the
 * per-type mappers that turn an n8n node of any typeVersion into a Relais node, whose parameters
 * have the shape of n8n's latest typeVersion of that node.
 */

export const N8N_PREFIX = 'n8n-nodes-base.';

export interface N8nCredentialRef {
  id?: string | null;
  name: string;
}

export interface N8nNode {
  id?: string;
  name: string;
  type: string;
  typeVersion?: number;
  position?: [number, number];
  parameters?: Record<string, unknown>;
  credentials?: Record<string, N8nCredentialRef>;
  disabled?: boolean;
  notes?: string;
  notesInFlow?: boolean;
  alwaysOutputData?: boolean;
  executeOnce?: boolean;
  retryOnFail?: boolean;
  maxTries?: number;
  waitBetweenTries?: number;
  continueOnFail?: boolean;
  onError?: 'stopWorkflow' | 'continueRegularOutput' | 'continueErrorOutput';
  webhookId?: string;
}

export interface N8nConnectionTarget {
  node: string;
  type: string;
  index: number;
}

export interface N8nWorkflow {
  id?: string | number;
  name?: string;
  nodes: N8nNode[];
  connections: Record<string, Record<string, (N8nConnectionTarget[] | null)[]>>;
  settings?: Record<string, unknown>;
  pinData?: unknown;
}

export type Params = Record<string, unknown>;

/** What a mapper tells the report about one node. */
export interface MapContext {
  readonly node: N8nNode;
  /** The node's typeVersion (1 when the export omits it). */
  readonly version: number;
  /** A parameter whose meaning Relais cannot keep exactly: the node runs, but may differ from n8n. */
  changed(parameter: string, why: string): void;
  /** A parameter Relais does not use at all. */
  ignored(parameter: string, why: string): void;
  warn(message: string): void;
}

export interface MappedNode {
  /** Relais node type (n8n's type name without the `n8n-nodes-base.` prefix). */
  type: string;
  parameters: Params;
  /**
   * When the output count or order changes: for each regular output of the n8n node (index), the
   * Relais outputs its connections go to. Absent: outputs keep their index. When present, an n8n
   * output past the list is the node's error output (`continueErrorOutput`).
   */
  outputs?: number[][];
}

export type Mapper = (parameters: Params, ctx: MapContext) => MappedNode;
