import { sql } from 'drizzle-orm';
import { jsonError, jsonOk } from '@/app/_lib/http';
import { getRuntime } from '@/lib/runtime/registry';

export const dynamic = 'force-dynamic';

// GET /api/health – for load balancers and start-up scripts.
export async function GET() {
  const runtime = getRuntime();
  // Not ready before the simulated chargers (if any) are connected: scripts wait for this.
  if (!runtime.ready) return jsonError(503, 'starting');
  try {
    await runtime.database.db.execute(sql`select 1`);
  } catch {
    return jsonError(503, 'database unreachable');
  }
  return jsonOk({
    ok: true,
    database: runtime.database.engine,
    vipps: runtime.config.vipps.mode,
    chargersConnected: runtime.centralSystem.connectedChargerIds(),
  });
}
