/**
 * Credentials as the API and the engine see them. Writes validate `data` against the type's
 * schema and encrypt it; reads return what is safe to show — name, type, which fields hold a value,
 * timestamps — and never a value. Only `resolve` (the engine's credential port) decrypts.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Clock } from '../../engine/clock.js';
import { NonRetryableError } from '../../engine/errors.js';
import type { JsonObject } from '../../engine/items.js';
import type { WorkflowNode } from '../../engine/workflow.js';
import type { CredentialRecord, CredentialStore, Page } from '../../store/index.js';
import { badRequest, conflict, notFound } from '../http-error.js';
import { type CredentialCipher, CredentialDecryptError } from './cipher.js';
import type { CredentialTypes } from './types.js';

/** What the API shows of a credential. */
export interface CredentialInfo {
  id: string;
  name: string;
  type: string;
  /** Names of the fields that hold a value. */
  fields: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface CredentialInput {
  name: string;
  type: string;
  data: Record<string, unknown>;
}

/**
 * An update: `data` is merged into the stored fields (a field left out keeps its value — the UI
 * cannot send back secrets it never saw; `null` removes a field). Changing `type` replaces `data`.
 */
export interface CredentialUpdate {
  name?: string;
  type?: string;
  data?: Record<string, unknown | null>;
}

export class CredentialService {
  constructor(
    private readonly store: CredentialStore,
    private readonly cipher: CredentialCipher,
    readonly types: CredentialTypes,
    private readonly clock: Clock,
  ) {}

  async list(query: {
    limit: number;
    cursor?: string | null;
    type?: string;
    search?: string;
  }): Promise<Page<CredentialInfo>> {
    const page = await this.store.list(query);
    return { items: page.items.map(info), nextCursor: page.nextCursor };
  }

  async get(id: string): Promise<CredentialInfo | null> {
    const record = await this.store.get(id);
    return record ? info(record) : null;
  }

  async create(input: CredentialInput): Promise<CredentialInfo> {
    const id = randomUUID();
    const data = this.validate(input.type, input.data);
    const result = await this.store.create({
      id,
      name: input.name,
      type: input.type,
      data: this.cipher.encrypt(JSON.stringify(data), id),
      fields: fieldsSet(data),
      now: this.clock.now(),
    });
    if (!result.ok) throw duplicate(input.type, input.name);
    return info(result.credential);
  }

  async update(id: string, update: CredentialUpdate): Promise<CredentialInfo> {
    const current = await this.store.get(id);
    if (!current) throw notFound('Credential');
    const type = update.type ?? current.type;
    let encrypted: { data: string; fields: string[] } | undefined;
    if (update.data !== undefined || type !== current.type) {
      const base = type === current.type ? this.readable(current) : {};
      const merged: Record<string, unknown> = { ...base };
      for (const [key, value] of Object.entries(update.data ?? {})) {
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      const data = this.validate(type, merged);
      encrypted = { data: this.cipher.encrypt(JSON.stringify(data), id), fields: fieldsSet(data) };
    }
    const result = await this.store.update(id, {
      name: update.name,
      type: update.type,
      ...encrypted,
      now: this.clock.now(),
    });
    if (!result.ok)
      throw result.reason === 'duplicate'
        ? duplicate(type, update.name ?? current.name)
        : notFound('Credential');
    return info(result.credential);
  }

  delete(id: string): Promise<boolean> {
    return this.store.delete(id);
  }

  /**
   * The engine's credential port: the credential a node declares under `slot` (n8n: the credential
   * type), found by id, else by type and name — so an imported n8n workflow finds the credential
   * created here with the same type and name — decrypted, with the type's defaults filled in.
   */
  async resolve(node: WorkflowNode, slot: string): Promise<JsonObject> {
    const ref = node.credentials?.[slot];
    if (!ref) {
      throw new NonRetryableError(`Node '${node.name}' has no '${slot}' credential selected`, {
        code: 'CREDENTIAL_MISSING',
      });
    }
    const record =
      (ref.id ? await this.store.get(ref.id) : null) ?? (await this.store.findByTypeAndName(slot, ref.name));
    if (!record) {
      throw new NonRetryableError(
        `Credential '${ref.name}' (${slot}) of node '${node.name}' does not exist`,
        {
          code: 'CREDENTIAL_NOT_FOUND',
          description: `Create a '${slot}' credential named '${ref.name}' (POST /api/credentials).`,
        },
      );
    }
    let data: Record<string, unknown>;
    try {
      data = this.decrypt(record);
    } catch (error) {
      if (!(error instanceof CredentialDecryptError)) throw error;
      throw new NonRetryableError(`Credential '${record.name}' cannot be decrypted: ${error.message}`, {
        code: 'CREDENTIAL_UNREADABLE',
      });
    }
    const parsed = this.types.get(record.type)?.schema.safeParse(data);
    return (parsed?.success ? parsed.data : data) as JsonObject;
  }

  /** Decrypted fields of a stored credential. Throws `CredentialDecryptError` with a clear reason. */
  decrypt(record: CredentialRecord): Record<string, unknown> {
    try {
      return JSON.parse(this.cipher.decrypt(record.data, record.id)) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof CredentialDecryptError) {
        throw new CredentialDecryptError(`credential '${record.name}' (${record.id}): ${error.message}`);
      }
      throw error;
    }
  }

  /**
   * The stored fields to merge an update into; none when they cannot be decrypted (the key
   * changed): the update must then give every required field again, and replaces them all.
   */
  private readable(record: CredentialRecord): Record<string, unknown> {
    try {
      return this.decrypt(record);
    } catch (error) {
      if (error instanceof CredentialDecryptError) return {};
      throw error;
    }
  }

  private validate(type: string, data: Record<string, unknown>): Record<string, unknown> {
    const def = this.types.get(type);
    if (!def) {
      const known = this.types
        .list()
        .map((t) => t.type)
        .join(', ');
      throw badRequest(`Unknown credential type '${type}'`, [{ field: 'type', message: `one of: ${known}` }]);
    }
    const result = (def.schema as z.ZodType).safeParse(data);
    if (!result.success) {
      // Paths and messages only: zod's messages do not quote the input, so no secret leaks here.
      const details = result.error.issues.map((i) => ({
        field: ['data', ...i.path.map(String)].join('.'),
        message: i.message,
      }));
      throw badRequest(`The fields do not fit credential type '${type}'`, details);
    }
    return result.data as Record<string, unknown>;
  }
}

function info(record: CredentialRecord): CredentialInfo {
  const { data: _ciphertext, ...rest } = record;
  return rest;
}

/** Fields that hold something (an empty string is as good as unset for a form). */
function fieldsSet(data: Record<string, unknown>): string[] {
  return Object.keys(data)
    .filter((k) => data[k] !== undefined && data[k] !== null && data[k] !== '')
    .sort();
}

function duplicate(type: string, name: string) {
  return conflict(`A '${type}' credential named '${name}' exists already`, [
    { field: 'name', message: 'already used for this type' },
  ]);
}
