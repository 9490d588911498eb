/**
 * Push: one Firebase Cloud Messaging notification per input item (HTTP v1 API), to a device token,
 * a topic or a topic condition. The credential (`fcmServiceAccount`: projectId, clientEmail,
 * privateKey — or the service account's JSON key file) yields an OAuth2 access token (a signed
 * JWT exchanged at Google's token endpoint, push/google-auth.ts), cached until shortly before it
 * expires and shared across items and executions; a token FCM refuses (401) is fetched again once.
 *
 * The output item is FCM's answer `{ name: "projects/<p>/messages/<id>" }` plus `messageId`.
 * Failures are NodeErrors: 4xx final (UNREGISTERED token, invalid argument, refused service
 * account), 429/5xx and connection failures retryable through the engine's retry rules.
 */
import type { Item } from '../engine/items.js';
import { fcmMessage, fcmOutcome, postFcm } from './push/fcm.js';
import {
  FCM_SCOPE,
  googleAccessToken,
  type ServiceAccount,
  serviceAccount,
  sharedGoogleTokens,
} from './push/google-auth.js';
import { type PushParams, pushParams } from './push/params.js';
import { defineNode, mapItems, type NodeContext } from './sdk.js';
import { nodeSettings } from './settings.js';
import { apiClient } from './shared/api-call.js';

async function execute(ctx: NodeContext<PushParams>): Promise<Item[][]> {
  if (ctx.items.length === 0) return [[]];
  let first: PushParams | undefined;
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
  });
  let account: Promise<ServiceAccount> | undefined;
  try {
    const out = await mapItems(ctx, async (_item, i) => {
      const p = ctx.getParams(i);
      const body = fcmMessage(p, i);
      account ??= ctx.getCredentials('fcmServiceAccount').then(serviceAccount);
      const sa = await account;
      const fetchToken = () =>
        googleAccessToken(sharedGoogleTokens, sa, FCM_SCOPE, api, i, settings.googleTokenUrl);
      const post = (accessToken: string) =>
        postFcm(api, sa.projectId, accessToken, body, i, settings.fcmBaseUrl);
      let token = await fetchToken();
      let res = await post(token);
      if (res.status === 401) {
        // The token was revoked or expired early: one new token, one more try.
        sharedGoogleTokens.invalidate(token);
        token = await fetchToken();
        res = await post(token);
      }
      return { json: fcmOutcome(res, i) };
    });
    return [out];
  } finally {
    await api.close();
  }
}

export const pushNode = defineNode({
  type: 'push',
  version: 1,
  displayName: 'Push Notification',
  description: 'Sends a push notification through Firebase Cloud Messaging (HTTP v1).',
  group: 'action',
  params: pushParams,
  inputs: 1,
  outputs: ['main'],
  credentials: [{ name: 'fcmServiceAccount', required: true }],
  execute,
});
