/**
 * The items model (ARCHITECTURE decision 1): what flows between nodes, exactly as n8n shapes it,
 * so n8n workflows and their expressions keep working unchanged.
 */

/** A JSON object as carried by an item. Values are JSON, plus whatever a node put there (dates). */
export type JsonObject = { [key: string]: unknown };

/** A file attached to an item. Small files may be inline (`data`, base64); large ones are stored apart (`id`). */
export interface BinaryData {
  /** Base64 content when kept inline. */
  data?: string;
  /** Reference to content stored outside the run rows (data directory), when not inline. */
  id?: string;
  mimeType: string;
  fileName?: string;
  fileExtension?: string;
  fileSize?: number;
}

/** Which input item an output item descends from: item index within input `input` (default 0). */
export interface PairedItem {
  item: number;
  input?: number;
}

export interface Item {
  json: JsonObject;
  binary?: Record<string, BinaryData>;
  /** Lineage used by `$('Node').item`. Filled in by the engine when a node leaves it out. */
  pairedItem?: PairedItem | PairedItem[];
}

/** Where one input of a node execution came from: the node, its output index, and which of its runs. */
export interface ItemSource {
  node: string;
  output: number;
  run: number;
}

/** Wraps plain objects as items, keeps items as they are (n8n's normalisation of node results). */
export function toItems(values: readonly unknown[]): Item[] {
  return values.map((value) => {
    if (isItemShaped(value)) return value;
    return { json: (value ?? {}) as JsonObject };
  });
}

function isItemShaped(value: unknown): value is Item {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const json = (value as { json?: unknown }).json;
  return typeof json === 'object' && json !== null && !Array.isArray(json);
}

export function pairedItemList(item: Item): PairedItem[] {
  const p = item.pairedItem;
  if (p === undefined) return [];
  return Array.isArray(p) ? p : [p];
}
