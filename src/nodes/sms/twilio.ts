/**
 * Twilio's Messages API (what n8n's Twilio node calls, `Twilio/GenericFunctions.ts`):
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded `To`, `From` or
 * `MessagingServiceSid`, `Body` (and `StatusCallback`), Basic authentication with the account SID
 * and auth token. The answer (the message resource: `sid`, `status`...) is the output item.
 * `RELAIS_TWILIO_BASE_URL` replaces `https://api.twilio.com` (tests, proxies): the node passes its
 * setting (src/nodes/settings.ts) as `baseUrl`.
 *
 * Twilio's errors are `{ code, message, more_info, status }`: the message names Twilio's code
 * (21211 "invalid 'To' number", 20003 "authenticate"...); 4xx are final, 429 and 5xx retryable.
 */
import { NonRetryableError } from '../../engine/errors.js';
import type { JsonObject } from '../../engine/items.js';
import { type ApiClient, statusError } from '../shared/api-call.js';
import type { SmsParams } from './params.js';

export const TWILIO_BASE_URL = 'https://api.twilio.com';

export interface TwilioCredential {
  accountSid: string;
  authToken: string;
}

export function twilioCredential(data: JsonObject): TwilioCredential {
  const accountSid = typeof data.accountSid === 'string' ? data.accountSid.trim() : '';
  const authToken = typeof data.authToken === 'string' ? data.authToken : '';
  if (accountSid === '' || authToken === '') {
    throw new NonRetryableError(`The Twilio credential needs its 'accountSid' and 'authToken'`, {
      code: 'INVALID_CREDENTIAL',
    });
  }
  return { accountSid, authToken };
}

export async function sendTwilio(
  api: ApiClient,
  credential: TwilioCredential,
  p: SmsParams,
  itemIndex: number,
  baseUrl: string = TWILIO_BASE_URL,
): Promise<JsonObject> {
  // n8n's "To Whatsapp" prefixes both numbers (`Twilio/Twilio.node.ts`).
  const whatsapp = (n: string) => (p.toWhatsapp && !n.startsWith('whatsapp:') ? `whatsapp:${n}` : n);
  const form = new URLSearchParams({ To: whatsapp(p.to.trim()) });
  if (p.messagingServiceSid.trim() !== '') form.set('MessagingServiceSid', p.messagingServiceSid.trim());
  else if (p.from.trim() !== '') form.set('From', whatsapp(p.from.trim()));
  else {
    throw new NonRetryableError(`Parameter 'From' is empty`, {
      code: 'INVALID_PARAMETER',
      itemIndex,
      description: 'Give a Twilio number or sender id in "From", or a "Messaging Service SID".',
    });
  }
  form.set('Body', p.message);
  if (p.options.statusCallback.trim() !== '') form.set('StatusCallback', p.options.statusCallback.trim());

  const url = new URL(
    `${baseUrl}/2010-04-01/Accounts/${encodeURIComponent(credential.accountSid)}/Messages.json`,
  );
  const res = await api.call(
    {
      method: 'POST',
      url,
      headers: {
        authorization: `Basic ${Buffer.from(`${credential.accountSid}:${credential.authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: form.toString(),
    },
    itemIndex,
  );
  if (res.status >= 200 && res.status < 300 && isObject(res.json)) return res.json;
  if (res.status >= 200 && res.status < 300) {
    throw statusError(502, 'Twilio answered without a message resource', {
      code: 'TWILIO_ERROR',
      body: res.text,
      itemIndex,
    });
  }
  const error = isObject(res.json) ? res.json : {};
  const code = error.code === undefined ? '' : ` ${String(error.code)}`;
  const detail = typeof error.message === 'string' ? `: ${error.message}` : '';
  const message =
    res.status === 401 || res.status === 403
      ? `Twilio refused the credentials${code}${detail}`
      : `Twilio error${code}${detail || ` (HTTP ${res.status})`}`;
  throw statusError(res.status, message, {
    code: res.status === 401 ? 'TWILIO_AUTH' : 'TWILIO_ERROR',
    body: res.text,
    itemIndex,
    description: typeof error.more_info === 'string' ? `${res.status} - ${error.more_info}` : undefined,
  });
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
