/**
 * Parameters of the Push node (Firebase Cloud Messaging HTTP v1): the target (a device registration
 * token, a topic or a condition), the notification (title, body, image) and data (an object whose
 * values FCM wants as strings), plus the Android/APNs settings reminders need.
 */
import { z } from 'zod';

const text = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .transform((v) => (v === null ? '' : String(v)))
  .default('');

export const pushParams = z
  .object({
    targetType: z.enum(['token', 'topic', 'condition']).default('token'),
    /** Registration token of one app installation. */
    token: text,
    /** Topic name (`rappels`), without `/topics/`. */
    topic: text,
    /** Topic condition: `'rappels' in topics && 'fr' in topics`. */
    condition: text,
    title: text,
    body: text,
    /** Key/value data for the app: an object (values are sent as strings), or its JSON. */
    data: z.unknown().optional(),
    options: z
      .object({
        imageUrl: text,
        /** Android delivery priority: `high` wakes the device. */
        androidPriority: z.enum(['normal', 'high']).default('high'),
        /** Seconds FCM keeps the message for an offline device (default: FCM's 4 weeks). */
        timeToLive: z.number().int().min(0).max(2_419_200).optional(),
        /** Messages with the same key replace each other on the device (one reminder shown, not three). */
        collapseKey: text,
        sound: text,
        /** Ask FCM to check the message without delivering it. */
        validateOnly: z.boolean().default(false),
        /** Milliseconds for each request. */
        timeout: z.number().int().min(1).default(30_000),
      })
      .loose()
      .prefault({}),
  })
  .loose();

export type PushParams = z.output<typeof pushParams>;
