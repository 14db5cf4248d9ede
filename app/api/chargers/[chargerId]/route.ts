import { jsonError, jsonOk } from '@/app/_lib/http';
import { getRuntime } from '@/lib/runtime/registry';

export const dynamic = 'force-dynamic';

// GET /api/chargers/{chargerId} – live connector status and availability for the charger page.
export async function GET(_request: Request, { params }: { params: Promise<{ chargerId: string }> }) {
  const { chargerId } = await params;
  const view = await getRuntime().charging.chargerPage(chargerId, undefined);
  if (!view) return jsonError(404, `Unknown charger ${chargerId}.`);
  return jsonOk({
    chargerId: view.chargerId,
    connectorId: view.connectorId,
    connectorStatus: view.connectorStatus,
    online: view.online,
    availability: view.availability.kind,
    message: view.availabilityMessage,
  });
}
