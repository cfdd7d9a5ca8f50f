import { defineEntity, p } from '@mikro-orm/core';

export const User = defineEntity({
  name: 'User',
  tableName: 'user',
  properties: {
    id: p.integer().primary().autoincrement(),
    email: p.string().unique(),
    name: p.string(),
    bio: p.text().nullable(),
  },
});

export const Post = defineEntity({
  name: 'Post',
  tableName: 'post',
  properties: {
    id: p.integer().primary().autoincrement(),
    title: p.string(),
    author: () => p.manyToOne(User),
  },
});

export const entities = [User, Post];
