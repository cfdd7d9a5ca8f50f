import { defineRevision } from 'upshift';

export default defineRevision({
  id: 'c3d4e5f6a7b8',
  parents: ['b7c8d9e0f1a2'],
  message: 'add bio to user',
  createdAt: '2026-11-21T10:10:00.000Z',
  async up({ sql }) {
    await sql('alter table "user" add column "bio" text null');
  },
  async down({ sql }) {
    await sql('alter table "user" drop column "bio"');
  },
});
