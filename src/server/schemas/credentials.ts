/** Credentials in the API: what may be shown (never a value) and what may be sent. */
import { z } from 'zod';
import type { CredentialInfo } from '../credentials/service.js';
import { instant, iso, pageQuery } from './common.js';

export const credentialSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  fields: z
    .array(z.string())
    .meta({ description: 'Names of the fields that hold a value (values are never returned)' }),
  createdAt: instant,
  updatedAt: instant,
});

const name = z.string().trim().min(1).max(200);
const type = z.string().min(1).max(100);
const data = z.record(z.string(), z.unknown());

export const createCredentialSchema = z
  .object({
    name,
    type,
    data: data.meta({ description: 'The fields of the type (GET /api/credential-types)' }),
  })
  .strict();

export const updateCredentialSchema = z
  .object({
    name: name.optional(),
    type: type.optional(),
    data: data.optional().meta({
      description:
        'Merged into the stored fields: a field left out keeps its value, `null` removes it. With a new `type`, replaces them.',
    }),
  })
  .strict();

export const credentialListQuery = pageQuery.extend({
  type: type.optional(),
  search: z.string().min(1).max(200).optional().meta({ description: 'Part of the name, any case' }),
});

export const credentialTypeSchema = z.object({
  type: z.string(),
  displayName: z.string(),
  description: z.string(),
  properties: z
    .record(z.string(), z.unknown())
    .meta({ description: 'The fields, as JSON Schema (secrets: `writeOnly`)' }),
});

export function credentialView(c: CredentialInfo): z.infer<typeof credentialSchema> {
  return {
    id: c.id,
    name: c.name,
    type: c.type,
    fields: c.fields,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}
