import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { StringEnum } from './schemas.js';

const Health = Type.Object({ status: StringEnum(['ok', 'unavailable']), detail: Type.Optional(Type.String()) });

/**
 * `/healthz`: the process is alive. `/readyz`: `check` resolves null when the database is reachable and
 * its migrations are current, or a reason otherwise (503).
 */
export function healthRoutes(check: () => Promise<string | null>): FastifyPluginAsyncTypebox {
  return async (app) => {
    const config = { auth: { public: true }, rateLimit: false } as const;
    app.get('/healthz', { config, schema: { tags: ['Health'], summary: 'Liveness', response: { 200: Health } } }, () => ({ status: 'ok' as const }));
    app.get('/readyz', { config, schema: { tags: ['Health'], summary: 'Readiness', response: { 200: Health, 503: Health } } }, async (_request, reply) => {
      let reason: string | null;
      try {
        reason = await check();
      } catch {
        reason = 'database unreachable';
      }
      if (reason) return reply.code(503).header('cache-control', 'no-store').send({ status: 'unavailable' as const, detail: reason });
      return reply.header('cache-control', 'no-store').send({ status: 'ok' as const });
    });
  };
}
