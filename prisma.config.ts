// Used by `prisma generate` only (see prisma/schema.prisma for why migrations are not run by the
// Prisma CLI). The URL is a placeholder: generating the client never connects.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/langcell' },
});
