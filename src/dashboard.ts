import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { AppError, Errors } from './platform/http/errors.js';

/** The dashboard's build (web/dist, made by `npm run build`), beside src/ and dist/ alike. */
export const DASHBOARD_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');

/**
 * The dashboard's own code and nothing else: it talks only to this origin's API, is never framed,
 * and runs no inline script.
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * Serves the dashboard single-page app at `/dashboard/`: static files, public (it holds no data;
 * everything it shows comes from the API, with the credential the user gives it).
 */
export async function dashboardRoutes(app: FastifyInstance, dir = DASHBOARD_DIR): Promise<void> {
  await app.register(async (dashboard) => {
    dashboard.addHook('onRoute', (route) => {
      route.config = { ...route.config, auth: { public: true }, rateLimit: false };
      route.schema = { ...route.schema, hide: true };
    });
    dashboard.addHook('onSend', async (_request, reply, payload) => {
      void reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
      return payload;
    });
    if (!fs.existsSync(path.join(dir, 'index.html'))) {
      dashboard.get('/dashboard/*', () => {
        throw new AppError(Errors.unavailable, 'The dashboard is not built: run `npm run build`.');
      });
      return;
    }
    // index.html is revalidated on every load (it names the hashed assets); the assets never change.
    await dashboard.register(fastifyStatic, {
      root: dir,
      prefix: '/dashboard/',
      index: ['index.html'],
      maxAge: '365d',
      immutable: true,
      setHeaders: (res, file) => {
        if (file.endsWith('index.html')) void res.header('cache-control', 'no-cache');
      },
    });
    // the app's own address, `/dashboard/` (and `/dashboard`: the router ignores a trailing slash)
    dashboard.get('/dashboard/', (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
  });
}
