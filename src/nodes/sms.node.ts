/**
 * SMS: one text message per input item, through Twilio (`provider: 'twilio'`, credential
 * `twilioApi` with n8n's fields accountSid / authToken) or a generic HTTP SMS gateway
 * (`provider: 'httpGateway'`). The clinic of `seeds/001` texts its patients J-7, J-1 and H-2 before
 * an intervention; a workflow does that with a Wait or Schedule node, then this one.
 *
 * Twilio: see sms/twilio.ts (the output item is Twilio's message resource, as n8n's Twilio node
 * outputs). Gateway: see sms/gateway.ts. Failures are NodeErrors: 4xx answers (invalid number,
 * bad credentials) are final, 429/5xx and connection failures retryable through the engine's retry
 * rules (they carry `httpStatus` or the system code). `RELAIS_HTTP_DENY` applies to every call.
 */
import { NonRetryableError } from '../engine/errors.js';
import type { Item } from '../engine/items.js';
import { defineNode, mapItems, type NodeContext } from './sdk.js';
import { nodeSettings } from './settings.js';
import { apiClient } from './shared/api-call.js';
import { sendGateway } from './sms/gateway.js';
import { type SmsParams, smsParams } from './sms/params.js';
import { sendTwilio, type TwilioCredential, twilioCredential } from './sms/twilio.js';

/** Twilio refuses longer bodies (1,600 characters) with error 21617. */
const MAX_LENGTH = 1600;

function check(p: SmsParams, itemIndex: number): void {
  const fail = (label: string, description: string) =>
    new NonRetryableError(`Parameter '${label}' is empty`, {
      code: 'INVALID_PARAMETER',
      itemIndex,
      description,
    });
  if (p.to.trim() === '')
    throw fail('To', 'Give the phone number in international format, e.g. +41791234567.');
  if (p.message.trim() === '') throw fail('Message', 'An SMS needs a text.');
  if (p.provider === 'twilio' && p.message.length > MAX_LENGTH) {
    throw new NonRetryableError(`Parameter 'Message' is too long: ${p.message.length} characters`, {
      code: 'INVALID_PARAMETER',
      itemIndex,
      description: `Twilio accepts at most ${MAX_LENGTH} characters.`,
    });
  }
}

async function execute(ctx: NodeContext<SmsParams>): Promise<Item[][]> {
  if (ctx.items.length === 0) return [[]];
  // One connection pool per execution, with the options of the first item (as n8n reads options).
  let first: SmsParams | undefined;
  try {
    first = ctx.getParams(0);
  } catch {
    // reported for that item below
  }
  const settings = nodeSettings(ctx);
  const api = await apiClient({
    policy: settings.httpDeny,
    signal: ctx.signal,
    timeoutMs: first?.options.timeout ?? 30_000,
    allowUnauthorizedCerts: first?.options.allowUnauthorizedCerts ?? false,
  });
  let twilio: Promise<TwilioCredential> | undefined;
  try {
    const out = await mapItems(ctx, async (_item, i) => {
      const p = ctx.getParams(i);
      check(p, i);
      if (p.provider === 'twilio') {
        twilio ??= ctx.getCredentials('twilioApi').then(twilioCredential);
        return { json: await sendTwilio(api, await twilio, p, i, settings.twilioBaseUrl) };
      }
      return { json: await sendGateway(ctx, api, p, i) };
    });
    return [out];
  } finally {
    await api.close();
  }
}

export const smsNode = defineNode({
  type: 'sms',
  version: 1,
  displayName: 'SMS',
  description: 'Sends a text message through Twilio or an HTTP SMS gateway.',
  group: 'action',
  params: smsParams,
  inputs: 1,
  outputs: ['main'],
  credentials: [
    { name: 'twilioApi' },
    { name: 'httpHeaderAuth' },
    { name: 'httpBasicAuth' },
    { name: 'httpBearerAuth' },
  ],
  execute,
});
