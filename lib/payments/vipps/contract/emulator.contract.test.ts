import { createEmulatorTarget } from './emulator-target';
import { defineContractSuite } from './suite';

// The Vipps MobilePay contract against the emulator (in this process, through MSW, on a fake clock).
defineContractSuite('Vipps contract: emulator', createEmulatorTarget);
