import { defineConfig } from 'drizzle-kit';

// Migrations are generated from the schema files and committed; the server applies them at start.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./lib/db/schema.ts', './lib/payments/vipps/emulator/schema.ts', './lib/chargers/ocpp/schema.ts'],
  out: './lib/db/migrations',
});
