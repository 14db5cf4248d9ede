import type { Charger, ChargingSessionRow, Connector } from '@/lib/db/schema';

/**
 * Whether a driver may pay for a connector now, and if not, why. Pure, so
 * the charger page and the checkout give the same answer.
 */

export type Availability =
  | { kind: 'available' }
  | { kind: 'offline' }
  | { kind: 'unavailable'; status: string }
  | { kind: 'occupied' }
  | { kind: 'payment-in-progress'; sessionId: string };

const OUT_OF_ORDER = new Set(['Faulted', 'Unavailable']);

export function connectorAvailability(input: {
  charger: Charger;
  connector: Connector | undefined;
  liveSession: ChargingSessionRow | undefined;
  pendingSession: ChargingSessionRow | undefined;
  now: Date;
  pendingHoldSeconds: number;
}): Availability {
  if (!input.charger.online) return { kind: 'offline' };
  if (input.liveSession) return { kind: 'occupied' };
  const status = input.connector?.status;
  if (status && OUT_OF_ORDER.has(status)) return { kind: 'unavailable', status };
  const pending = input.pendingSession;
  // A payment being approved holds the connector only briefly, so nobody can block a charger by opening payments.
  if (pending && input.now.getTime() - pending.createdAt.getTime() < input.pendingHoldSeconds * 1000) {
    return { kind: 'payment-in-progress', sessionId: pending.id };
  }
  return { kind: 'available' };
}

export function availabilityMessage(availability: Availability): string {
  switch (availability.kind) {
    case 'available':
      return 'Available';
    case 'offline':
      return 'The charger is offline right now. You have not been charged; please try again later or use another charger.';
    case 'unavailable':
      return `The charger is out of order (${availability.status}). Please use another charger.`;
    case 'occupied':
      return 'Occupied: another driver is charging here.';
    case 'payment-in-progress':
      return 'Another driver is paying for this charger right now. Try again in a minute.';
  }
}
