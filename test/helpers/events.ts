import { listEvents } from '../../src/platform/events/events.repo.js';
import type { EventEnvelope } from '../../src/platform/events/outbox.js';
import type { TestApp } from './app.js';

/**
 * Test-mode events, oldest first, optionally of some types (exact or `prefix.*`) and about one
 * object (`data.object.id`).
 */
export async function eventsOf(t: TestApp, types?: readonly string[], objectId?: string): Promise<EventEnvelope[]> {
  const all = await listEvents(t.db.forEnv('test'), 'test', { ...(types ? { types } : {}), limit: 1000 });
  return all.filter((e) => objectId === undefined || e.data.object.id === objectId).reverse();
}
