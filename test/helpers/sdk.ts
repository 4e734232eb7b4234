import type { Middleware } from 'openapi-fetch';
import { createTesseraClient, type TesseraClient } from '../../sdk/index.js';
import type { TestApp } from './app.js';
import { assertContract } from './contract.js';

/** Makes the test app listen on a free local port (once) and returns its base URL. */
export async function listen(t: TestApp): Promise<string> {
  if (!t.app.server.listening) await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address !== 'object') throw new Error('the test app is not listening on a TCP port');
  return `http://127.0.0.1:${address.port}`;
}

/**
 * The generated SDK against the listening test app, with `key`. Every response it receives over
 * HTTP is validated against the contract, like those of `t.call`.
 */
export function sdk(t: TestApp, baseUrl: string, key: string): TesseraClient {
  const client = createTesseraClient(baseUrl, key);
  const contract: Middleware = {
    async onResponse({ request, response }) {
      const url = new URL(request.url);
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => (headers[name] = value));
      assertContract(t.contract, request.method, `${url.pathname}${url.search}`, { statusCode: response.status, headers, body: await response.clone().text() });
      return response;
    },
  };
  client.use(contract);
  return client;
}
