import { jsonError, jsonOk } from '@/app/_lib/http';
import { getRuntime } from '@/lib/runtime/registry';

// POST /api/vipps/webhook – Vipps MobilePay ePayment events. Verified (HMAC over the raw body),
// recorded and de-duplicated, answered at once; the work happens in a job.
export async function POST(request: Request) {
  const rawBody = await request.text();
  const receipt = await getRuntime().receiveVippsWebhook({ rawBody, headers: request.headers });
  if (receipt.status !== 200) return jsonError(receipt.status, receipt.reason);
  getRuntime().worker.wake();
  return jsonOk({ received: true, duplicate: receipt.duplicate });
}
