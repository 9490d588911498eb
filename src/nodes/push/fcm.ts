/**
 * Firebase Cloud Messaging HTTP v1: `POST /v1/projects/{projectId}/messages:send` with a bearer
 * token of the service account and `{ message: { token | topic | condition, notification, data,
 * android, apns } }` (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages).
 * `RELAIS_FCM_BASE_URL` replaces `https://fcm.googleapis.com` (tests): the node passes its setting
 * (src/nodes/settings.ts) as `baseUrl`.
 *
 * FCM's errors name a reason (`details[].errorCode`: UNREGISTERED, INVALID_ARGUMENT,
 * SENDER_ID_MISMATCH, QUOTA_EXCEEDED, UNAVAILABLE, INTERNAL...): the error code is `FCM_<reason>`;
 * 4xx are final (an UNREGISTERED token must be removed, not retried), 429 and 5xx retryable.
 */
import { NonRetryableError } from '../../engine/errors.js';
import type { JsonObject } from '../../engine/items.js';
import { truncate } from '../http-request/errors.js';
import { type ApiClient, statusError } from '../shared/api-call.js';
import type { PushParams } from './params.js';

export const FCM_BASE_URL = 'https://fcm.googleapis.com';

/** Keys FCM refuses in `data` (its own fields). */
const RESERVED = /^(from|notification|message_type|google\..*|gcm\..*)$/;

function invalid(message: string, itemIndex: number, description?: string): NonRetryableError {
  return new NonRetryableError(message, { code: 'INVALID_PARAMETER', itemIndex, description });
}

/** `data` as FCM wants it: an object of strings. */
function dataOf(value: unknown, itemIndex: number): Record<string, string> | undefined {
  let data = value;
  if (data === undefined || data === null || data === '') return undefined;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      throw invalid(
        `Parameter 'Data' is not valid JSON`,
        itemIndex,
        'Give an object, e.g. {"appointmentId": "42"}.',
      );
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw invalid(
      `Parameter 'Data' must be an object`,
      itemIndex,
      'FCM data is a set of keys and string values.',
    );
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(data)) {
    if (RESERVED.test(key)) {
      throw invalid(
        `Parameter 'Data' uses the reserved key '${key}'`,
        itemIndex,
        'FCM refuses from, notification, message_type and google./gcm. keys.',
      );
    }
    if (v === undefined) continue;
    out[key] = typeof v === 'string' ? v : v === null ? '' : JSON.stringify(v);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The request body of `messages:send`. */
export function fcmMessage(p: PushParams, itemIndex: number): JsonObject {
  const message: JsonObject = {};
  const target =
    p.targetType === 'token'
      ? p.token
      : p.targetType === 'topic'
        ? p.topic.replace(/^\/topics\//, '')
        : p.condition;
  if (target.trim() === '') {
    const label = { token: 'Registration Token', topic: 'Topic', condition: 'Condition' }[p.targetType];
    throw invalid(`Parameter '${label}' is empty`, itemIndex);
  }
  message[p.targetType] = target.trim();
  const notification: JsonObject = {};
  if (p.title !== '') notification.title = p.title;
  if (p.body !== '') notification.body = p.body;
  if (p.options.imageUrl !== '') notification.image = p.options.imageUrl;
  if (Object.keys(notification).length > 0) message.notification = notification;
  const data = dataOf(p.data, itemIndex);
  if (data) message.data = data;
  if (!message.notification && !message.data) {
    throw invalid('Nothing to send: give a title, a body or data', itemIndex);
  }
  const android: JsonObject = { priority: p.options.androidPriority };
  if (p.options.timeToLive !== undefined) android.ttl = `${p.options.timeToLive}s`;
  if (p.options.collapseKey !== '') android.collapse_key = p.options.collapseKey;
  if (p.options.sound !== '' && message.notification) android.notification = { sound: p.options.sound };
  message.android = android;
  const apnsHeaders: Record<string, string> = {};
  if (p.options.collapseKey !== '') apnsHeaders['apns-collapse-id'] = p.options.collapseKey;
  if (p.options.androidPriority === 'normal') apnsHeaders['apns-priority'] = '5';
  if (Object.keys(apnsHeaders).length > 0 || p.options.sound !== '') {
    message.apns = {
      ...(Object.keys(apnsHeaders).length > 0 && { headers: apnsHeaders }),
      ...(p.options.sound !== '' && { payload: { aps: { sound: p.options.sound } } }),
    };
  }
  return p.options.validateOnly ? { validate_only: true, message } : { message };
}

export interface FcmResult {
  status: number;
  json?: unknown;
  text: string;
}

export async function postFcm(
  api: ApiClient,
  projectId: string,
  accessToken: string,
  body: JsonObject,
  itemIndex: number,
  baseUrl: string = FCM_BASE_URL,
): Promise<FcmResult> {
  const url = new URL(`${baseUrl}/v1/projects/${encodeURIComponent(projectId)}/messages:send`);
  return api.call(
    {
      method: 'POST',
      url,
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(body),
    },
    itemIndex,
  );
}

const HINTS: Readonly<Record<string, string>> = {
  UNREGISTERED:
    'The registration token is no longer valid (the app was uninstalled or the token expired): remove it.',
  SENDER_ID_MISMATCH: 'The token belongs to another Firebase project than the service account.',
  THIRD_PARTY_AUTH_ERROR: 'The APNs certificate or web push key configured in Firebase was refused.',
  QUOTA_EXCEEDED: 'Sending too fast: retry later (retries with back-off in the node settings).',
};

/** The message id (`projects/p/messages/<id>`), or an error for a non-2xx answer. */
export function fcmOutcome(res: FcmResult, itemIndex: number): JsonObject {
  if (res.status >= 200 && res.status < 300) {
    const out = (res.json && typeof res.json === 'object' ? res.json : {}) as JsonObject;
    const name = typeof out.name === 'string' ? out.name : '';
    return { ...out, messageId: name.split('/').pop() ?? '' };
  }
  const error = ((res.json as { error?: Record<string, unknown> } | undefined)?.error ?? {}) as {
    status?: unknown;
    message?: unknown;
    details?: { errorCode?: unknown }[];
  };
  const reason =
    (Array.isArray(error.details)
      ? error.details.find((d) => typeof d?.errorCode === 'string')?.errorCode
      : undefined) ?? error.status;
  const code = typeof reason === 'string' ? `FCM_${reason}` : 'FCM_ERROR';
  const detail = typeof error.message === 'string' ? `: ${error.message}` : '';
  const hint = typeof reason === 'string' ? HINTS[reason] : undefined;
  throw statusError(
    res.status,
    `FCM refused the message${typeof reason === 'string' ? ` (${reason})` : ''}${detail}`,
    {
      code,
      body: res.text,
      itemIndex,
      description: hint ? `${hint} ${res.status} - ${truncate(res.text, 500)}` : undefined,
    },
  );
}
