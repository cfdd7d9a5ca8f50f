import Fastify, { type FastifyInstance } from 'fastify';
import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { Migrator } from 'upshift';
import { Post, User } from './entities.ts';
import { createOrm, dialectOf } from './orm.ts';
import { bundles } from './revisions.ts';

/** Builds the server; the schema is brought to the bundled head before it listens. */
export async function buildApp(env: NodeJS.ProcessEnv = process.env): Promise<{ app: FastifyInstance; orm: MikroORM }> {
  const app = Fastify({ logger: { level: env.LOG_LEVEL ?? 'info' } });
  const orm = await createOrm(env);
  app.addHook('onClose', () => orm.close());

  // One log stream: upshift writes through Fastify's own pino logger.
  const migrator = new Migrator({
    orm,
    revisions: bundles[dialectOf(env)],
    logger: app.log.child({ component: 'upshift' }) as unknown as Logger,
  });
  await migrator.upgrade();

  app.get('/health', async () => ({ status: 'ok', revision: await migrator.current() }));
  app.post<{ Body: { email: string; name: string; bio?: string } }>('/users', async (request, reply) => {
    const em = orm.em.fork();
    const user = em.create(User, { email: request.body.email, name: request.body.name, bio: request.body.bio ?? null });
    await em.flush();
    return reply.code(201).send(user);
  });
  app.post<{ Params: { id: string }; Body: { title: string } }>('/users/:id/posts', async (request, reply) => {
    const em = orm.em.fork();
    const post = em.create(Post, { title: request.body.title, author: Number(request.params.id) });
    await em.flush();
    return reply.code(201).send({ id: post.id, title: post.title });
  });
  app.get('/users', async () => orm.em.fork().find(User, {}, { orderBy: { id: 'asc' } }));
  return { app, orm };
}
