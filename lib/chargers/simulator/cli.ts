// npm run simulator -- --url ws://localhost:3000/ocpp --id DEMO-1 --password demo-secret
// A simulated OCPP 1.6J charge point in a terminal: it connects, boots, meters while charging and
// takes commands on stdin (plug, unplug, stop, power 7400, fault, offline, online, status, quit).
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createLogger } from '@/lib/logger';
import { SimulatedChargePoint } from './charge-point';

const HELP = `Options:
  --url <ws-url>        central system base, e.g. ws://localhost:3000/ocpp (wss:// behind TLS)
  --id <charger-id>     charge point identity (also the Basic-auth username)
  --password <secret>   Basic-auth password
  --power <W>           charger power (default 11000)
  --interval <s>        MeterValueSampleInterval until the central system sets it (default 5)
  --unplugged           start without a car plugged in
  --battery <Wh>        the car's battery (default 60000); --soc <0-100> its charge (default 20)
  --register <Wh>       energy register at start (default 1000000)
  --kwh                 report energy in kWh; --phases 3 per phase
  --verbose             also print every meter reading
Commands while running:
  plug | unplug | stop | start <idTag> | power <W> | deliver <Wh> | fault [errorCode] | clear
  offline | online | status | help | quit`;

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    id: { type: 'string' },
    password: { type: 'string' },
    power: { type: 'string', default: '11000' },
    interval: { type: 'string', default: '5' },
    unplugged: { type: 'boolean', default: false },
    battery: { type: 'string', default: '60000' },
    soc: { type: 'string', default: '20' },
    register: { type: 'string', default: '1000000' },
    kwh: { type: 'boolean', default: false },
    phases: { type: 'string', default: '1' },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

function wholeNumber(name: string, text: string | undefined): number {
  if (!text || !/^\d+$/.test(text)) throw new Error(`${name} must be a whole number (got ${text ?? 'nothing'})`);
  return Number(text);
}

function option(name: string, text: string | undefined): number {
  try {
    return wholeNumber(`--${name}`, text);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
}

if (values.help || !values.url || !values.id || values.password === undefined) {
  console.log(`Usage: npm run simulator -- --url ws://localhost:3000/ocpp --id DEMO-1 --password demo-secret\n\n${HELP}`);
  process.exit(values.help ? 0 : 2);
}

const powerW = option('power', values.power);
const logger = createLogger(values.verbose ? 'debug' : 'info', `simulator:${values.id}`);
const chargePoint = new SimulatedChargePoint({
  url: values.url,
  id: values.id,
  password: values.password,
  powerW,
  meterIntervalSeconds: Math.max(1, option('interval', values.interval)),
  carPluggedIn: !values.unplugged,
  registerWh: option('register', values.register),
  ev: { capacityWh: option('battery', values.battery), socPercent: option('soc', values.soc), maxPowerW: powerW },
  energyUnit: values.kwh ? 'kWh' : 'Wh',
  phases: values.phases === '3' ? 3 : 1,
  logger,
});

function status(): string {
  return [
    `connector ${chargePoint.connectorStatus}`,
    `transaction ${chargePoint.activeTransactionId ?? '-'}`,
    `register ${chargePoint.meterWh} Wh`,
    `power ${chargePoint.powerW} W`,
    `car ${chargePoint.socPercent} %`,
    chargePoint.online ? 'online' : 'offline',
    `${chargePoint.queuedMessages} queued`,
  ].join(', ');
}

async function run(line: string): Promise<boolean> {
  const [command = '', argument] = line.trim().split(/\s+/);
  switch (command) {
    case '':
      return true;
    case 'plug':
      await chargePoint.plugIn();
      break;
    case 'unplug':
      await chargePoint.unplug();
      break;
    case 'stop':
      await chargePoint.stopLocally();
      break;
    case 'start':
      console.log(`card ${argument}: ${await chargePoint.startLocally(argument ?? 'LOCAL-CARD')}`);
      break;
    case 'power':
      chargePoint.setPower(wholeNumber('power', argument));
      break;
    case 'deliver':
      await chargePoint.deliver(wholeNumber('deliver', argument));
      break;
    case 'fault':
      await chargePoint.fault(argument ?? 'GroundFailure');
      break;
    case 'clear':
      await chargePoint.clearFault();
      break;
    case 'offline':
      chargePoint.goOffline();
      break;
    case 'online':
      await chargePoint.goOnline();
      break;
    case 'status':
      break;
    case 'help':
      console.log(HELP);
      return true;
    case 'quit':
    case 'exit':
      return false;
    default:
      console.log(`unknown command "${command}"; try help`);
      return true;
  }
  console.log(status());
  return true;
}

async function main() {
  logger.info(`connecting to ${values.url}/${values.id}`);
  await chargePoint.connect();
  console.log(`${status()}\nType "help" for commands.`);
  const input = createInterface({ input: process.stdin, terminal: false });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    input.close();
    await chargePoint.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  let quit = false;
  for await (const line of input) {
    try {
      quit = !(await run(line));
    } catch (error) {
      console.log(`${line.trim()}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (quit) break;
  }
  // Input from a pipe that ended (or /dev/null) only ends the commands: the charger runs on until Ctrl-C.
  if (quit || process.stdin.isTTY) await stop();
}

main().catch((error: unknown) => {
  console.error(`simulator failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
