/**
 * Parameters of the SMS node. Twilio takes the shape of n8n's Twilio node (`Twilio/Twilio.node.ts`:
 * `from`, `to`, `message`, `toWhatsapp`, option `statusCallback`) plus Twilio's Messaging Service; the generic
 * gateway is a URL, a method, an authentication (the HTTP credential types) and a body template
 * with `{to}`, `{from}` and `{message}` placeholders — single braces, so they never collide with
 * `{{ }}` expressions.
 */
import { z } from 'zod';

const text = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .transform((v) => (v === null ? '' : String(v)))
  .default('');

export const SMS_PROVIDERS = ['twilio', 'httpGateway'] as const;
export const GATEWAY_AUTH = ['none', 'httpHeaderAuth', 'httpBasicAuth', 'httpBearerAuth'] as const;

export const DEFAULT_GATEWAY_BODY = '{"to":"{to}","from":"{from}","message":"{message}"}';

export const smsParams = z
  .object({
    provider: z.enum(SMS_PROVIDERS).default('twilio'),
    /** Recipient, E.164 (`+41791234567`); Twilio also takes `whatsapp:+41...`. */
    to: text,
    /** Sender: a number or an alphanumeric sender id (Twilio: or a Messaging Service below). */
    from: text,
    message: text,
    /** Twilio (n8n's "To Whatsapp"): prefixes `whatsapp:` to From and To. */
    toWhatsapp: z.boolean().default(false),
    /** Twilio: send through a Messaging Service instead of a `from` number. */
    messagingServiceSid: text,
    /** Gateway: the URL; `{to}`, `{from}`, `{message}` are replaced, URL-encoded. */
    url: text,
    method: z.enum(['POST', 'PUT', 'GET']).default('POST'),
    authentication: z.enum(GATEWAY_AUTH).default('none'),
    bodyContentType: z.enum(['json', 'form']).default('json'),
    /** Gateway: the body, with placeholders escaped for the content type (JSON string or form value). */
    body: text.default(DEFAULT_GATEWAY_BODY),
    options: z
      .object({
        /** Twilio: URL Twilio calls with delivery status updates. */
        statusCallback: text,
        /** Milliseconds for the whole request. */
        timeout: z.number().int().min(1).default(30_000),
        allowUnauthorizedCerts: z.boolean().default(false),
      })
      .loose()
      .prefault({}),
  })
  .loose();

export type SmsParams = z.output<typeof smsParams>;
