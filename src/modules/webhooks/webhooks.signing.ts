import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new signing secret: `whsec_` and base64 of 32 random bytes (Standard Webhooks allows 24–64). */
export function generateSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString('base64')}`;
}

const signers = new Map<string, Webhook>();

function signer(secret: string): Webhook {
  let s = signers.get(secret);
  if (!s) {
    if (signers.size > 10_000) signers.clear();
    s = new Webhook(secret);
    signers.set(secret, s);
  }
  return s;
}

/**
 * The `webhook-signature` header: one `v1,<base64 HMAC-SHA256>` per secret, space-separated, over
 * `${id}.${timestamp}.${body}`. During a rotation's overlap there are two, so a receiver holding
 * either secret verifies the delivery.
 */
export function signatureHeader(secrets: readonly string[], id: string, timestamp: Date, body: string): string {
  return secrets.map((s) => signer(s).sign(id, timestamp, body)).join(' ');
}

/** The delivery body: `{ type, timestamp, data }`, timestamp being when the event happened. */
export function deliveryBody(event: { type: string; created_at: Date; data: unknown }): string {
  return JSON.stringify({ type: event.type, timestamp: event.created_at.toISOString(), data: event.data });
}
