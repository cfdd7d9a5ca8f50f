// Boot: migrate, then listen. `npm run example` runs this on SQLite; set DATABASE_URL for PostgreSQL.
import { buildApp } from './app.ts';

const { app } = await buildApp();
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close());
