/* global process */ // Node globals (the lint config declares none for plain JS)
// The baseline: a bare Fastify JSON route, run in its own process exactly as Tessera is, so the
// ratio "route req/s ÷ bare req/s" measured side by side cancels out the machine.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
await app.listen({ port, host });
process.stdout.write(`bare fastify listening on http://${host}:${app.server.address().port}\n`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
